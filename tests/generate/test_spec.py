"""Declarative specs: the shipped examples, dependence, expressions, label rules, and validation messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthlearn.generate import SpecError, load_spec, parse_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("name", ["customers.yaml", "sensors.json"])
def test_shipped_examples_generate(name):
    spec = load_spec(EXAMPLES / name)
    df = spec.sample(3000, random_state=0, partition_rows=1000)
    assert list(df.columns) == spec.columns
    assert len(df) == 3000
    pd.testing.assert_frame_equal(df, spec.sample(3000, random_state=0, partition_rows=1000))


def test_customers_example_has_its_relationships():
    df = load_spec(EXAMPLES / "customers.yaml").sample(20000, random_state=1)
    assert df["age"].between(18, 90).all() and (df["age"] == df["age"].round()).all()
    assert df["income"].isna().mean() == pytest.approx(0.05, abs=0.01)
    assert np.corrcoef(df["age"], df["tenure_months"])[0, 1] > 0.5
    west = df["region"] == "west"
    assert df.loc[west, "income"].median() > df.loc[~west, "income"].median()
    churn = df["churn"] == "yes"
    assert df.loc[churn, "support_calls"].mean() > df.loc[~churn, "support_calls"].mean()
    assert set(df["segment"].cat.categories) == {"premium", "young", "standard"}
    assert (df.loc[df["age"] < 25, "segment"] != "standard").all()


def test_distributions_parameters_and_categories(tmp_path):
    spec = load_spec(write(tmp_path, """
        columns:
          x: {dist: normal, params: {loc: 5, scale: 2}}
          k: {dist: poisson, params: {mu: 3}}
          c: {categories: {a: 0.7, b: 0.2, c: 0.1}}
          u: {categories: [p, q]}
    """))
    df = spec.sample(20000, random_state=0)
    assert df["x"].mean() == pytest.approx(5, abs=0.05) and df["x"].std() == pytest.approx(2, abs=0.05)
    assert df["k"].dtype == np.int64 and df["k"].mean() == pytest.approx(3, abs=0.05)
    assert np.allclose(df["c"].value_counts(normalize=True)[["a", "b", "c"]], [0.7, 0.2, 0.1], atol=0.01)
    assert isinstance(df["u"].dtype, pd.CategoricalDtype)


#: Every discrete scipy.stats family a spec accepts, with typical parameters written as YAML numbers
#: (poisson_binom is left out: its p is a vector, and spec parameters are scalars).
DISCRETE = {
    "bernoulli": "{p: 0.3}", "betabinom": "{n: 10, a: 2, b: 3}", "betanbinom": "{n: 5, a: 9, b: 1}",
    "binomial": "{n: 10, p: 0.3}", "boltzmann": "{lambda_: 1.4, N: 19}", "dlaplace": "{a: 0.8}",
    "geometric": "{p: 0.5}", "hypergeom": "{M: 30, n: 12, N: 6}", "logser": "{p: 0.6}",
    "nbinom": "{n: 5, p: 0.4}", "nchypergeom_fisher": "{M: 140, n: 80, N: 60, odds: 0.5}",
    "nchypergeom_wallenius": "{M: 140, n: 80, N: 60, odds: 0.5}", "nhypergeom": "{M: 20, n: 7, r: 1}",
    "planck": "{lambda_: 0.51}", "poisson": "{mu: 3}", "randint": "{low: 7, high: 31}",
    "skellam": "{mu1: 15, mu2: 8}", "yulesimon": "{alpha: 11}", "zipf": "{a: 6.6}", "zipfian": "{a: 0.75, n: 15}",
}


@pytest.mark.parametrize("dist", DISCRETE)
def test_every_discrete_distribution_draws_integers_with_its_mean(tmp_path, dist):
    from synthlearn.generate.distributions import resolve

    spec = load_spec(write(tmp_path, f"columns:\n  k: {{dist: {dist}, params: {DISCRETE[dist]}}}\n"
                                     f"  n: {{dist: {dist}, params: {DISCRETE[dist]}, missing: 0.1}}\n"))
    df = spec.sample(2000, random_state=0)
    assert df["k"].dtype == np.int64 and df["n"].dtype == "Int64"
    family = resolve(dist, "test")
    params = spec.plans["k"]["params"]
    mean, sd = family.mean(**params), family.std(**params)
    assert abs(df["k"].mean() - mean) < 5 * sd / np.sqrt(2000) + 1e-9


def test_integer_parameters_from_expressions(tmp_path):
    spec = load_spec(write(tmp_path, """
        columns:
          m: {expr: "floor(x) * 2.0"}
          x: {dist: uniform, params: {loc: 1, scale: 5}}
          k: {dist: binomial, params: {n: m, p: 0.5}}
          h: {dist: hypergeom, params: {M: "m + 10", n: m, N: 2}}
    """))
    df = spec.sample(500, random_state=0)
    assert (df["k"] <= df["m"]).all() and (df["h"] <= np.minimum(df["m"], 2)).all()
    assert df["k"].dtype == np.int64 and df["h"].dtype == np.int64


def test_expressions_links_and_rules_follow_their_formulas(tmp_path):
    spec = load_spec(write(tmp_path, """
        columns:
          y:  {expr: "2 * x + where(g == 'b', 10, 0)"}
          x:  {dist: uniform, params: {loc: 0, scale: 1}}
          g:  {categories: [a, b]}
          p:  {link: linear, intercept: 1, coef: {x: 3, "g == 'b'": -1}}
          hit: {link: logistic, intercept: -20, coef: {x: 40}, labels: ["no", "yes"]}
          lvl: {rules: [{when: "x > 0.9", value: high}, {when: "x > 0.5", value: mid}], default: low}
          num: {rules: [{when: "x > 0.5", value: 1.5}], default: 0}
          z:  {dist: normal, params: {loc: "100 * x", scale: 0.001}}
    """))
    df = spec.sample(5000, random_state=0)
    b = (df["g"] == "b").to_numpy()
    assert np.allclose(df["y"], 2 * df["x"] + 10 * b)
    assert np.allclose(df["p"], 1 + 3 * df["x"] - b)
    assert (df.loc[df["x"] > 0.9, "lvl"] == "high").all()
    assert (df.loc[df["x"].between(0.5, 0.9, inclusive="neither"), "lvl"] == "mid").all()
    assert (df.loc[df["x"] < 0.5, "lvl"] == "low").all()
    assert np.allclose(df["num"], np.where(df["x"] > 0.5, 1.5, 0))
    assert np.allclose(df["z"], 100 * df["x"], atol=0.01)
    assert (df.loc[df["x"] > 0.75, "hit"] == "yes").mean() > 0.99
    assert (df.loc[df["x"] < 0.25, "hit"] == "no").mean() > 0.99


def test_columns_named_like_constants_or_functions_win(tmp_path):
    spec = load_spec(write(tmp_path, """
        columns:
          y:   {expr: "e * 2 + pi"}
          e:   {dist: normal, params: {loc: 100, scale: 1}}
          two_pi: {expr: "pi * 2"}
          log: {expr: "log(e)"}
          max: {expr: "max(log, 1) + exp(0)"}
    """))
    assert spec.order.index("e") < spec.order.index("y")
    df = spec.sample(50, random_state=0)
    assert np.allclose(df["y"], 2 * df["e"] + np.pi) and np.allclose(df["two_pi"], 2 * np.pi)
    assert np.allclose(df["log"], np.log(df["e"])) and np.allclose(df["max"], df["log"] + 1)


def test_more_labels_than_int16_codes_hold():
    labels = [f"l{i}" for i in range(40000)]
    spec = parse_spec({"columns": {"c": {"categories": labels},
                                   "r": {"rules": [{"when": "c == 'l1'", "value": "one"}], "default": "other"}}})
    df = spec.sample(50, random_state=0)
    assert len(df["c"].cat.categories) == 40000 and df["c"].isin(labels).all() and (df["r"] == "other").all()


def test_missing_clip_round(tmp_path):
    spec = load_spec(write(tmp_path, """
        columns:
          x: {dist: normal, params: {loc: 0, scale: 10}, clip: [-5, 5], round: 1, missing: 0.25}
          k: {dist: poisson, params: {mu: 2}, missing: 0.1}
    """))
    df = spec.sample(10000, random_state=0)
    assert df["x"].isna().mean() == pytest.approx(0.25, abs=0.02)
    assert df["x"].dropna().between(-5, 5).all()
    assert np.allclose(df["x"].dropna(), df["x"].dropna().round(1))
    assert df["k"].dtype == "Int64"


def test_missing_text_from_an_expression(tmp_path):
    # the missing cells were set by converting the text to float: ValueError traceback
    spec = load_spec(write(tmp_path, """
        columns:
          x: {dist: normal}
          s: {expr: "where(x > 0, 'hi', 'lo')", missing: 0.3}
    """))
    df = spec.sample(1000, random_state=0)
    assert df["s"].isna().mean() == pytest.approx(0.3, abs=0.05)
    shown = df.dropna()
    assert (shown["s"] == np.where(shown["x"] > 0, "hi", "lo")).all()


def test_json_specs_work_like_yaml(tmp_path):
    path = write(tmp_path, '{"columns": {"a": {"dist": "expon", "params": {"scale": 2}}}}', "s.json")
    assert load_spec(path).sample(10, random_state=0)["a"].gt(0).all()


def test_adding_a_column_leaves_the_others_unchanged(tmp_path):
    one = load_spec(write(tmp_path, "columns:\n  x: {dist: normal}\n", "a.yaml")).sample(100, random_state=0)
    two = load_spec(write(tmp_path, "columns:\n  x: {dist: normal}\n  y: {dist: normal}\n", "b.yaml"))
    pd.testing.assert_series_equal(two.sample(100, random_state=0)["x"], one["x"])


@pytest.mark.parametrize("text, words", [
    ("columns:\n  x: {dist: normall}\n", ["line 2", "unknown distribution 'normall'", "did you mean 'normal'"]),
    ("columns:\n  x: {dist: normal}\n  y:\n    dist: gamma\n    parms: {a: 2}\n",
     ["line 5", "columns.y.parms", "unknown key 'parms'", "did you mean 'params'"]),
    ("colums:\n  x: {dist: normal}\n", ["line 1", "did you mean 'columns'"]),
    ("columns:\n  a: {expr: 'b + 1'}\n  b: {expr: 'c * 2'}\n  c: {expr: 'a - 1'}\n", ["cyclic dependence", "a -> b -> c -> a"]),
    ("columns:\n  a: {expr: 'a + 1'}\n", ["cyclic dependence", "a -> a"]),
    ("columns:\n  a: {dist: normal}\n  b: {expr: 'aa + 1'}\n", ["line 3", "unknown column 'aa'", "did you mean 'a'"]),
    ("columns:\n  a: {expr: '__import__(\"os\")'}\n", ["unknown function '__import__'"]),
    ("columns:\n  a: {expr: '__import__(\"os\").system(\"true\")'}\n", ["this call is not allowed"]),
    ("columns:\n  a: {expr: '(lambda: 1)()'}\n", ["not allowed"]),
    ("columns:\n  a: {expr: 'x.real'}\n  x: {dist: normal}\n", ["Attribute is not allowed"]),
    ("columns:\n  a: {expr: '[1, 2]'}\n", ["List is not allowed"]),
    ("columns:\n  a: {dist: gamma}\n", ["gamma needs parameter(s) a"]),
    ("columns:\n  a: {dist: normal, params: {loc: 0, scale: -1}}\n", ["line 2", "invalid parameters"]),
    ("columns:\n  a: {dist: normal, params: {mean: 0}}\n", ["no parameter 'mean'"]),
    ("columns:\n  a: {categories: {x: 0.5, y: 0.6}}\n", ["sum to 1"]),
    ("columns:\n  a: {dist: normal, expr: '1'}\n", ["exactly one of"]),
    ("columns:\n  a: {link: logit, coef: {}}\n", ["link must be one of", "did you mean 'logistic'"]),
    ("columns:\n  a: {link: logistic, labels: [y, y]}\n", ["line 2", "columns.a.labels", "2 different values"]),
    ("columns:\n  a: {link: logistic, labels: [1, '1']}\n", ["2 different values", "[1, '1']"]),
    ("columns:\n  a: {rules: [{when: 'True', vale: 1}], default: 0}\n", ["unknown key 'vale'", "did you mean 'value'"]),
    ("columns:\n  a: {rules: [{when: 'True', value: 1}]}\n", ["'default'"]),
    ("columns:\n  a: {dist: normal}\n  a: {dist: normal}\n", ["line 3", "duplicate key 'a'"]),
    ("columns: [1, 2]\n", ["'columns' must be a non-empty mapping"]),
    ("columns:\n  a: {dist: normal\n", ["not valid YAML"]),
    ("", ["empty"]),
])
def test_invalid_specs_name_the_key_and_line(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message


def test_binary_file_is_a_spec_error(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00")
    with pytest.raises(SpecError, match="not valid YAML/JSON"):
        load_spec(path)


def test_missing_file():
    with pytest.raises(SpecError, match="not found"):
        load_spec("/nonexistent/spec.yaml")


def test_parse_spec_from_a_mapping():
    spec = parse_spec({"columns": {"a": {"categories": ["x"]}, "b": {"expr": "1.5"}}})
    df = spec.sample(4, random_state=0)
    assert (df["a"] == "x").all() and (df["b"] == 1.5).all()
    with pytest.raises(SpecError, match="spec: columns.a"):
        parse_spec({"columns": {"a": {"dist": "nope"}}})


@pytest.mark.parametrize("expr, words", [
    ("g * 2.5", ["column 'a' cannot be generated"]),
    ("1 / (x - x)", ["column 'a' is not finite (inf or NaN) in 40 of rows 0-39", "division by zero"]),
    ("log(x)", ["column 'a' is not finite", "of rows 0-39", "log of a value <= 0"]),
    ("exp(1000 * x)", ["column 'a' is not finite"]),
    ("1 / 0", ["column 'a' cannot be generated (ZeroDivisionError"]),
    ("(-8) ** 0.5", ["column 'a' gives complex numbers"]),
    ("10 ** 400", ["column 'a' cannot be generated (OverflowError"]),
    ("where(x > 0, 'hi', 'lo')", ["column 'a' is text (", "drop its clip"]),
])
def test_runtime_failures_are_spec_errors_without_numpy_warnings(expr, words):
    import warnings

    clip = {"clip": [0, 1]} if "'hi'" in expr else {}  # a text column given a clip
    spec = parse_spec({"columns": {"g": {"categories": ["x", "y"]}, "x": {"dist": "normal"},
                                   "a": {"expr": expr, **clip}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SpecError) as err:
            spec.sample(40, random_state=0)
    assert "\n" not in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_guarded_or_clipped_expressions_are_finite():
    import warnings

    spec = parse_spec({"columns": {"x": {"dist": "normal"}, "a": {"expr": "where(x > 0, log(x), 0)"},
                                   "b": {"expr": "1 / (x - x)", "clip": [-5, 5]}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = spec.sample(40, random_state=0)
    assert np.allclose(df["a"], np.where(df["x"] > 0, np.log(df["x"].abs()), 0)) and (df["b"] == 5).all()
