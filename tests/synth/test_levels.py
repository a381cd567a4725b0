"""Rare levels of many-level columns share one slot in the neural synthesizers' encoding (LevelPool)."""

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import infer_schema
from synthlearn.errors import InvalidParameterError
from synthlearn.synth import GANSynthesizer, Synthesizer, TableEncoder, VAESynthesizer
from synthlearn.synth.modes import MAX_MODEL_LEVELS, LevelPool, ModeEncoder

MODELS = {"vae": lambda: VAESynthesizer(epochs=2, batch_size=100, random_state=0),
          "gan": lambda: GANSynthesizer(epochs=2, batch_size=100, random_state=0)}


@pytest.fixture
def many():
    """600 rows, a 'city' of 300 levels: 20 common ones (15 rows each), 280 seen once or twice."""
    rng = np.random.default_rng(0)
    common = np.repeat(np.arange(20), 15)
    rare = np.r_[np.arange(20, 300), rng.integers(20, 300, 20)]
    city = rng.permutation(np.r_[common, rare])
    return pd.DataFrame({"city": [f"c{c:03d}" for c in city], "x": rng.normal(size=city.size) + (city < 20),
                         "sex": rng.choice(["F", "M"], city.size)})


def _encoded(df):
    enc = TableEncoder().fit(df, infer_schema(df))
    return enc, enc.transform(df)


def test_a_many_level_column_keeps_its_most_frequent_levels_and_pools_the_rest(many):
    enc, X = _encoded(many)
    modes = ModeEncoder().fit(X, enc.columns_, random_state=0)
    city = enc.columns_.index(next(c for c in enc.columns_ if c.name == "city"))
    counts = np.bincount(X[:, city].astype(int), minlength=300)
    # reference: the MAX_MODEL_LEVELS - 1 largest counts, ties to the lower code, in code order
    kept = sorted(sorted(range(300), key=lambda k: (-counts[k], k))[:MAX_MODEL_LEVELS - 1])
    pool = modes.pools_[city]
    assert [k for k in range(300) if pool.slot[k] < MAX_MODEL_LEVELS - 1] == kept
    assert [pool.slot[k] for k in kept] == list(range(len(kept)))
    assert set(pool.slot[np.setdiff1d(np.arange(300), kept)]) == {MAX_MODEL_LEVELS - 1}
    np.testing.assert_allclose(pool.freq, counts / len(X))
    assert [s.width for s in modes.spans_ if s.column == city] == [MAX_MODEL_LEVELS]
    assert modes.pooled_columns() == {"city": 300}
    E = modes.transform(X, np.random.default_rng(0))
    back = modes.inverse_transform(E)
    is_kept = np.isin(X[:, city], kept)
    np.testing.assert_array_equal(back[is_kept, city], X[is_kept, city])  # kept levels come back as they were
    assert not np.isin(back[~is_kept, city], kept).any()  # the pooled ones as pooled levels


def test_the_other_slot_draws_pooled_levels_by_their_frequencies_reproducibly(many):
    import torch

    enc, X = _encoded(many)
    modes = ModeEncoder().fit(X, enc.columns_, random_state=0)
    city = [j for j, c in enumerate(enc.columns_) if c.name == "city"][0]
    pool = modes.pools_[city]
    rows = torch.zeros(40_000, modes.width_)
    rows[:, [s.start for s in modes.spans_ if s.column == city][0] + MAX_MODEL_LEVELS - 1] = 1.0  # all "other"
    a = modes.decode(rows, torch.Generator().manual_seed(5))[:, city].numpy().astype(int)
    b = modes.decode(rows, torch.Generator().manual_seed(5))[:, city].numpy().astype(int)
    np.testing.assert_array_equal(a, b)
    pooled = np.flatnonzero(pool.slot == MAX_MODEL_LEVELS - 1)
    assert set(a) <= set(pooled)
    expected = pool.freq[pooled] / pool.freq[pooled].sum()
    observed = np.bincount(a, minlength=300)[pooled] / len(a)
    assert np.abs(observed - expected).sum() / 2 < 0.03  # total variation, sampling error ~0.01


