"""AutoRec: masking, shapes and input forms, recommendations, reproducibility, clear errors, and it learns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError

from synthlearn.autoencoders import AutoRec
from synthlearn.autoencoders.autorec import masked_loss, ratings_matrix
from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.generate import make_ratings

FAST = dict(hidden_size=16, epochs=15, batch_size=16, learning_rate=1e-2, l2=1.0, random_state=0)


def small(seed=0, noise=0.1):
    """60 users x 40 items, 1,200 ratings from a rank-1 model with strong item/user structure."""
    return make_ratings(n_users=60, n_items=40, n_ratings=1200, rank=1, noise=noise, interaction=1.0,
                        min_per_user=10, random_state=seed)


def split(data, seed=0):
    test = np.random.default_rng(seed).random(len(data.ratings)) < 0.15
    return data.ratings[~test], data.ratings[test]


def bias_baseline_rmse(train, test, n_users, n_items, reg=5.0):
    """Global mean + regularised user and item biases, by alternating least squares."""
    u, i, r = (train[c].to_numpy() for c in ("user", "item", "rating"))
    mu, bu, bi = r.mean(), np.zeros(n_users), np.zeros(n_items)
    for _ in range(20):
        bi = np.bincount(i, r - mu - bu[u], n_items) / (np.bincount(i, minlength=n_items) + reg)
        bu = np.bincount(u, r - mu - bi[i], n_users) / (np.bincount(u, minlength=n_users) + reg)
    pred = mu + bu[test["user"].to_numpy()] + bi[test["item"].to_numpy()]
    return float(np.sqrt(np.mean((pred - test["rating"].to_numpy()) ** 2)))


def test_beats_the_bias_baseline_on_held_out_ratings():
    data = small()
    train, test = split(data)
    model = AutoRec(**{**FAST, "epochs": 60}).fit(data.matrix(train))
    rmse = -model.score(data.matrix(test))
    assert rmse < 0.9 * bias_baseline_rmse(train, test, *data.shape)
    assert rmse > data.floor(test) * 0.9  # sanity: not below the noise floor


def test_unobserved_entries_never_reach_the_loss():
    import torch

    rng = np.random.default_rng(0)
    module = torch.nn.ModuleDict({"encoder": torch.nn.Sequential(torch.nn.Linear(7, 3), torch.nn.Sigmoid()),
                                  "decoder": torch.nn.Linear(3, 7)})
    observed = torch.tensor(rng.random((5, 7)) < 0.5, dtype=torch.float32)
    target = torch.tensor(rng.normal(size=(5, 7)), dtype=torch.float32) * observed
    garbage = target + (1 - observed) * 100.0  # change only the unobserved targets
    x = target.clone()
    losses, grads = [], []
    for t in (target, garbage):
        module.zero_grad()
        loss = masked_loss(module, x, observed, t, decay=0.1)
        loss.backward()
        losses.append(float(loss.detach()))
        grads.append([p.grad.clone() for p in module.parameters()])
    assert losses[0] == losses[1]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_missing_cells_are_the_same_whatever_the_input_form():
    data = small()
    S = data.matrix()
    dense = S.toarray()
    dense[dense == 0] = np.nan
    for R in (S, sparse.csr_matrix(S), dense, data.ratings):
        values, observed = ratings_matrix(R, shape=data.shape)
        assert observed.sum() == 1200 and np.all(values[observed == 0] == 0)
    a = AutoRec(**FAST).fit(S).predict(S)
    b = AutoRec(**FAST).fit(dense).predict(dense)
    c = AutoRec(**FAST).fit(data.ratings).predict(data.ratings)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_shapes_codes_and_decoding():
    data = small()
    R = data.matrix()
    model = AutoRec(**{**FAST, "clip": False}).fit(R)
    assert model.predict(R).shape == (60, 40)
    codes = model.transform(R)
    assert codes.shape == (40, 16)  # one code per item
    np.testing.assert_allclose(model.inverse_transform(codes), model.predict(R), atol=1e-10)
    pairs = model.predict_ratings([0, 5, 7], [1, 2, 3])
    np.testing.assert_allclose(pairs, model.predict(R)[[0, 5, 7], [1, 2, 3]])
    assert model.n_features_in_ == 40 and model.history_[-1]["epoch"] == model.n_epochs_


def test_clipping_keeps_predictions_in_the_training_range():
    data = small()
    model = AutoRec(**FAST).fit(data.matrix())
    pred = model.predict(data.matrix())
    low, high = model.rating_range_
    assert pred.min() >= low and pred.max() <= high


def test_recommend_never_returns_rated_items():
    data = small()
    R = data.matrix()
    model = AutoRec(**FAST).fit(R)
    top = model.recommend(k=5)
    assert top.shape == (60, 5)
    rated = R.toarray() != 0
    scores = model.predict(R)
    for user, items in enumerate(top):
        unrated = np.flatnonzero(~rated[user])
        found = items[items >= 0]
        assert len(found) == min(5, len(unrated))  # -1 pads only when fewer than k are unrated
        assert not rated[user, found].any()
        assert np.all(np.diff(scores[user, found]) <= 0)  # best first
        rest = np.setdiff1d(unrated, found)
        assert len(rest) == 0 or scores[user, found].min() >= scores[user, rest].max()
    np.testing.assert_array_equal(model.recommend(k=5, users=[3, 1]), top[[3, 1]])


def test_recommend_pads_with_minus_one_when_a_user_rated_almost_everything():
    R = np.full((4, 3), np.nan)
    R[0] = [5.0, 4.0, np.nan]  # one unrated item
    R[1:, :] = [[1.0, np.nan, 2.0], [np.nan, 3.0, 3.0], [2.0, 2.0, np.nan]]
    model = AutoRec(hidden_size=4, epochs=3, random_state=0).fit(R)
    top = model.recommend(k=2)
    assert list(top[0]) == [2, -1]


def test_the_baseline_biases_are_the_regularised_least_squares_ones():
    data = small()
    train, _ = split(data)
    model = AutoRec(**FAST, bias_l2=5.0).fit(data.matrix(train))
    u, i, r = (train[c].to_numpy() for c in ("user", "item", "rating"))
    residual = r - model.mean_ - model.user_bias_[u] - model.item_bias_[i]
    # at the fixed point each bias is its ratings' summed residual (itself included) over count + l2
    np.testing.assert_allclose(np.bincount(i, residual + model.item_bias_[i], 40) / (np.bincount(i, minlength=40) + 5),
                               model.item_bias_, atol=1e-3)
    np.testing.assert_allclose(np.bincount(u, residual + model.user_bias_[u], 60) / (np.bincount(u, minlength=60) + 5),
                               model.user_bias_, atol=1e-3)
    assert np.corrcoef(model.item_bias_, data.item_bias)[0, 1] > 0.8
    plain = AutoRec(**FAST, bias_l2=None).fit(data.matrix(train))
    assert not plain.user_bias_.any() and not plain.item_bias_.any()


def test_decoding_the_item_codes_gives_the_predictions():
    data = small()
    train, _ = split(data)
    model = AutoRec(**FAST).fit(data.matrix(train))
    pred = model.predict(data.matrix(train))
    np.testing.assert_allclose(pred, np.clip(model.inverse_transform(model.transform(data.matrix(train))),
                                             *model.rating_range_))
    with pytest.raises(DataError, match="one code per fitted item"):
        model.inverse_transform(model.transform(data.matrix(train))[:5])


def test_same_seed_same_model():
    R = small().matrix()
    a = AutoRec(**FAST).fit(R).predict(R)
    b = AutoRec(**FAST).fit(R).predict(R)
    c = AutoRec(**{**FAST, "random_state": 1}).fit(R).predict(R)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_dropout_trains_and_is_repeatable():
    R = small().matrix()
    a = AutoRec(**FAST, dropout=0.3).fit(R).predict(R)
    b = AutoRec(**FAST, dropout=0.3).fit(R).predict(R)
    np.testing.assert_array_equal(a, b)


def test_a_matrix_without_ratings_is_refused():
    with pytest.raises(DataError, match="no observed entries"):
        AutoRec().fit(np.full((3, 4), np.nan))
    with pytest.raises(DataError, match="no observed entries"):
        AutoRec().fit(sparse.csr_array((3, 4)))


@pytest.mark.parametrize("params, match", [
    (dict(hidden_size=0), "hidden_size must be a positive integer, got 0"),
    (dict(l2=-1), "l2 must be a number >= 0"),
    (dict(l2=(1.0,)), "l2 must be a number >= 0, or a pair \\(encoder, decoder\\) of numbers >= 0, got \\(1.0,\\)"),
    (dict(l2=(1.0, -2.0)), "l2 must be a number >= 0, or a pair"),
    (dict(l2="auto"), "l2 must be a number >= 0, or a pair"),
    (dict(weighted_l2="yes"), "weighted_l2 must be True or False"),
    (dict(bias_l2=-1), "bias_l2 must be a number >= 0, or None"),
    (dict(dropout=1.0), "dropout must be a number in \\[0, 1\\)"),
    (dict(activation="softmax"), "activation must be one of"),
    (dict(lr_schedule="linear"), "lr_schedule must be None, 'cosine' or 'plateau'"),
])
def test_bad_parameters_are_named(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        AutoRec(**params).fit(small().matrix())


def test_one_l2_is_the_same_decay_on_both_weight_matrices():
    R = small().matrix()
    one = AutoRec(**{**FAST, "l2": 3.0}).fit(R)
    pair = AutoRec(**{**FAST, "l2": (3.0, 3.0)}).fit(R)
    np.testing.assert_array_equal(one.predict(R), pair.predict(R))


def test_the_l2_pair_decays_the_encoder_and_the_decoder_apart():
    """(λ_V, λ_W): a heavy decay on one matrix shrinks that matrix, not the other."""
    R = small().matrix()
    norms = {}
    for l2 in [(1000.0, 0.0), (0.0, 1000.0)]:
        module = AutoRec(**{**FAST, "l2": l2, "epochs": 40}).fit(R).module_
        norms[l2] = (module["encoder"][0].weight.norm().item(), module["decoder"].weight.norm().item())
    (enc_heavy, dec_free), (enc_free, dec_heavy) = norms[(1000.0, 0.0)], norms[(0.0, 1000.0)]
    assert enc_heavy < 0.2 * enc_free and dec_heavy < 0.2 * dec_free


def test_user_weights_scale_each_users_share_of_the_decay():
    """Σ_u w_u (decay_V ||V[:, u]||² + decay_W ||W[u]||²): V's columns and W's rows are the users."""
    import torch

    module = AutoRec(hidden_size=3)._build_module(n_users=4)
    x = torch.zeros(2, 4)
    w = torch.tensor([0.5, 1.0, 2.0, 0.0])
    V, W = module["encoder"][0].weight.detach(), module["decoder"].weight.detach()
    with torch.no_grad():
        error = float(masked_loss(module, x, x, x, decay=0.0))
        got = float(masked_loss(module, x, x, x, decay=(0.3, 0.7), user_weights=w)) - error
        unweighted = float(masked_loss(module, x, x, x, decay=(0.3, 0.7))) - error
    expected = float((w * (0.3 * V.pow(2).sum(dim=0) + 0.7 * W.pow(2).sum(dim=1))).sum())
    assert got == pytest.approx(expected, rel=1e-6)
    assert unweighted == pytest.approx(float(0.3 * V.pow(2).sum() + 0.7 * W.pow(2).sum()), rel=1e-6)


@pytest.mark.parametrize("weighted", [True, False])
def test_weighted_l2_weights_users_by_their_rating_counts(weighted, monkeypatch):
    import synthlearn.autoencoders.autorec as autorec

    seen = []

    def spy(*args, user_weights=None, **kwargs):
        seen.append(user_weights)
        return masked_loss(*args, user_weights=user_weights, **kwargs)

    monkeypatch.setattr(autorec, "masked_loss", spy)
    R = small().matrix().toarray()
    R[5] = 0.0  # user 5 has no ratings: it counts as one
    AutoRec(**{**FAST, "epochs": 1, "weighted_l2": weighted}).fit(sparse.csr_array(R))
    if not weighted:
        assert all(w is None for w in seen)
        return
    counts = np.maximum((R != 0).sum(axis=1), 1)
    np.testing.assert_allclose(seen[0].cpu().numpy(), counts / counts.mean(), rtol=1e-6)
    assert float(seen[0][5]) == pytest.approx(1 / counts.mean())


def test_bad_inputs_are_explained():
    data = small()
    model = AutoRec(**FAST).fit(data.matrix())
    with pytest.raises(DataError, match="has 5 users, but the model was fitted on 60 users x 40 items"):
        model.predict(np.ones((5, 40)))
    with pytest.raises(DataError, match="X has 39 features, but AutoRec is expecting 40 features"):
        model.transform(np.ones((60, 39)))
    with pytest.raises(DataError, match="columns 'user', 'item' and 'rating'"):
        model.fit(pd.DataFrame({"u": [0], "i": [0], "r": [1.0]}))
    with pytest.raises(DataError, match="0-based integer indices"):
        AutoRec().fit(pd.DataFrame({"user": ["a"], "item": [0], "rating": [1.0]}))
    with pytest.raises(DataError, match="more than once"):
        AutoRec().fit(pd.DataFrame({"user": [0, 0], "item": [1, 1], "rating": [1.0, 2.0]}))
    with pytest.raises(InvalidParameterError, match="k must be a positive integer"):
        AutoRec(**FAST).fit(data.matrix()).recommend(k=0)
    with pytest.raises(NotFittedError):
        AutoRec().predict(data.matrix())


def test_failed_fit_leaves_no_fitted_attributes():
    data = small()
    model = AutoRec(**FAST).fit(data.matrix())
    model.set_params(learning_rate=1e30)  # the loss overflows at once
    with pytest.raises(InvalidParameterError):
        model.fit(data.matrix())
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
