"""TableEncoder: the reversible encoding every synthesizer shares."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import infer_schema
from synthlearn.errors import DataError, ModelFileError
from synthlearn.synth import TableEncoder
from synthlearn.synth.transform import decimal_places


def fit_encoder(df, **overrides):
    return TableEncoder().fit(df, infer_schema(df, overrides or None))


def test_round_trip_reproduces_the_mixed_frame(mixed_frame):
    enc = fit_encoder(mixed_frame)
    back = enc.inverse_transform(enc.transform(mixed_frame))
    ids = ["user_id"]
    pd.testing.assert_frame_equal(back.drop(columns=ids), mixed_frame.drop(columns=ids))
    assert list(back.columns) == list(mixed_frame.columns)
    assert back["user_id"].dtype == mixed_frame["user_id"].dtype


def test_identifiers_are_new_unique_and_do_not_collide(mixed_frame):
    enc = fit_encoder(mixed_frame)
    X = enc.transform(mixed_frame)
    first = enc.inverse_transform(X)["user_id"]
    assert first.is_unique
    assert not set(first) & set(mixed_frame["user_id"])
    assert first.min() > mixed_frame["user_id"].max()
    later = enc.inverse_transform(X, id_offset=len(X))["user_id"]
    assert not set(later) & set(first)


def test_string_identifiers_are_new_and_unique():
    df = pd.DataFrame({"code": [f"C-{i:03d}" for i in range(25)], "v": np.arange(25) % 3})
    enc = fit_encoder(df)
    assert enc.schema_["code"].value == "identifier"
    out = enc.inverse_transform(enc.transform(df))["code"]
    assert out.is_unique and not set(out) & set(df["code"])
    assert out.dtype == df["code"].dtype


def test_string_identifiers_never_collide_with_the_originals():
    df = pd.DataFrame({"code": [f"syn-{i:06d}" for i in range(1, 26)], "v": np.arange(25) % 3})
    enc = fit_encoder(df)
    out = enc.inverse_transform(enc.transform(df))["code"]
    assert not set(out) & set(df["code"])


def test_model_columns_put_missing_indicator_before_value(mixed_frame):
    enc = fit_encoder(mixed_frame)
    names = [c.name for c in enc.columns_]
    # user_id (identifier) is not modelled; day has no missing values; flag is discrete
    assert names == ["amount#missing", "amount", "count#missing", "count", "color", "flag",
                     "when#missing", "when", "day"]
    by_name = {c.name: c for c in enc.columns_}
    assert by_name["amount#missing"].is_indicator and by_name["amount#missing"].discrete
    assert by_name["amount#missing"].source == "amount" and by_name["amount#missing"].n_categories == 2
    assert not by_name["amount"].discrete and not by_name["amount"].is_indicator
    # colour: red, green, blue, violet + missing as its own code
    assert by_name["color"].discrete and by_name["color"].n_categories == 5
    assert by_name["flag"].n_categories == 2


def test_encoded_values(mixed_frame):
    enc = fit_encoder(mixed_frame)
    X = enc.transform(mixed_frame)
    assert X.shape == (len(mixed_frame), len(enc.columns_))
    col = {c.name: i for i, c in enumerate(enc.columns_)}
    missing = mixed_frame["amount"].isna().to_numpy()
    np.testing.assert_array_equal(X[:, col["amount#missing"]], missing.astype(float))
    assert np.isnan(X[missing, col["amount"]]).all()
    np.testing.assert_array_equal(X[~missing, col["amount"]], mixed_frame["amount"].to_numpy()[~missing])
    codes = X[:, col["color"]]
    cats = sorted(mixed_frame["color"].dropna().unique())
    assert set(codes[mixed_frame["color"].isna().to_numpy()]) == {float(len(cats))}
    assert set(codes) <= set(range(len(cats) + 1))
    # datetimes are seconds since the epoch
    first = mixed_frame["when"].dropna().index[0]
    assert X[first, col["when"]] == mixed_frame.loc[first, "when"].timestamp()


def test_unseen_category_is_a_data_error(mixed_frame):
    enc = fit_encoder(mixed_frame)
    other = mixed_frame.copy()
    other.loc[3, "color"] = "ultraviolet"
    with pytest.raises(DataError, match="'color'") as info:
        enc.transform(other)
    assert "ultraviolet" in str(info.value)


def test_decoding_clips_rounds_and_restores_missing(mixed_frame):
    enc = fit_encoder(mixed_frame)
    col = {c.name: i for i, c in enumerate(enc.columns_)}
    X = enc.transform(mixed_frame.head(4))
    X[0, col["amount"]] = 1e9  # far above the training max
    X[1, col["amount"]] = -1e9
    X[2, col["count"]] = 2.4
    X[3, col["count#missing"]] = 0.9  # indicator says missing
    X[0, col["color"]] = 99.0  # code beyond the last category: clipped to "missing"
    X[1, col["color"]] = -3.0
    out = enc.inverse_transform(X)
    assert out.loc[0, "amount"] == mixed_frame["amount"].max()
    assert out.loc[1, "amount"] == mixed_frame["amount"].min()
    assert out.loc[2, "count"] == 2.0
    assert np.isnan(out.loc[3, "count"])
    assert pd.isna(out.loc[0, "color"])
    assert out.loc[1, "color"] == "blue"  # sorted first category


def test_category_dtype_keeps_unused_categories():
    df = pd.DataFrame({
        "size": pd.Categorical(["s", "m", "s", None, "m"], categories=["s", "m", "l"], ordered=True),
        "x": [1.0, 2.0, 3.0, 4.0, 5.0],
    })
    enc = fit_encoder(df)
    back = enc.inverse_transform(enc.transform(df))
    pd.testing.assert_frame_equal(back, df)
    assert list(back["size"].cat.categories) == ["s", "m", "l"] and back["size"].cat.ordered


def test_integer_and_nullable_dtypes_round_trip():
    df = pd.DataFrame({
        "i64": np.array([3, 1, 4, 1, 5], dtype=np.int64),
        "i32": np.array([3, 1, 4, 1, 5], dtype=np.int32),
        "nullable": pd.array([1, None, 3, 4, None], dtype="Int64"),
        "bools": pd.array([True, None, False, True, True], dtype="boolean"),
        "f32": np.array([0.5, 1.5, np.nan, 2.25, 3.0], dtype=np.float32),
    })
    enc = fit_encoder(df)
    pd.testing.assert_frame_equal(enc.inverse_transform(enc.transform(df)), df)


def test_object_dtype_strings_round_trip():
    df = pd.DataFrame({"obj": pd.Series(["x", "y", None, "x"], dtype=object), "v": [1.0, 2.0, 3.0, 4.0]})
    enc = fit_encoder(df)
    pd.testing.assert_frame_equal(enc.inverse_transform(enc.transform(df)), df)


def test_timezone_aware_datetimes_round_trip():
    df = pd.DataFrame({"t": pd.Series(pd.date_range("2020-01-01", periods=6, freq="h", tz="Europe/Paris")),
                       "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    enc = fit_encoder(df)
    pd.testing.assert_frame_equal(enc.inverse_transform(enc.transform(df)), df)


@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_date_only_datetimes_decode_to_dates(tz):
    # a datetime column of dates (a birth date) came back with times of day from every model but CART
    dates = pd.Series(pd.date_range("2020-01-01", periods=30, freq="D", tz=tz))
    df = pd.DataFrame({"d": dates, "v": np.arange(30.0)})
    enc = fit_encoder(df)
    X = enc.transform(df)
    X[:, [c.name for c in enc.columns_].index("d")] += np.linspace(-43_000, 43_000, 30)  # within half a day
    back = enc.inverse_transform(X)
    pd.testing.assert_series_equal(back["d"], df["d"])


def test_date_objects_round_trip_as_dates(tmp_path):
    # a Parquet date32 column (datetime.date objects) came back as text, and was written as a string column
    import datetime

    import pyarrow.parquet as pq

    from synthlearn.data import write_table

    dates = [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(10)]
    df = pd.DataFrame({"d": pd.Series(dates[:9] + [None], dtype=object), "v": np.arange(10.0)})
    enc = fit_encoder(df)
    back = enc.inverse_transform(enc.transform(df))
    pd.testing.assert_frame_equal(back, df)
    write_table(back, tmp_path / "dates.parquet")
    assert str(pq.read_schema(tmp_path / "dates.parquet").field("d").type) == "date32[day]"


@pytest.mark.parametrize("texts", [
    ["2007-06-15T00:00:00+02:00", "2008-06-15T00:00:00+02:00", None, "2009-06-15T00:00:00+02:00"],  # one offset
    ["2007-06-15T10:30:00Z", "2008-06-15T10:30:00Z", "2009-06-15T23:59:00Z", None],  # UTC as Z
    ["2021-03-01 10:00:00", "2021-03-01 11:00:00", "2021-03-02 09:30:00", None],  # a space, no T
    ["2021-03-01", "2021-03-02", None, "2021-04-01"],  # dates only
])
def test_datetime_text_round_trips_with_its_format_and_offset(texts):
    df = pd.DataFrame({"t": pd.Series(texts, dtype="str"), "v": [1.0, 2.0, 3.0, 4.0]})
    enc = fit_encoder(df, t="datetime")
    pd.testing.assert_frame_equal(enc.inverse_transform(enc.transform(df)), df)


def test_datetime_text_with_mixed_offsets_is_written_in_utc():
    df = pd.DataFrame({"t": ["2007-06-15T00:30:00+02:00", "2007-12-15T00:30:00+01:00", "2008-01-01T00:00:00+00:00"],
                       "v": [1.0, 2.0, 3.0]})
    assert infer_schema(df)["t"].value == "datetime"  # mixed offsets are still datetimes
    enc = fit_encoder(df)
    out = enc.inverse_transform(enc.transform(df))
    assert list(out["t"]) == ["2007-06-14T22:30:00+00:00", "2007-12-14T23:30:00+00:00", "2008-01-01T00:00:00+00:00"]


def test_synthesized_offset_datetimes_keep_their_day_and_offset():
    from synthlearn.synth import CARTSynthesizer

    texts = [f"{2007 + i % 3}-06-15T00:00:00+02:00" for i in range(30)]
    df = pd.DataFrame({"year": texts, "x": np.arange(30.0)})
    out = CARTSynthesizer(random_state=0).fit(df).sample(20, random_state=0)
    assert set(out["year"]) <= set(texts)
    again = CARTSynthesizer(random_state=0).fit(df).sample(5, conditions={"year": "2008-06-15T00:00:00"})
    assert (again["year"] == "2008-06-15T00:00:00+02:00").all()  # a condition without offset: the column's


def test_transform_uses_no_deprecated_pandas_behaviour(mixed_frame):
    import warnings

    df = pd.DataFrame({"size": pd.Categorical(["s", "m", "s", "m"], categories=["s", "m", "l"]), "x": [1.0, 2, 3, 4]})
    enc = fit_encoder(df)
    other = mixed_frame.copy()
    other.loc[3, "color"] = "ultraviolet"
    other_enc = fit_encoder(mixed_frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error", FutureWarning)
        enc.transform(df)
        with pytest.raises(DataError, match="ultraviolet"):
            other_enc.transform(other)


def test_state_round_trip_through_json(mixed_frame):
    enc = fit_encoder(mixed_frame)
    state = json.loads(json.dumps(enc.get_state()))
    again = TableEncoder.from_state(state)
    assert again.columns_ == enc.columns_
    X = enc.transform(mixed_frame)
    pd.testing.assert_frame_equal(again.inverse_transform(X), enc.inverse_transform(X))


def test_corrupt_state_is_a_model_file_error():
    with pytest.raises(ModelFileError, match="corrupt"):
        TableEncoder.from_state({"column_order": ["a"]})


def test_subsecond_datetimes_round_trip_and_stay_in_range():
    df = pd.DataFrame({"t": pd.Series(pd.to_datetime(["2021-01-01 10:00:00.250", "2021-01-01 10:00:01.500",
                                                      "2021-01-02 00:00:00.750"])),
                       "v": [1.0, 2.0, 3.0]})
    enc = fit_encoder(df)
    back = enc.inverse_transform(enc.transform(df))
    assert back["t"].min() >= df["t"].min()
    pd.testing.assert_frame_equal(back, df)


@pytest.mark.parametrize("values, places", [
    ([55.0, 56.0, 57.5], 1),
    ([0.1, 0.2, 0.1 + 0.2, 1234.56], 2),  # 0.1 + 0.2 is 0.30000000000000004: float error, not a third place
    ([3.0, -4.0, 0.0], 0),
    ([0.001, 12.5], 3),
    ([1.2345e-10], None),  # needs more than MAX_DECIMALS places
    ([np.pi, np.e], None),
])
def test_decimal_places_are_the_fewest_that_write_every_value(values, places):
    assert decimal_places(np.array(values)) == places
    assert decimal_places(np.array(values + [np.nan])) == places  # missing values do not count


def test_decimal_places_count_values_beyond_the_first_ten_thousand():
    values = np.full(10_001, 0.5)
    values[-1] = 0.125
    assert decimal_places(values) == 3


def test_real_columns_decode_to_the_decimal_places_of_their_training_values():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"price": np.round(rng.uniform(1, 100, 50), 2), "halves": rng.integers(0, 20, 50) / 2,
                       "noisy": rng.normal(size=50)})
    enc = fit_encoder(df)
    assert [enc.specs_[c]["decimals"] for c in df] == [2, 1, None]
    X = enc.transform(df)
    X += rng.normal(0, 0.01, X.shape)  # what a synthesizer writes: values between the training ones
    out = enc.inverse_transform(X)
    for j, (column, places) in enumerate([("price", 2), ("halves", 1)]):
        expected = np.round(X[:, j], places).clip(df[column].min(), df[column].max())
        np.testing.assert_array_equal(out[column], expected)
    np.testing.assert_array_equal(out["noisy"], X[:, 2].clip(df["noisy"].min(), df["noisy"].max()))  # untouched


def test_states_saved_before_the_decimal_places_decode_unrounded():
    df = pd.DataFrame({"price": [1.25, 2.5, 3.75]})
    state = json.loads(json.dumps(fit_encoder(df).get_state()))
    del state["specs"]["price"]["decimals"]
    old = TableEncoder.from_state(state)
    assert old.inverse_transform(np.array([[2.123456]]))["price"][0] == 2.123456


def test_day_first_datetime_text_is_read_day_first_and_written_back_so():
    """12/01/2020 in a column holding 13/01/2020 is the 12th of January: read value by value it was the 1st of
    December, and the column came back in ISO with dates over all of 2020."""
    from synthlearn.data import infer_schema
    from synthlearn.synth.transform import TableEncoder

    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(40) % 40, unit="D")
    df = pd.DataFrame({"eu": days.strftime("%d/%m/%Y"), "us": days.strftime("%m/%d/%Y")})
    schema = infer_schema(df, {"eu": "datetime", "us": "datetime"})
    encoder = TableEncoder().fit(df, schema)
    assert (encoder.specs_["eu"]["format"], encoder.specs_["us"]["format"]) == ("%d/%m/%Y", "%m/%d/%Y")
    X = encoder.transform(df)
    assert np.array_equal(X[:, 0], X[:, 1])  # the same instants from both spellings
    back = encoder.inverse_transform(X)
    assert back["eu"].tolist() == df["eu"].tolist() and back["us"].tolist() == df["us"].tolist()


@pytest.mark.parametrize("unit, step, tz", [("s", 1, None), ("min", 60, None), ("min", 60, "Asia/Kolkata"),
                                            ("h", 3600, "Europe/Paris"), ("ms", 1e-3, None)])
def test_datetimes_decode_at_the_resolution_of_the_training_times(unit, step, tz):
    # times of whole seconds (or minutes, hours) came back from the copula, VAE and GAN with microseconds
    rng = np.random.default_rng(0)
    times = pd.Series(pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.integers(0, 5000, 40)), unit=unit))
    df = pd.DataFrame({"t": times.dt.tz_localize(tz) if tz else times, "v": np.arange(40.0)})
    enc = fit_encoder(df)
    assert enc.specs_["t"]["resolution"] == step
    X = enc.transform(df)
    X[:, [c.name for c in enc.columns_].index("t")] += rng.uniform(-0.49, 0.49, 40) * step  # off by under a step
    pd.testing.assert_series_equal(enc.inverse_transform(X)["t"], df["t"])
    fine = df.assign(t=df["t"] + pd.to_timedelta(rng.integers(1, 999, 40), unit="us"))
    assert fit_encoder(fine).specs_["t"]["resolution"] is None  # microseconds: kept as they are
