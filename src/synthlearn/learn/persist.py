"""``train`` and ``predict``: one fitted pipeline saved as an inspectable folder, loaded without pickle.

A model folder holds ``model.skops`` (the fitted ``Pipeline``, written with
skops, which stores objects as data rather than pickle) and ``metadata.json``
(schema, target, classes, model name, library versions). Loading accepts
only scikit-learn, NumPy and synthlearn types (``skops.io.load`` with an
explicit trusted list) and refuses anything else with a clear error, so a
tampered file cannot make synthlearn run foreign code.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.data.schema import ColumnKind, Schema, check_column
from synthlearn.errors import ColumnError, InvalidParameterError, ModelFileError, SchemaError
from synthlearn.learn.preprocessing import category_text
from synthlearn.trusted import load_trusted_skops

MODEL_FILE, META_FILE = "model.skops", "metadata.json"
#: Module prefixes a saved model may contain; any other type is refused at load time.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "synthlearn.")


@dataclass
class TrainedModel:
    """A fitted pipeline with what is needed to use it on new rows.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``preprocess`` then ``model``.
    schema : Schema
        The training table's schema (target included).
    target, task, model_name : str
    features : list of str
        Columns the pipeline reads.
    classes : list or None
        Class labels (classification).
    meta : dict
        Versions and training details.
    """

    pipeline: object
    schema: Schema
    target: str
    task: str
    model_name: str
    features: list
    classes: list | None
    meta: dict

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """One row per input row: the id column (when the schema has one), ``prediction``, ``proba_<class>``.

        For a classifier, ``prediction`` is the class with the highest
        ``proba_<class>``; a datetime target is predicted as datetimes, not as
        the seconds the model works in, in the target's own time zone (a
        zone-aware column's zone, or the one offset its text was written with;
        naive times stay naive).

        The new table must have every feature column (extra columns, the
        target included, are ignored) with values of the same kind. A
        category never seen in training is handled like a missing category:
        all-zero one-hot codes, code -1 in ordinal columns, no evidence in
        naive Bayes; ``unseen_categories(df)`` counts them.
        """
        X = self.check_table(df)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.task == "classification" and hasattr(self.pipeline, "predict_proba"):
                # the prediction is the most probable class, so it always agrees with the proba_ columns
                # (SVC.predict votes by its decision function, which can differ from its Platt probabilities)
                proba = self.pipeline.predict_proba(X)
                pred = self.pipeline.classes_[np.argmax(proba, axis=1)]
            else:
                pred, proba = self.pipeline.predict(X), None
        if self.task == "regression" and self.schema[self.target] is ColumnKind.DATETIME:
            pred = pd.to_datetime(np.round(np.asarray(pred, dtype=float) * 1e9).astype(np.int64), unit="ns")
            zone = target_zone(self.meta.get("target_zone"))
            if zone is not None:
                pred = pred.tz_localize("UTC").tz_convert(zone)
        out = {}
        for column in self.schema.columns_of("identifier"):
            if column in df.columns:
                out[column] = df[column].to_numpy()
        out["prediction"] = pred
        if proba is not None:
            for j, c in enumerate(self.pipeline.classes_):
                out[f"proba_{c}"] = proba[:, j]
        return pd.DataFrame(out, index=df.index).reset_index(drop=True)

    def check_table(self, df: pd.DataFrame) -> pd.DataFrame:
        """The feature columns of ``df``, after checking they are present and of the trained kinds."""
        missing = [c for c in self.features if c not in df.columns]
        if missing:
            raise ColumnError(f"the table lacks column(s) {missing} the model was trained on; "
                              f"give a table with the training columns")
        for column in self.features:
            if df[column].isna().all():
                continue  # an all-missing column is imputed like any missing value
            # the kinds are the model's: the new table's values are what can change
            check_column(df[column], self.schema[column], column,
                         fix=f"the model was trained with '{column}' as {self.schema[column]}: fix the values, or "
                             f"retrain with the kind this column should have")
        return df[self.features]

    def unseen_categories(self, df: pd.DataFrame) -> dict[str, int]:
        """Per categorical feature, how many values of ``df`` training never saw (missing excluded)."""
        known = self.meta.get("categories", {})
        counts = {}
        for column, cats in known.items():
            if column in df.columns:
                values = category_text(df[column].dropna())
                n = int((~values.isin(set(cats))).sum())
                if n:
                    counts[column] = n
        return counts

    def save(self, folder) -> Path:
        """Write ``model.skops`` and ``metadata.json`` into ``folder`` (replaced as a whole, atomically).

        An existing ``folder`` is replaced only when it is empty or holds just these two files.
        """
        import skops.io as sio

        from synthlearn.atomic import atomic_folder, holds_only

        def write(tmp: Path) -> None:
            sio.dump(self.pipeline, tmp / MODEL_FILE)
            meta = {**self.meta, "format": "synthlearn-model/1", "target": self.target, "task": self.task,
                    "model": self.model_name, "features": self.features, "classes": self.classes,
                    "schema": self.schema.to_dict()}
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2, default=_json_default) + "\n")

        return atomic_folder(folder, write, may_replace=holds_only(MODEL_FILE, META_FILE))


def _json_default(v):
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def train(df: pd.DataFrame, target: str, model: str = "random_forest", schema: Schema | None = None, *,
          random_state=0, **params) -> TrainedModel:
    """Fit one registered model on the whole table.

    Parameters
    ----------
    df : DataFrame
    target : str
    model : str, default="random_forest"
        A registered name, or ``"best"`` to run :func:`compare` (3 folds, no
        holdout) and fit its winner.
    schema : Schema, optional
    random_state : int, default=0
    **params
        Overrides of the model's defaults (``n_estimators=300``...).

    Returns
    -------
    TrainedModel

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.learn import train
    >>> fitted = train(load_dataset("penguins"), "species", "naive_bayes")
    >>> fitted.predict(load_dataset("penguins").head(2))["prediction"].tolist()
    ['Adelie', 'Adelie']
    """
    import sklearn

    from synthlearn import __version__
    from synthlearn.learn.compare import check_supervised, compare, target_values
    from synthlearn.learn.registry import features_of, get_spec, make_pipeline

    df, schema, task, notes = check_supervised(df, target, schema)
    if model == "best":
        board = compare(df, target, schema, cv=3, holdout=None, random_state=random_state)
        model = board.best
    name = get_spec(model, task).name
    if name == "svm" and task == "classification":
        params.setdefault("probability", True)  # proba_<class> columns in predictions
    pipe = make_pipeline(name, schema, target, df, task=task, random_state=random_state, **params)
    if name == "knn" and pipe[-1].n_neighbors > len(df):
        # scikit-learn would fit, then fail at every prediction
        if "n_neighbors" in params:
            raise InvalidParameterError(f"n_neighbors={params['n_neighbors']} is more than the {len(df)} training "
                                        f"rows; choose n_neighbors <= {len(df)}")
        notes.append(f"knn: n_neighbors lowered from {pipe[-1].n_neighbors} to {len(df)}, the number of training rows")
        pipe[-1].set_params(n_neighbors=len(df))
    features = features_of(schema, target)
    y = target_values(df, schema, target, task)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(df[features], y)
    classes = [_plain(c) for c in pipe.classes_] if task == "classification" else None
    categories = {c: sorted(category_text(df[c].dropna()).unique().tolist()) for c in features
                  if schema[c].is_discrete}
    meta = {"synthlearn_version": __version__, "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__, "pandas_version": pd.__version__, "rows": len(df), "notes": notes,
            "params": {k: _plain(v) for k, v in params.items()}, "random_state": random_state,
            "categories": categories}
    if task == "regression" and schema[target] is ColumnKind.DATETIME:
        meta["target_zone"] = zone_of(df[target], schema.formats.get(target))
    return TrainedModel(pipe, schema, target, task, name, features, classes, meta)


def zone_of(values: pd.Series, fmt: str | None = None) -> str | int | None:
    """The time zone of a datetime column, for its predictions: a zone-aware column's zone name, the offset in
    seconds that every value of a text column was written with ('Z': 0; mixed offsets are UTC), or None for
    naive times."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return str(values.dt.tz) if values.dt.tz is not None else None
    from synthlearn.data.dates import text_datetime_format

    written = text_datetime_format(values, fmt)
    return None if written["offset"] == "" else int(written["offset_seconds"])


