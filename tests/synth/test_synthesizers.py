"""The two learned synthesizers: the shared contract, persistence, errors, and what each one keeps."""

from __future__ import annotations

import json
import os
import stat
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from synthlearn.data import infer_schema
from synthlearn.errors import (
    ColumnError,
    DataError,
    InvalidParameterError,
    ModelFileError,
    NotFittedError,
    SchemaError,
)
from synthlearn.synth import METHODS, CARTSynthesizer, GaussianCopulaSynthesizer, Synthesizer
from synthlearn.synth.cart import TreeArrays

SYNTHESIZERS = [CARTSynthesizer, GaussianCopulaSynthesizer]
IDS = ["user_id"]
parametrize = pytest.mark.parametrize("cls", SYNTHESIZERS, ids=["cart", "copula"])


def without_ids(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in IDS if c in df.columns])


@pytest.fixture(scope="module")
def fitted300(mixed300):
    """Each synthesizer fitted once on the 300-row table (tests must not refit these)."""
    return {cls: cls(random_state=0).fit(mixed300) for cls in SYNTHESIZERS}


def test_methods_registry():
    assert METHODS["cart"] is CARTSynthesizer and METHODS["copula"] is GaussianCopulaSynthesizer
    assert set(METHODS) == {"cart", "copula", "vae", "gan"}