def test_few_level_tables_are_encoded_as_before_and_draw_nothing_more(many):
    """One one-hot slot per category of every column, as a reference encoding writes it, and decoding
    leaves the sampling generator untouched, so samples of such tables are the rows they were."""
    import torch

    df = many.assign(city=many["city"].str[:2])  # 3 levels
    enc, X = _encoded(df)
    modes = ModeEncoder().fit(X, enc.columns_, random_state=0)
    assert modes.pools_ == {} and modes.slots(X) is X
    E = modes.transform(X, np.random.default_rng(0))
    for j, col in enumerate(enc.columns_):
        if col.discrete:
            (span,) = [s for s in modes.spans_ if s.column == j]
            assert span.width == col.n_categories
            np.testing.assert_array_equal(E[:, span.start:span.start + span.width],
                                          np.eye(col.n_categories)[X[:, j].astype(int)])
    n_modes = sum(s.width for s in modes.spans_ if s.activation == "softmax" and not enc.columns_[s.column].discrete)
    assert modes.width_ == sum(c.n_categories for c in enc.columns_ if c.discrete) + 1 + n_modes
    gen = torch.Generator().manual_seed(3)
    state = gen.get_state()
    modes.decode(torch.from_numpy(E), gen)
    assert torch.equal(gen.get_state(), state)


@pytest.mark.parametrize("method", sorted(MODELS))
def test_models_pool_rare_levels_condition_on_them_and_save_them(method, many, tmp_path, monkeypatch):
    import synthlearn.synth.conditions as conditions

    synth = MODELS[method]().fit(many)
    assert synth.modes_.width_ < 120 and synth.cond_dim_ == MAX_MODEL_LEVELS + 2
    out = synth.sample(500, random_state=1)
    assert set(out["city"]) <= set(many["city"])
    counts = many["city"].value_counts()
    assert out["city"].isin(counts.index[counts <= 2]).any()  # the "other" slot decodes to rare levels
    pd.testing.assert_frame_equal(out, synth.sample(500, random_state=1))

    def no_rejection(*args, **kwargs):
        raise AssertionError("rejection sampling used")

    monkeypatch.setattr(conditions, "rejection_sample", no_rejection)
    rare = counts.index[-1]
    assert counts[rare] == 1
    for level in (rare, counts.index[0]):
        conditioned = synth.sample(50, conditions={"city": level}, random_state=2)
        assert (conditioned["city"] == level).all()
    synth.save(tmp_path / "model")
    again = Synthesizer.load(tmp_path / "model")
    assert again.modes_.pooled_columns() == {"city": 300}
    np.testing.assert_array_equal(again.modes_.pools_[0].freq, synth.modes_.pools_[0].freq)
    pd.testing.assert_frame_equal(again.sample(500, random_state=1), out)
    pd.testing.assert_frame_equal(again.sample(50, conditions={"city": rare}, random_state=2),
                                  synth.sample(50, conditions={"city": rare}, random_state=2))


def test_balance_refuses_a_pooled_column_and_takes_a_kept_one(many):
    from synthlearn.cli.synth import _balanced

    synth = MODELS["vae"]().fit(many)
    with pytest.raises(InvalidParameterError, match="--balance 'city'.*300 levels.*--where city="):
        _balanced(synth, "city", 10, {})
    assert list(_balanced(synth, "sex", 4, {})(0, 4)["sex"]) == ["F", "M", "F", "M"]
    assert list(_balanced(synth, "sex", 4, {})(3, 3)["sex"]) == ["M", "F", "M"]  # a partition from row 3 on


@pytest.fixture
def states():
    """860 rows, a 'city' of 300 levels (20 common ones, 15 rows each, 280 seen twice) that fixes a 'state'
    of 20 (city number % 20), and a random 'sex'. Twice, not once: a level seen once says nothing of how
    its state goes with it."""
    rng = np.random.default_rng(0)
    city = rng.permutation(np.r_[np.repeat(np.arange(20), 15), np.repeat(np.arange(20, 300), 2)])
    return pd.DataFrame({"city": [f"c{c:03d}" for c in city], "x": rng.normal(size=city.size),
                         "sex": rng.choice(["F", "M"], city.size), "state": [f"s{c % 20:02d}" for c in city]})


def _column(enc, name):
    return [j for j, c in enumerate(enc.columns_) if c.name == name][0]


