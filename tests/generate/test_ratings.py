"""make_ratings: MovieLens-100k shape, skewed observation pattern, known noise floor, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.generate import make_ratings


def test_movielens_shape_counts_and_skew():
    data = make_ratings(random_state=0)
    df = data.ratings
    assert data.shape == (943, 1682) and len(df) == 100_000
    assert list(df.columns) == ["user", "item", "rating"]
    assert not df.duplicated(["user", "item"]).any()
    per_user = df.groupby("user").size()
    per_item = df.groupby("item").size()
    assert len(per_user) == 943 and per_user.min() >= 20  # every user rates at least 20, as in ML-100k
    assert per_user.max() > 5 * per_user.median()  # a few very active users
    assert per_item.max() > 10 * per_item.median()  # a few blockbusters, a long tail
    assert data.matrix().shape == (943, 1682) and data.matrix().nnz == 100_000


def test_noise_sigma_is_recovered_from_the_truth():
    data = make_ratings(n_users=300, n_items=200, n_ratings=20_000, noise=0.7, random_state=1)
    residual = data.ratings["rating"] - data.truth[data.ratings["user"], data.ratings["item"]]
    assert residual.std() == pytest.approx(0.7, rel=0.03)
    assert data.floor() == pytest.approx(0.7, rel=0.03)
    assert data.expected_floor() == 0.7
    np.testing.assert_array_equal(data.expected, data.truth)


def test_truth_is_biases_plus_low_rank():
    data = make_ratings(n_users=50, n_items=40, n_ratings=1000, rank=3, random_state=2)
    interaction = data.truth - data.global_mean - data.user_bias[:, None] - data.item_bias[None, :]
    assert np.linalg.matrix_rank(interaction, tol=1e-8) == 3
    np.testing.assert_allclose(interaction, data.user_factors @ data.item_factors.T)


def test_discrete_stars_and_their_higher_floor():
    data = make_ratings(n_users=200, n_items=150, n_ratings=10_000, noise=0.5, discrete=True, random_state=3)
    assert set(np.unique(data.ratings["rating"])) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert data.expected_floor() > 0.5  # rounding adds error the best predictor cannot remove
    assert data.floor() == pytest.approx(data.expected_floor(), rel=0.05)
    # the best predictor of a rounded rating is its conditional mean, not the truth
    idx = data.ratings["user"], data.ratings["item"]
    truth_rmse = np.sqrt(np.mean((data.ratings["rating"] - data.truth[idx]) ** 2))
    assert data.floor() <= truth_rmse


def test_same_seed_same_ratings():
    a = make_ratings(n_users=30, n_items=40, n_ratings=700, random_state=5).ratings
    b = make_ratings(n_users=30, n_items=40, n_ratings=700, random_state=5).ratings
    c = make_ratings(n_users=30, n_items=40, n_ratings=700, random_state=6).ratings
    assert a.equals(b) and not a.equals(c)


def test_dense_corner_every_pair_rated():
    data = make_ratings(n_users=5, n_items=4, n_ratings=20, min_per_user=4, random_state=0)
    assert len(data.ratings) == 20 and data.matrix().toarray().all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_ratings=100), "n_ratings must be between"),
    (dict(n_users=10, n_items=5, n_ratings=40, min_per_user=6), "min_per_user=6 is more than"),
    (dict(noise=-1.0), "noise must be a finite number >= 0"),
    (dict(rank=1.5), "rank must be an integer"),
    (dict(discrete="yes"), "discrete must be True or False"),
])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        make_ratings(**{"n_users": 50, "n_items": 60, "n_ratings": 1500, **kwargs})


def test_floor_of_an_empty_table_is_refused():
    data = make_ratings(n_users=20, n_items=30, n_ratings=400, random_state=0)
    with pytest.raises(DataError, match="at least one rating"):
        data.floor(data.ratings.iloc[:0])