# ---------------------------------------------------------------- the contract
@parametrize
def test_sample_keeps_columns_dtypes_and_categories(cls, mixed_frame):
    mixed_frame["color"] = mixed_frame["color"].astype(pd.CategoricalDtype(["red", "green", "blue", "violet", "unused"]))
    synth = cls(random_state=0).fit(mixed_frame)
    out = synth.sample(200)
    assert list(out.columns) == list(mixed_frame.columns)
    pd.testing.assert_series_equal(out.dtypes, mixed_frame.dtypes)
    assert out["color"].dtype == mixed_frame["color"].dtype  # categories and their order
    assert set(out["color"].dropna()) <= {"red", "green", "blue", "violet"}
    assert len(out) == 200 and list(out.index) == list(range(200))
    assert out["user_id"].is_unique and not set(out["user_id"]) & set(mixed_frame["user_id"])
    assert set(out["flag"]) <= {True, False}
    # string dates stay ISO date strings
    assert out["day"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


@parametrize
def test_fitted_attributes(cls, mixed_frame):
    synth = cls(random_state=0).fit(mixed_frame)
    assert synth.n_rows_ == len(mixed_frame)
    assert synth.schema_ == infer_schema(mixed_frame)
    assert [c.source for c in synth.encoder_.columns_][0] == "amount"
    assert synth.fit(mixed_frame) is synth


@parametrize
def test_integer_columns_stay_whole(cls, fitted300):
    out = fitted300[cls].sample(500, random_state=1)
    counts = out["count"].dropna()
    assert len(counts) > 0
    assert (counts == np.round(counts)).all()


@parametrize
def test_values_stay_within_training_range(cls, mixed300, fitted300):
    out = fitted300[cls].sample(1000, random_state=2)
    for column in ("amount", "count", "when"):
        assert out[column].min() >= mixed300[column].min(), column
        assert out[column].max() <= mixed300[column].max(), column
    day = pd.to_datetime(out["day"])
    real_day = pd.to_datetime(mixed300["day"])
    assert day.min() >= real_day.min() and day.max() <= real_day.max()


@parametrize
def test_missing_value_rates_are_kept(cls, mixed300, fitted300):
    out = fitted300[cls].sample(2000, random_state=3)
    for column in ("amount", "count", "color", "when"):
        real = mixed300[column].isna().mean()
        synthetic = out[column].isna().mean()
        assert real > 0.05
        assert abs(synthetic - real) <= 0.05, (column, real, synthetic)
    assert out["flag"].notna().all() and out["day"].notna().all()


@parametrize
def test_rare_category_can_appear(cls, mixed300, fitted300):
    assert (mixed300["color"] == "violet").sum() == 3
    out = fitted300[cls].sample(5000, random_state=4)
    assert set(out["color"].dropna()) == {"red", "green", "blue", "violet"}


@parametrize
def test_same_random_state_same_output(cls, mixed_frame):
    a = cls(random_state=7).fit(mixed_frame).sample(60)
    b = cls(random_state=7).fit(mixed_frame).sample(60)
    pd.testing.assert_frame_equal(a, b)
    c = cls(random_state=8).fit(mixed_frame).sample(60)
    assert not without_ids(a).equals(without_ids(c))


@parametrize
def test_repeated_sample_calls_continue_the_stream(cls, mixed_frame):
    synth = cls(random_state=0).fit(mixed_frame)
    first, second = synth.sample(60), synth.sample(60)
    assert not without_ids(first).equals(without_ids(second))
    assert not set(first["user_id"]) & set(second["user_id"])  # ids stay unique across calls
    # the whole sequence is reproducible from the fit-time seed
    again = cls(random_state=0).fit(mixed_frame)
    pd.testing.assert_frame_equal(again.sample(60), first)
    pd.testing.assert_frame_equal(again.sample(60), second)


@parametrize
def test_sample_with_random_state_is_reproducible(cls, mixed_frame):
    synth = cls(random_state=0).fit(mixed_frame)
    a = synth.sample(60, random_state=11)
    b = synth.sample(60, random_state=11)
    pd.testing.assert_frame_equal(without_ids(a), without_ids(b))
    c = synth.sample(60, random_state=np.random.default_rng(11))
    pd.testing.assert_frame_equal(without_ids(a), without_ids(c))
    assert not without_ids(a).equals(without_ids(synth.sample(60, random_state=12)))


@parametrize
def test_unseeded_synthesizer_works(cls, mixed_frame):
    out = cls().fit(mixed_frame).sample(10)
    assert out.shape == (10, mixed_frame.shape[1])


@parametrize
def test_fit_with_a_given_schema(cls, mixed_frame):
    schema = infer_schema(mixed_frame, categorical=["count"])
    out = cls(random_state=0).fit(mixed_frame, schema).sample(300)
    assert set(out["count"].dropna()) <= set(mixed_frame["count"].dropna())
    assert out["count"].dtype == mixed_frame["count"].dtype


@parametrize
def test_numpy_integer_row_count(cls, mixed_frame):
    assert len(cls(random_state=0).fit(mixed_frame).sample(np.int64(7))) == 7


@pytest.mark.parametrize("cls", [
    pytest.param(CARTSynthesizer, id="cart"),
    pytest.param(GaussianCopulaSynthesizer, id="copula"),
])
def test_refit_on_another_table(cls):
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60)})
    a.loc[:20, "y"] = np.nan
    b = pd.DataFrame({"u": rng.normal(size=60), "v": rng.normal(size=60), "w": rng.normal(size=60)})
    b.loc[:29, "u"] = np.nan
    synth = cls(random_state=0).fit(a)
    synth.sample(10)
    out = synth.fit(b).sample(1000)
    fresh = cls(random_state=0).fit(b).sample(1000)
    assert list(out.columns) == ["u", "v", "w"]
    assert abs(out["u"].isna().mean() - 0.5) < 0.1
    assert out["v"].notna().all() and out["w"].notna().all()
    pd.testing.assert_frame_equal(out, fresh)


# --------------------------------------------------------------- persistence
@parametrize
def test_save_and_load_give_identical_samples(cls, mixed_frame, tmp_path):
    synth = cls(random_state=3).fit(mixed_frame)
    folder = synth.save(tmp_path / "model")
    assert folder == tmp_path / "model"
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "synthesizer.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary folders left
    meta = json.loads((folder / "synthesizer.json").read_text())
    assert meta["class"] == cls.__name__ and meta["params"]["random_state"] == 3
    loaded = Synthesizer.load(folder)
    assert type(loaded) is cls
    assert loaded.get_params() == synth.get_params()
    assert loaded.n_rows_ == len(mixed_frame) and loaded.schema_ == synth.schema_
    pd.testing.assert_frame_equal(loaded.sample(100, random_state=5), synth.sample(100, random_state=5))
    # the class method works from the subclass too
    assert type(cls.load(folder)) is cls


