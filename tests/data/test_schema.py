"""infer_schema, Schema (overrides, JSON) and holdout_split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import MIXED_KINDS
from synthlearn.data import ColumnKind, Schema, holdout_split, infer_schema
from synthlearn.errors import ColumnError, DataError, InvalidParameterError, SchemaError


def kinds(df, **kwargs) -> dict[str, str]:
    return {c: k.value for c, k in infer_schema(df, **kwargs).kinds.items()}


# -------------------------------------------------------------------- inference
def test_mixed_frame_kinds(mixed_frame):
    assert kinds(mixed_frame) == MIXED_KINDS
    assert infer_schema(mixed_frame).columns == list(mixed_frame.columns)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.5, 1.25, 2.0, 3.75], "numeric"),
        ([1.0, 2.0, np.nan, 4.0], "integer"),  # whole floats with NaN
        ([3, 1, 2, 2], "integer"),
        (["x", "y", "x", None], "categorical"),
        ([True, False, True, False], "boolean"),
        (pd.array([True, None, False, True], dtype="boolean"), "boolean"),
        ([True, None, False, True], "boolean"),  # object bools with a missing value
        (["2021-01-05", "2021-02-10", None, "2022-12-31"], "datetime"),
        (["2021-01-05T10:00:00", "2021-01-05 11:30", "2021-02-01T00:00:00", "2021-03-01"], "datetime"),
        (pd.to_datetime(["2021-01-05", "2021-02-10", None, "2022-12-31"]), "datetime"),
        (pd.Categorical(["lo", "hi", "lo", "hi"]), "categorical"),
    ],
)
def test_kind_of_each_dtype(values, expected):
    df = pd.DataFrame({"v": values})
    assert kinds(df) == {"v": expected}


def test_non_iso_dates_stay_categorical():
    df = pd.DataFrame({"v": ["03/04/2020", "05/06/2021", "03/04/2020"]})
    assert kinds(df) == {"v": "categorical"}


def _days(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")


def test_dates_in_one_non_iso_format_are_datetimes_with_their_format():
    """31/12/2020, 12/31/2020 14:05 or 2020/12/31: read with the one format that reads every value (a day above
    12 tells the order), which the schema records so that every part reads them alike."""
    days = _days()
    df = pd.DataFrame({"dmy": days.strftime("%d/%m/%Y"), "mdy": days.strftime("%m/%d/%Y %H:%M"),
                       "ymd": days.strftime("%Y.%m.%d"), "iso": days.strftime("%Y-%m-%d"),
                       "version": np.resize(["1.2.3", "1.10.0", "2.0.1"], 120),
                       "mixed": np.resize(["31/12/2020", "12/31/2020"], 120)})
    schema = infer_schema(df)
    assert kinds(df) == {"dmy": "datetime", "mdy": "datetime", "ymd": "datetime", "iso": "datetime",
                         "version": "categorical", "mixed": "categorical"}
    assert schema.formats == {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y %H:%M", "ymd": "%Y.%m.%d"}  # ISO needs none
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
    assert schema.override({"dmy": "categorical"}).formats == {"mdy": "%m/%d/%Y %H:%M", "ymd": "%Y.%m.%d"}


def test_ambiguous_dates_are_declared_and_read_in_the_format_given():
    df = pd.DataFrame({"v": ["03/04/2020", "05/06/2021", "01/02/2020"]})  # no day above 12: either order reads
    assert kinds(df) == {"v": "categorical"}
    assert infer_schema(df, {"v": "datetime"}).formats == {"v": "%m/%d/%Y"}  # declared: month first
    schema = infer_schema(df, {"v": "datetime"}, formats={"v": "%d/%m/%Y"})
    assert schema.formats == {"v": "%d/%m/%Y"}
    from synthlearn.data.schema import conform

    assert conform(df, schema)["v"].tolist() == list(pd.to_datetime(["2020-04-03", "2021-06-05", "2020-02-01"]))
    with pytest.raises(SchemaError, match="'03/04/2020', which the date format '%Y-%m-%d' given for it"):
        infer_schema(df, {"v": "datetime"}, formats={"v": "%Y-%m-%d"})
    with pytest.raises(ColumnError, match="formats names unknown column 'w'"):
        infer_schema(df, formats={"w": "%d/%m/%Y"})
    with pytest.raises(SchemaError, match="not a datetime column of the schema"):
        Schema({"v": "categorical"}, {"v": "%d/%m/%Y"})
    with pytest.raises(SchemaError, match="give a strftime format"):
        Schema({"v": "datetime"}, {"v": "dd/mm/yyyy"})


def test_day_first_dates_are_read_day_first_everywhere():
    """Read value by value, 01/02/2020 of a day-first column was the 2nd of January: the preprocessing of every
    learner and the checks' conform now read it with the column's format."""
    from synthlearn.data.schema import conform
    from synthlearn.learn.preprocessing import make_preprocessor

    days = _days(60)
    df = pd.DataFrame({"d": days.strftime("%d/%m/%Y"), "x": np.arange(60.0)})
    schema = infer_schema(df)
    assert schema.formats == {"d": "%d/%m/%Y"}
    assert conform(df, schema)["d"].tolist() == list(days)
    seconds = make_preprocessor(schema, ["d"], scale=False).fit(df).named_steps["prepare"].transform(df)["d"]
    assert np.allclose(seconds, (days - pd.Timestamp("1970-01-01")).total_seconds())
    from synthlearn.synth.transform import TableEncoder

    ambiguous = pd.DataFrame({"d": ["03/04/2020", "05/06/2021", "01/02/2020"]})
    declared = infer_schema(ambiguous, {"d": "datetime"}, formats={"d": "%d/%m/%Y"})
    encoder = TableEncoder().fit(ambiguous, declared)
    assert encoder.specs_["d"]["format"] == "%d/%m/%Y"
    assert encoder.inverse_transform(encoder.transform(ambiguous))["d"].tolist() == ambiguous["d"].tolist()


def test_unique_strings_are_identifiers_from_20_rows():
    assert kinds(pd.DataFrame({"code": [f"c{i}" for i in range(20)]})) == {"code": "identifier"}
    assert kinds(pd.DataFrame({"code": [f"c{i}" for i in range(19)]})) == {"code": "categorical"}


def test_unique_strings_with_missing_are_not_identifiers():
    values = [f"c{i}" for i in range(30)] + [None]
    assert kinds(pd.DataFrame({"code": values})) == {"code": "categorical"}


@pytest.mark.parametrize("name", ["user_id", "id", "ID", "order-key", "uuid", "id_customer"])
def test_unique_ints_under_id_like_name_are_identifiers(name):
    df = pd.DataFrame({name: np.arange(100, 130)})
    assert kinds(df) == {name: "identifier"}


@pytest.mark.parametrize("name", ["width", "paid", "idle", "valid"])
def test_unique_ints_under_other_names_are_integers(name):
    assert kinds(pd.DataFrame({name: np.arange(100, 130)})) == {name: "integer"}


def test_repeated_ints_under_id_name_are_integers():
    assert kinds(pd.DataFrame({"user_id": [1, 2, 3] * 10})) == {"user_id": "integer"}


def test_all_missing_column_names_the_column():
    df = pd.DataFrame({"ok": [1.0, 2.0, 3.0], "blank": [np.nan, np.nan, np.nan]})
    with pytest.raises(DataError, match="'blank'") as info:
        infer_schema(df)
    assert "entirely missing" in str(info.value) and "drop it" in str(info.value)


def test_duplicate_columns_rejected():
    df = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate"):
        infer_schema(df)


def test_not_a_dataframe():
    with pytest.raises(SchemaError, match="DataFrame"):
        infer_schema({"a": [1, 2]})


# -------------------------------------------------------------------- overrides
def test_overrides_and_categorical_shorthand(mixed_frame):
    schema = infer_schema(mixed_frame, {"amount": "integer", "flag": ColumnKind.CATEGORICAL}, categorical=["count"])
    assert schema["amount"] is ColumnKind.INTEGER
    assert schema["flag"] is ColumnKind.CATEGORICAL
    assert schema["count"] is ColumnKind.CATEGORICAL
    assert schema["color"] is ColumnKind.CATEGORICAL  # untouched
    assert schema.columns_of("categorical") == ["count", "color", "flag"]
    assert "user_id" not in schema.modelled and len(schema.modelled) == len(mixed_frame.columns) - 1


def test_override_kind_is_case_insensitive(mixed_frame):
    assert infer_schema(mixed_frame, {"count": "NUMERIC"})["count"] is ColumnKind.NUMERIC


def test_unknown_kind_lists_the_known_ones(mixed_frame):
    with pytest.raises(SchemaError, match="unknown column kind 'decimal'") as info:
        infer_schema(mixed_frame, {"amount": "decimal"})
    message = str(info.value)
    assert "'amount'" in message
    assert all(k in message for k in ("numeric", "integer", "boolean", "categorical", "datetime", "identifier"))


def test_unknown_override_column(mixed_frame):
    with pytest.raises(ColumnError, match="'nosuch'") as info:
        infer_schema(mixed_frame, {"nosuch": "numeric"})
    assert "amount" in str(info.value)  # lists the known columns
    with pytest.raises(ColumnError, match="'other'"):
        infer_schema(mixed_frame, categorical=["other"])


def test_declared_numeric_with_text(mixed_frame):
    with pytest.raises(SchemaError, match="'color'") as info:
        infer_schema(mixed_frame, {"color": "numeric"})
    message = str(info.value)
    assert "numeric" in message and "categorical" in message  # the kind and the fix


def test_declared_datetime_with_text(mixed_frame):
    with pytest.raises(SchemaError, match="'color' is declared datetime"):
        infer_schema(mixed_frame, {"color": "datetime"})


def test_schema_getitem_unknown_column(mixed_frame):
    with pytest.raises(ColumnError, match="'zzz'"):
        infer_schema(mixed_frame)["zzz"]


# ----------------------------------------------------------------- schema files
def test_schema_json_round_trip(tmp_path, mixed_frame):
    schema = infer_schema(mixed_frame, categorical=["count"])
    path = tmp_path / "schema.json"
    schema.save(path)
    data = json.loads(path.read_text())
    assert data == {"columns": {c: k.value for c, k in schema.kinds.items()}}
    loaded = Schema.load(path)
    assert loaded == schema
    assert loaded.columns == schema.columns


def test_schema_validate(mixed_frame):
    schema = infer_schema(mixed_frame)
    schema.validate(mixed_frame)
    with pytest.raises(ColumnError, match="lacks"):
        schema.validate(mixed_frame.drop(columns="amount"))
    with pytest.raises(ColumnError, match="not in the schema"):
        schema.validate(mixed_frame.assign(extra=1))


@pytest.mark.parametrize(
    ("text", "match"),
    [("{not json", "not valid JSON"), ('["a"]', "must be an object"), ('{"columns": {"a": "weird"}}', "unknown column kind"),
     ('{"columns": {"a": "datetime"}, "formats": ["%d"]}', '"formats" must be an object')],
)
def test_bad_schema_files(tmp_path, text, match):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SchemaError, match=match):
        Schema.load(path)


def test_missing_schema_file(tmp_path):
    with pytest.raises(SchemaError, match="not found"):
        Schema.load(tmp_path / "nope.json")


def test_infinite_numbers_are_refused_naming_the_column():
    """inf reached the models and distances, failing with scikit-learn's 'Input X contains infinity'."""
    from synthlearn.data.schema import conform

    df = pd.DataFrame({"x": [1.0, np.inf, 2.0, -np.inf, np.nan], "n": ["1", "2", "-inf", "4", "5"],
                       "k": list("abcab")})
    message = (r"^column 'x' has infinite values \(inf/-inf\) in 2 rows \(the first is row 2\); replace them with "
               r"numbers or leave those cells empty$")
    with pytest.raises(DataError, match=message):
        infer_schema(df)
    schema = Schema({"x": "numeric", "n": "numeric", "k": "categorical"})
    with pytest.raises(DataError, match=message):
        schema.validate(df)  # what Synthesizer.fit checks
    finite = df.assign(x=[1.0, np.nan, 2.0, 3.0, 4.0], n="3")
    with pytest.raises(DataError, match=r"^column 'x' of the synthetic table has infinite values .* 2 rows"):
        conform(finite.assign(x=df["x"]), schema, table="synthetic")
    with pytest.raises(DataError, match=r"^column 'n' of the synthetic table has infinite values \(inf/-inf\) in "
                                        r"row 3; replace it with a number or leave that cell empty$"):
        conform(finite.assign(n=df["n"]), schema, table="synthetic")  # numbers written as text
    conform(finite, schema)  # finite numbers, missing ones included, pass