def test_the_given_column_is_the_one_that_best_predicts_the_pooled_levels(states):
    enc, X = _encoded(states)
    modes = ModeEncoder().fit(X, enc.columns_, random_state=0)
    city, state = _column(enc, "city"), _column(enc, "state")
    pool = modes.pools_[city]
    assert pool.given == state
    other = pool.slot[X[:, city].astype(int)] == MAX_MODEL_LEVELS - 1
    pairs = pd.Series(list(zip(X[other, state].astype(int), X[other, city].astype(int)))).value_counts().sort_index()
    assert list(zip(pool.pair_slot, pool.pair_level)) == list(pairs.index)
    np.testing.assert_array_equal(pool.pair_count, pairs.to_numpy())
    # without the state, no column tells the pooled level better than chance (sex is random)
    enc, X = _encoded(states.drop(columns="state"))
    assert ModeEncoder().fit(X, enc.columns_, random_state=0).pools_[_column(enc, "city")].given == -1


def test_the_given_column_must_beat_chance_and_ties_go_to_the_first():
    """Six pooled levels (2..7), five rows each; candidates: a constant, a random column, and two equal
    columns that the level fixes."""
    pool = LevelPool(np.r_[0, 1, np.full(6, 2)], np.full(8, 1 / 8))
    rng = np.random.default_rng(0)
    codes = np.r_[np.repeat(np.arange(2, 8), 5), 0, 1]
    fixed = codes % 3
    slots = np.c_[np.zeros(codes.size), rng.integers(0, 3, codes.size), fixed, fixed]
    assert pool.with_given(codes, slots, [0, 1], np.random.default_rng(0)) is pool
    chosen = pool.with_given(codes, slots, [0, 1, 3, 2], np.random.default_rng(0))
    assert chosen.given == 3
    other = slice(0, 30)
    ref = pd.Series(list(zip(fixed[other], codes[other]))).value_counts().sort_index()
    assert list(zip(chosen.pair_slot, chosen.pair_level)) == list(ref.index)
    np.testing.assert_array_equal(chosen.pair_count, ref.to_numpy())