@parametrize
def test_save_replaces_an_existing_model(cls, mixed_frame, tmp_path):
    cls(random_state=1).fit(mixed_frame).save(tmp_path / "model")
    other = mixed_frame.drop(columns=["day"])
    synth = cls(random_state=2).fit(other)
    synth.save(tmp_path / "model")
    loaded = Synthesizer.load(tmp_path / "model")
    assert list(loaded.sample(5).columns) == list(other.columns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_saved_folder_has_normal_permissions(mixed_frame, tmp_path):
    old = os.umask(0o022)
    try:
        folder = CARTSynthesizer(random_state=0).fit(mixed_frame).save(tmp_path / "model")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # not mkdtemp's 0700
    assert stat.S_IMODE((folder / "synthesizer.json").stat().st_mode) == 0o644


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, mixed300):
    folder = tmp_path_factory.mktemp("saved") / "model"
    CARTSynthesizer(random_state=0).fit(mixed300.head(60)).save(folder)
    return folder


def corrupt_copy(saved_model, tmp_path, damage) -> os.PathLike:
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(saved_model, folder)
    damage(folder)
    return folder


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda f: (f / "synthesizer.json").unlink(), "missing synthesizer.json"),
        (lambda f: (f / "synthesizer.json").write_text("{ not json"), "corrupt"),
        (lambda f: (f / "synthesizer.json").write_bytes(b"\xff\xfe\x00garbage"), "corrupt"),
        (lambda f: (f / "synthesizer.json").write_text('{"format": "something-else"}'), "not a synthlearn"),
        (lambda f: (f / "synthesizer.json").write_text("[1, 2]"), "not a synthlearn"),
        (lambda f: (f / "arrays.npz").unlink(), "missing arrays.npz"),
        (lambda f: (f / "arrays.npz").write_bytes((f / "arrays.npz").read_bytes()[:200]), "arrays.npz' is corrupt"),
        (lambda f: (f / "arrays.npz").write_bytes(b"PK\x03\x04 not really a zip"), "arrays.npz' is corrupt"),
        (lambda f: (f / "arrays.npz").write_bytes(b""), "arrays.npz' is corrupt"),
    ],
    ids=["no-json", "bad-json", "binary-json", "wrong-format", "json-list", "no-npz", "truncated-npz",
         "garbage-npz", "empty-npz"],
)
def test_load_errors(saved_model, tmp_path, damage, match):
    folder = corrupt_copy(saved_model, tmp_path, damage)
    with pytest.raises(ModelFileError, match=match) as info:
        Synthesizer.load(folder)
    assert "broken" in str(info.value)  # names the folder or file


def _edit_json(folder, edit):
    meta = json.loads((folder / "synthesizer.json").read_text())
    edit(meta)
    (folder / "synthesizer.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda m: m.update(format_version=99), "newer synthlearn"),
        (lambda m: m.update({"class": "EvilSynthesizer"}), "unknown synthesizer class"),
        (lambda m: m.pop("encoder"), "corrupt"),
        (lambda m: m["state"].update(n_columns=50), "corrupt"),
    ],
    ids=["future-version", "unknown-class", "no-encoder", "wrong-state"],
)
def test_load_errors_in_the_metadata(saved_model, tmp_path, edit, match):
    folder = corrupt_copy(saved_model, tmp_path, lambda f: _edit_json(f, edit))
    with pytest.raises(ModelFileError, match=match):
        Synthesizer.load(folder)