# ---------------------------------------------------------------- holdout split
@pytest.fixture
def labelled() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 100
    label = np.array(["a"] * 60 + ["b"] * 30 + ["c"] * 10, dtype=object)
    return pd.DataFrame({"x": rng.normal(size=n), "label": label, "row": np.arange(n)})


def test_holdout_split_is_deterministic(labelled):
    schema = infer_schema(labelled)
    t1, h1 = holdout_split(labelled, schema=schema, target="label", random_state=5)
    t2, h2 = holdout_split(labelled, schema=schema, target="label", random_state=5)
    pd.testing.assert_frame_equal(t1, t2)
    pd.testing.assert_frame_equal(h1, h2)
    _, h3 = holdout_split(labelled, schema=schema, target="label", random_state=6)
    assert set(h3["row"]) != set(h1["row"])


def test_holdout_split_partitions_rows(labelled):
    schema = infer_schema(labelled)
    train, hold = holdout_split(labelled, schema=schema, holdout=0.25)
    assert len(hold) == 25 and len(train) == 75
    assert sorted(np.r_[train["row"], hold["row"]]) == list(range(100))
    assert list(train.index) == list(range(75))  # fresh index


def test_holdout_split_is_stratified(labelled):
    schema = infer_schema(labelled)
    for seed in range(3):
        train, hold = holdout_split(labelled, schema=schema, target="label", holdout=0.3, random_state=seed)
        assert hold["label"].value_counts().to_dict() == {"a": 18, "b": 9, "c": 3}
        assert train["label"].value_counts().to_dict() == {"a": 42, "b": 21, "c": 7}