def test_other_draws_the_pooled_level_of_its_given_slot_and_falls_back_where_none():
    import torch

    pool = LevelPool(np.r_[0, 1, 2, 2, 2, 2], np.r_[0.1, 0.1, 0.2, 0.2, 0.2, 0.2], given=1,
                     pair_slot=np.r_[0, 0, 2], pair_level=np.r_[2, 3, 4], pair_count=np.r_[1, 3, 5])
    level, pooled, cdf, pairs = pool.tables()
    u = torch.rand(40_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    slot = torch.arange(40_000) % 4  # slot 1 had no pooled level, slot 3 is past the pairs' last
    overall = pooled[torch.searchsorted(cdf, u, right=True)]
    drawn = ModeEncoder._draw_given(overall.clone(), u, slot, pairs).numpy()
    fallback = (slot == 1) | (slot == 3)
    np.testing.assert_array_equal(drawn[fallback.numpy()], overall[fallback].numpy())
    assert set(drawn[(slot == 2).numpy()]) == {4}
    zero = drawn[(slot == 0).numpy()]
    assert set(zero) == {2, 3} and abs((zero == 3).mean() - 0.75) < 0.02
    # reference: the level whose cumulative count in the slot first exceeds u times the slot's rows
    ref = np.where(u[(slot == 0)].numpy() * 4 < 1, 2, 3)
    np.testing.assert_array_equal(zero, ref)


@pytest.mark.parametrize("method", sorted(MODELS))
def test_models_draw_pooled_levels_that_agree_with_the_given_column(method, states, tmp_path):
    synth = MODELS[method]().fit(states)
    out = synth.sample(2000, random_state=1)
    counts = states["city"].value_counts()
    kept = sorted(counts.index, key=lambda c: (-counts[c], c))[:MAX_MODEL_LEVELS - 1]
    pooled = ~out["city"].isin(kept)
    seen = set(zip(states["city"], states["state"]))
    agree = np.mean([p in seen for p in zip(out["city"][pooled], out["state"][pooled])])
    assert pooled.sum() >= 50 and agree > 0.9  # the overall draw: ~1 / 20
    synth.save(tmp_path / "model")
    again = Synthesizer.load(tmp_path / "model")
    pd.testing.assert_frame_equal(again.sample(2000, random_state=1), out)


def test_models_saved_without_the_given_column_draw_as_before(states, tmp_path):
    import torch

    synth = MODELS["gan"]().fit(states)
    city = _column(synth.encoder_, "city")
    _, arrays = synth.modes_.get_state()
    old = ModeEncoder.from_state(synth.encoder_.columns_, {k: v for k, v in arrays.items() if "_given_" not in k
                                                           and "_pair_" not in k})
    assert old.pools_[city].given == -1 and synth.modes_.pools_[city].given >= 0
    rows = torch.zeros(5000, old.width_)
    for s in old.spans_:
        if s.activation == "softmax":
            rows[:, s.start + (s.width - 1 if s.column == city else 0)] = 1.0  # city "other"
    a = old.decode(rows, torch.Generator().manual_seed(5))[:, city].numpy().astype(int)
    level, pooled, cdf, _ = old.pools_[city].tables()
    u = torch.rand(5000, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    np.testing.assert_array_equal(a, pooled[torch.searchsorted(cdf, u, right=True)].numpy())


@pytest.mark.parametrize("method", sorted(MODELS))
def test_a_condition_on_a_pooled_level_draws_its_given_column_from_the_level_rows(method, states, monkeypatch):
    synth = MODELS[method]().fit(states)
    counts = states["city"].value_counts()
    rare = counts.index[-1]  # seen twice, in one state
    (state,) = set(states["state"][states["city"] == rare])
    rejection = synth._reject_together
    used = []
    monkeypatch.setattr(synth, "_reject_together", lambda *a, **k: used.append(1) or rejection(*a, **k))
    out = synth.sample(200, conditions={"city": rare}, random_state=2)
    assert (out["city"] == rare).all() and (out["state"] == state).all()  # the other slot's mixture: ~1 / 20
    out = synth.sample(50, conditions={"city": rare, "state": state}, random_state=2)
    assert (out["city"] == rare).all() and (out["state"] == state).all() and not used
    out = synth.sample(50, conditions={"city": rare, "sex": "F"}, random_state=2)  # sex by rejection
    assert (out["city"] == rare).all() and (out["state"] == state).all() and (out["sex"] == "F").all() and used
    pd.testing.assert_frame_equal(out, synth.sample(50, conditions={"city": rare, "sex": "F"}, random_state=2))


def test_a_pooled_level_of_several_given_slots_draws_them_by_its_training_rows(states):
    """The last city, pooled, seen once in its own state and once in another: each for half the rows."""
    df = states.copy()
    rows = np.flatnonzero(df["city"] == "c299")
    df.loc[rows[1], "state"] = "s00" if df.loc[rows[0], "state"] != "s00" else "s01"
    synth = MODELS["gan"]().fit(df)
    code = list(synth.encoder_.specs_["city"]["categories"]).index("c299")
    pool = synth.modes_.pools_[_column(synth.encoder_, "city")]
    assert pool.slot[code] == MAX_MODEL_LEVELS - 1 and pool.given == _column(synth.encoder_, "state")
    out = synth.sample(4000, conditions={"city": "c299"}, random_state=0)
    share = out["state"].value_counts(normalize=True)
    assert set(share.index) == set(df.loc[rows, "state"]) and abs(share.iloc[0] - 0.5) < 0.03


@pytest.mark.parametrize("method", sorted(MODELS))
def test_a_dataframe_of_cities_is_one_pass_of_the_network(method, states, monkeypatch):
    synth = MODELS[method]().fit(states)
    wanted = states[["city"]].sample(300, random_state=0).reset_index(drop=True)  # kept and pooled cities
    calls = []
    sample = synth._sample
    monkeypatch.setattr(synth, "_sample", lambda k, rng, condition=None: calls.append(k) or sample(k, rng, condition))
    out = synth.sample(300, conditions=wanted, random_state=0)
    assert calls == [300] and (out["city"] == wanted["city"]).all()
    pairs = set(zip(states["city"], states["state"]))
    counts = states["city"].value_counts()
    pooled = ~out["city"].isin(sorted(counts.index, key=lambda c: (-counts[c], c))[:MAX_MODEL_LEVELS - 1])
    assert pooled.sum() > 100  # their state is named from their training rows (kept ones: the model's, 2 epochs)
    assert all(p in pairs for p in zip(out["city"][pooled], out["state"][pooled]))
    pd.testing.assert_frame_equal(out, synth.sample(300, conditions=wanted, random_state=0))