def test_load_error_for_arrays_of_another_model(saved_model, tmp_path, mixed_frame):
    other = tmp_path / "other"
    GaussianCopulaSynthesizer(random_state=0).fit(mixed_frame).save(other)
    folder = corrupt_copy(saved_model, tmp_path, lambda f: (f / "arrays.npz").write_bytes((other / "arrays.npz").read_bytes()))
    with pytest.raises(ModelFileError):
        Synthesizer.load(folder)


def test_load_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="model folder not found") as info:
        Synthesizer.load(tmp_path / "nowhere")
    assert "nowhere" in str(info.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFileError, match="not found"):
        Synthesizer.load(tmp_path / "file")


def test_load_never_unpickles(saved_model, tmp_path):
    """An arrays.npz holding a pickled object array is refused, not executed."""
    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    def damage(f):
        with np.load(f / "arrays.npz") as data:
            arrays = {k: data[k] for k in data.files}
        arrays["order"] = np.array([Boom()], dtype=object)
        np.savez(f / "arrays.npz", **arrays)

    folder = corrupt_copy(saved_model, tmp_path, damage)
    with pytest.raises(ModelFileError, match="corrupt"):
        Synthesizer.load(folder)
    assert not (tmp_path / "pwned").exists()


# ----------------------------------------------------------- parameter errors
@parametrize
@pytest.mark.parametrize("n", [0, -1, 1.5, True, "10", None, np.float64(3.0)])
def test_bad_row_counts(cls, mixed_frame, n):
    synth = cls(random_state=0).fit(mixed_frame)
    with pytest.raises(InvalidParameterError, match="positive integer"):
        synth.sample(n)


@parametrize
def test_bad_sample_seed(cls, mixed_frame):
    synth = cls(random_state=0).fit(mixed_frame)
    with pytest.raises(InvalidParameterError, match="random_state must be an integer >= 0.*got -1"):
        synth.sample(3, random_state=-1)


@parametrize
def test_sample_before_fit(cls):
    with pytest.raises(NotFittedError, match="fit"):
        cls().sample(5)
    with pytest.raises(NotFittedError):
        cls().save("never-written")
    assert not os.path.exists("never-written")
    with pytest.raises(SklearnNotFittedError):  # what scikit-learn code catches, as for the other estimators
        cls().sample(5)


@pytest.mark.parametrize(
    ("synth", "match"),
    [
        (CARTSynthesizer(min_samples_leaf=0), "min_samples_leaf"),
        (CARTSynthesizer(min_samples_leaf=2.5), "min_samples_leaf"),
        (CARTSynthesizer(min_samples_leaf=True), "min_samples_leaf"),
        (CARTSynthesizer(max_depth=0), "max_depth"),
        (CARTSynthesizer(smoothing="kde"), "smoothing"),
        (CARTSynthesizer(bandwidth=-1.0), "bandwidth"),
        (CARTSynthesizer(random_state="seed"), "random_state"),
        (CARTSynthesizer(random_state=-1), "random_state"),  # numpy's "expected non-negative integer" named nothing
        (GaussianCopulaSynthesizer(marginals="x"), "marginals"),
        (GaussianCopulaSynthesizer(random_state=1.5), "random_state"),
    ],
)
def test_bad_constructor_parameters_raise_at_fit(synth, match, mixed_frame):
    # stored verbatim by the constructor; checked in fit
    with pytest.raises(InvalidParameterError, match=match) as info:
        synth.fit(mixed_frame)
    assert not hasattr(synth, "encoder_")
    assert repr(getattr(synth, match)) in str(info.value)  # names the bad value


def test_constructor_stores_parameters_verbatim():
    synth = CARTSynthesizer(min_samples_leaf=0, smoothing="kde", visit_order=["b", "a"])
    params = synth.get_params()
    assert params["min_samples_leaf"] == 0 and params["smoothing"] == "kde" and params["visit_order"] == ["b", "a"]