def target_zone(zone: str | int | None):
    """What :func:`zone_of` recorded, for ``tz_convert``: a zone name, a fixed offset, or None."""
    if zone is None or isinstance(zone, str):
        return zone
    from datetime import timedelta, timezone

    return timezone(timedelta(seconds=int(zone)))


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def load_model(folder) -> TrainedModel:
    """Load a model folder written by :meth:`TrainedModel.save`, refusing untrusted types.

    Raises
    ------
    ModelFileError
        Missing folder or file, corrupt metadata, or a type outside
        scikit-learn, NumPy and synthlearn inside ``model.skops``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(f"model folder not found: '{folder}'; give the --out folder of `synthlearn train`")
    for name in (MODEL_FILE, META_FILE):
        if not (folder / name).is_file():
            raise ModelFileError(f"model folder '{folder}' lacks {name}; retrain with `synthlearn train`")
    try:
        meta = json.loads((folder / META_FILE).read_text())
        schema = Schema.from_dict(meta["schema"])
        target, task, model_name, features = meta["target"], meta["task"], meta["model"], list(meta["features"])
    except (json.JSONDecodeError, KeyError, TypeError, SchemaError) as exc:
        raise ModelFileError(f"'{folder / META_FILE}' is not valid synthlearn model metadata ({exc}); "
                             f"retrain with `synthlearn train`") from None
    pipeline = load_trusted_skops(folder / MODEL_FILE, TRUSTED_PREFIXES, "retrain the model with `synthlearn train`")
    return TrainedModel(pipeline, schema, target, task, model_name, features, meta.get("classes"), meta)