def test_holdout_too_small_for_every_class_is_not_stratified(labelled):
    few = labelled.groupby("label").head(2)  # 6 rows, 3 classes: a holdout of 2 rows cannot hold each class
    train, hold = holdout_split(few, schema=infer_schema(labelled), target="label", holdout=0.3)
    assert len(train) == 4 and len(hold) == 2


@pytest.mark.parametrize("fraction", [0, 1, 0.0, 1.0, -0.1, 1.5, "0.3", None])
def test_holdout_fraction_out_of_range(labelled, fraction):
    with pytest.raises(InvalidParameterError, match="holdout fraction"):
        holdout_split(labelled, schema=infer_schema(labelled), holdout=fraction)


@pytest.mark.parametrize(("n", "fraction", "left", "largest"), [(5, 0.9, 0, "0.6"), (5, 0.8, 1, "0.6"),
                                                                (30, 0.99, 0, "0.933"), (7, 0.75, 1, "0.714")])
def test_holdout_fraction_that_leaves_too_few_training_rows(labelled, n, fraction, left, largest):
    """Refused up front, naming the table's rows and a fraction that works (it failed later, naming 1 row or none)."""
    few = labelled.head(n)
    schema = infer_schema(labelled)
    with pytest.raises(InvalidParameterError, match=rf"holdout fraction {fraction} keeps {n - left} of the table's "
                       rf"{n} rows aside, leaving {left} to train on .*at most {largest}$"):
        holdout_split(few, schema=schema, holdout=fraction)
    train, hold = holdout_split(few, schema=schema, holdout=float(largest))
    assert len(train) == 2 and len(hold) == n - 2


def test_holdout_split_errors(labelled):
    schema = infer_schema(labelled)
    with pytest.raises(ColumnError, match="'nope'"):
        holdout_split(labelled, schema=schema, target="nope")
    with pytest.raises(DataError, match="at least 4"):
        holdout_split(labelled.head(3), schema=schema)
    for seed in (-1, 2**32, 1.5):  # scikit-learn's own error named train_test_split
        with pytest.raises(InvalidParameterError, match=f"random_state must be an integer from 0 to .*got {seed}"):
            holdout_split(labelled, schema=schema, random_state=seed)


def test_a_boolean_kind_needs_two_values():
    df = pd.DataFrame({"x": [1.5, 2.5, 3.5, 1.5], "f": [True, False, True, None]})
    assert infer_schema(df, {"f": "boolean"})["f"].value == "boolean"
    with pytest.raises(SchemaError, match="column 'x' is declared boolean but has 3 distinct values; a boolean column "
                                          "has two; declare it categorical or numeric"):
        infer_schema(df, {"x": "boolean"}).validate(df)