@parametrize
def test_fit_input_errors(cls, mixed_frame):
    with pytest.raises(DataError, match="DataFrame"):
        cls().fit(mixed_frame.to_numpy())
    with pytest.raises(DataError, match="at least 2"):
        cls().fit(mixed_frame.head(1))
    with pytest.raises(SchemaError, match="Schema"):
        cls().fit(mixed_frame, {"amount": "numeric"})
    with pytest.raises(ColumnError):
        cls().fit(mixed_frame.drop(columns="amount"), infer_schema(mixed_frame))
    with pytest.raises(DataError, match="no columns"):
        cls().fit(pd.DataFrame(index=range(5)))
    with pytest.raises(DataError, match="no column to model.*'user_id' is an identifier"):
        cls().fit(mixed_frame[["user_id"]])


# ---------------------------------------------------------------- CART only
def _nan_data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 2] = rng.integers(0, 4, n)
    y = 2 * np.nan_to_num(X[:, 0]) - X[:, 2] + rng.normal(scale=0.3, size=n)
    X[rng.random(X.shape) < 0.2] = np.nan
    return X, y


@pytest.mark.parametrize("model", ["regressor", "classifier"])
@pytest.mark.parametrize("train_nan", [True, False])
def test_tree_arrays_apply_matches_sklearn(model, train_nan):
    X, y = _nan_data()
    if not train_nan:
        X = np.nan_to_num(X)
    if model == "regressor":
        tree = DecisionTreeRegressor(min_samples_leaf=5, random_state=0).fit(X, y)
    else:
        tree = DecisionTreeClassifier(min_samples_leaf=3, random_state=0).fit(X, (y > 0).astype(int))
    assert tree.tree_.node_count > 20
    Q, _ = _nan_data(seed=1, n=1000)
    arrays = TreeArrays.from_sklearn(tree)
    np.testing.assert_array_equal(arrays.apply(X), tree.apply(X))
    np.testing.assert_array_equal(arrays.apply(Q), tree.apply(Q))
    again = TreeArrays.from_arrays(arrays.to_arrays())
    np.testing.assert_array_equal(again.apply(Q), tree.apply(Q))


def test_tree_arrays_single_leaf():
    tree = DecisionTreeRegressor().fit(np.ones((5, 1)), np.ones(5))
    np.testing.assert_array_equal(TreeArrays.from_sklearn(tree).apply(np.array([[0.0], [np.nan]])), [0, 0])


def test_tree_arrays_apply_matches_sklearn_at_float32_precision():
    tree = DecisionTreeRegressor().fit(np.array([[1.0], [3.0]]), [0.0, 1.0])
    assert tree.tree_.threshold[0] == 2.0
    q = np.array([[2.0 + 1e-9], [2.0], [2.0 - 1e-9], [np.nan]])
    np.testing.assert_array_equal(TreeArrays.from_sklearn(tree).apply(q), tree.apply(q))


def test_cart_keeps_a_strong_dependence():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 500)
    df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(scale=0.5, size=500)})
    out = CARTSynthesizer(random_state=0).fit(df).sample(1000)
    assert np.corrcoef(out["x"], out["y"])[0, 1] > 0.9
    residual = out["y"] - 2 * out["x"]
    assert residual.abs().median() < 1.5


def test_cart_smoothing(mixed_frame):
    real = set(mixed_frame["amount"].dropna())
    plain = CARTSynthesizer(smoothing="none", random_state=0).fit(mixed_frame).sample(300)
    assert set(plain["amount"].dropna()) <= real  # donors are training values
    smooth = CARTSynthesizer(smoothing="density", random_state=0).fit(mixed_frame).sample(300)
    assert len(set(smooth["amount"].dropna()) - real) > 100
    assert set(smooth["count"].dropna()) <= set(mixed_frame["count"].dropna())  # few distinct values: not smoothed
    flat = CARTSynthesizer(smoothing="density", bandwidth=0.0, random_state=0).fit(mixed_frame).sample(300)
    assert set(flat["amount"].dropna()) <= real


def test_cart_visit_order(mixed_frame):
    synth = CARTSynthesizer(visit_order=["color", "flag"], random_state=0).fit(mixed_frame)
    columns = synth.encoder_.columns_
    order = [columns[j].name for j in synth.order_]
    assert order[:2] == ["color", "flag"]
    assert order.index("amount#missing") + 1 == order.index("amount")  # indicator right before its value
    assert sorted(order) == sorted(c.name for c in columns)
    assert synth.trees_[0] is None  # the first column is drawn from its marginal
    out = synth.sample(50)
    assert list(out.columns) == list(mixed_frame.columns)


@pytest.mark.parametrize("order", [["nosuch"], ["color", "user_id"]])
def test_cart_visit_order_unknown_column(mixed_frame, order):
    with pytest.raises(ColumnError, match="visit_order") as info:
        CARTSynthesizer(visit_order=order).fit(mixed_frame)
    assert repr(order[-1]) in str(info.value)


def test_tree_arrays_graft_routes_a_leaf_through_the_subtree():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    main = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, X[:, 0])
    sub = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, X[:, 1])
    leaf = int(main.apply(X)[0])
    grafted = TreeArrays.from_sklearn(main).graft({leaf: TreeArrays.from_sklearn(sub)})
    Q = rng.normal(size=(500, 2))
    expected = main.apply(Q)
    inside = expected == leaf
    sub_leaves = sub.apply(Q[inside])  # a subtree's node c > 0 is numbered after the main tree's nodes
    expected[inside] = np.where(sub_leaves == 0, leaf, sub_leaves + main.tree_.node_count - 1)
    np.testing.assert_array_equal(grafted.apply(Q), expected)
    assert grafted.left.size == main.tree_.node_count + sub.tree_.node_count - 1
    assert grafted.depths().max() == 2 + 3


def _paired_levels(n=2000, seed=0):
    """8 cities of decreasing frequency, each in its own state; the states of cities c0 and c4 (as of c1 and c5,
    ...) sort next to each other, so a tree that saw those cities as one class keeps the pair together."""
    rng = np.random.default_rng(seed)
    city = rng.choice(8, n, p=np.arange(8, 0, -1) / 36)
    return pd.DataFrame({"noise": rng.normal(size=n), "state": [f"s{c % 4}{c // 4}" for c in city],
                         "city": [f"c{c}" for c in city]})


def test_cart_many_levels_are_grouped_for_the_tree_and_keep_their_structure(monkeypatch):
    from synthlearn.synth import cart

    monkeypatch.setattr(cart, "MAX_TREE_CLASSES", 4)  # 8 levels count as many
    classes = []
    fit_tree = CARTSynthesizer._fit_tree

    def spy(self, discrete, X, y, seed, max_depth):
        classes.append(np.unique(y).size)
        return fit_tree(self, discrete, X, y, seed, max_depth)

    monkeypatch.setattr(CARTSynthesizer, "_fit_tree", spy)
    df = _paired_levels()
    out = CARTSynthesizer(random_state=0).fit(df).sample(3000)
    assert max(classes) <= 4
    # each state holds one city, as exact CART finds: the leaves where grouped cities mixed were grown again
    assert set(zip(out["state"], out["city"])) <= set(zip(df["state"], df["city"]))
    assert out["city"].nunique() == 8


def test_cart_many_levels_respect_max_depth_and_survive_saving(monkeypatch, tmp_path):
    from synthlearn.synth import cart

    monkeypatch.setattr(cart, "MAX_TREE_CLASSES", 4)
    df = _paired_levels()
    assert CARTSynthesizer(max_depth=2, random_state=0).fit(df).trees_[-1].depths().max() == 2
    synth = CARTSynthesizer(random_state=0).fit(df)
    loaded = Synthesizer.load(synth.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=1), synth.sample(200, random_state=1))


@pytest.mark.parametrize("n_levels", [30, 400], ids=["exact-tree", "grouped-levels"])
def test_cart_fits_many_level_columns_without_warnings(n_levels):
    """scikit-learn warns that a target with more classes than half its rows may be a regression; the schema
    says these columns are categorical."""
    df = _paired_levels(n=3 * n_levels // 2)
    df["city"] = [f"c{i % n_levels}" for i in range(len(df))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CARTSynthesizer(random_state=0).fit(df).sample(10)


# -------------------------------------------------------------- copula only
def test_copula_keeps_a_correlation():
    rng = np.random.default_rng(0)
    xy = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=2000)
    df = pd.DataFrame(xy, columns=["x", "y"])
    out = GaussianCopulaSynthesizer(random_state=0).fit(df).sample(4000)
    assert abs(np.corrcoef(out["x"], out["y"])[0, 1] - 0.8) < 0.05


def test_copula_correlation_matrix_is_valid(mixed_frame):
    synth = GaussianCopulaSynthesizer(random_state=0).fit(mixed_frame)
    corr = synth.correlation_
    m = len(synth.encoder_.columns_)
    assert corr.shape == (m, m)
    np.testing.assert_allclose(corr, corr.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(corr), 1.0)
    assert np.linalg.eigvalsh(corr).min() > 0


def test_copula_parametric_marginals():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": rng.gamma(2.0, 3.0, 400), "n": rng.normal(5, 2, 400), "c": rng.choice(["a", "b"], 400)})
    synth = GaussianCopulaSynthesizer(marginals="parametric", random_state=0).fit(df)
    families = [m["type"] for m in synth.marginals_]
    assert families[2] == "categorical"
    assert all(f in ("norm", "truncnorm", "beta", "gamma", "lognorm", "uniform") for f in families[:2])
    out = synth.sample(2000)
    assert out["g"].between(df["g"].min(), df["g"].max()).all()
    assert abs(out["n"].mean() - df["n"].mean()) < 0.3
    assert abs(out["g"].median() - df["g"].median()) < 1.0


def test_copula_parametric_save_load(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.gamma(2.0, 3.0, 200), "k": rng.integers(0, 3, 200)})
    synth = GaussianCopulaSynthesizer(marginals="parametric", random_state=0).fit(df)
    loaded = Synthesizer.load(synth.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=0), synth.sample(50, random_state=0))


def test_copula_category_frequencies(mixed300, fitted300):
    out = fitted300[GaussianCopulaSynthesizer].sample(4000, random_state=9)
    real = mixed300["color"].value_counts(normalize=True, dropna=False)
    synthetic = out["color"].value_counts(normalize=True, dropna=False)
    for label, p in real.items():
        assert abs(synthetic.get(label, 0.0) - p) < 0.03, label


def test_cart_huge_values_work_or_raise_a_data_error():
    df = pd.DataFrame({"x": [1e39, 2.0, 3.0, np.nan, 5.0], "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    try:
        out = CARTSynthesizer(random_state=0).fit(df).sample(10)
    except DataError as exc:
        assert "'x'" in str(exc)
    else:
        assert out["x"].dropna().between(2.0, 1e39).all()


@pytest.mark.parametrize("jitter", [False, True])
def test_copula_keeps_a_category_numeric_relation(jitter):
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    df = pd.DataFrame({"x": x, "g": np.select([x < -0.5, x < 0.5], ["lo", "mid"], "hi"),
                       "y": x + rng.normal(scale=0.5, size=600)})
    synth = GaussianCopulaSynthesizer(jitter=jitter, random_state=0).fit(df)
    out = synth.sample(3000)
    means = out.groupby("g")["x"].mean()
    assert means["lo"] < means["mid"] < means["hi"]
    from synthlearn.evaluate import correlation_ratio

    assert correlation_ratio(out["g"].to_numpy(dtype=object), out["x"].to_numpy()) > 0.6
    pd.testing.assert_frame_equal(GaussianCopulaSynthesizer(jitter=jitter, random_state=0).fit(df).sample(3000), out)


def test_copula_rejects_a_bad_jitter(mixed_frame):
    with pytest.raises(InvalidParameterError, match="jitter"):
        GaussianCopulaSynthesizer(jitter="sometimes").fit(mixed_frame)
