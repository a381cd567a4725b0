"""Synthetic user × item ratings shaped like MovieLens-100k, with a known noise floor.

A rating is ``global mean + user bias + item bias + <user factors, item
factors> + Gaussian noise σ`` (the biased matrix-factorisation model of Koren,
Bell & Volinsky, "Matrix factorization techniques for recommender systems",
IEEE Computer 2009). Which (user, item) pairs are rated is skewed like
MovieLens-100k (Harper & Konstan, ACM TiiS 2015): item popularity and user
activity are log-normal, every user rates at least ``min_per_user`` items, and
popular items and active users get most ratings.

Because the noise-free truth is returned, the best achievable RMSE is known:
σ for continuous ratings; with ``discrete=True`` (whole stars, clipped to
1–5) the best predictor is E[rating | truth], kept in ``expected``, and
:meth:`Ratings.floor` gives its RMSE on any set of ratings.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthlearn.errors import DataError, InvalidParameterError

#: Lowest and highest star of ``discrete=True`` ratings.
STARS = (1, 5)


@dataclass(frozen=True, eq=False)
class Ratings:
    """What :func:`make_ratings` returns: the observed ratings and the truth behind them.

    Attributes
    ----------
    ratings : pandas.DataFrame
        Long table with columns ``user``, ``item`` (0-based ints) and ``rating`` (float),
        one row per observed pair, sorted by user then item.
    truth : ndarray of shape (n_users, n_items)
        Noise-free ``global_mean + user_bias + item_bias + user_factors @ item_factors.T``.
    expected : ndarray of shape (n_users, n_items)
        E[rating | truth], the best possible prediction under squared error: ``truth``
        itself for continuous ratings, the mean of the rounded, clipped rating otherwise.
    noise : float
        σ, the standard deviation of the Gaussian noise added to ``truth``.
    discrete : bool
        Whether ratings were rounded to whole stars and clipped to 1–5.
    global_mean : float
    user_bias : ndarray of shape (n_users,)
    item_bias : ndarray of shape (n_items,)
    user_factors : ndarray of shape (n_users, rank)
    item_factors : ndarray of shape (n_items, rank)
    """

    ratings: pd.DataFrame
    truth: np.ndarray
    expected: np.ndarray
    noise: float
    discrete: bool
    global_mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(n_users, n_items)."""
        return self.truth.shape

    def matrix(self, ratings: pd.DataFrame | None = None):
        """The ratings (default: all of them) as a ``scipy.sparse.csr_array`` of shape (n_users, n_items).

        A rating of exactly 0 would be indistinguishable from "unrated" in a sparse matrix,
        which is why continuous ratings are centred near 3.5 and ``discrete`` stars start at 1.
        """
        from scipy import sparse

        df = self.ratings if ratings is None else ratings
        return sparse.csr_array((df["rating"].to_numpy(np.float64),
                                 (df["user"].to_numpy(np.int64), df["item"].to_numpy(np.int64))), shape=self.shape)

    def floor(self, ratings: pd.DataFrame | None = None) -> float:
        """RMSE of the best possible predictor (``expected``) on ``ratings`` (default: all).

        This is the figure to compare a model's test RMSE against: about σ for continuous
        ratings (exactly σ in expectation), higher when rounding to stars adds error.
        """
        df = self.ratings if ratings is None else ratings
        if len(df) == 0:
            raise DataError("floor needs at least one rating; the table given is empty")
        best = self.expected[df["user"].to_numpy(np.int64), df["item"].to_numpy(np.int64)]
        return float(np.sqrt(np.mean((df["rating"].to_numpy(np.float64) - best) ** 2)))

    def expected_floor(self, ratings: pd.DataFrame | None = None) -> float:
        """The floor in expectation over the noise: sqrt of the mean of Var[rating | truth] on ``ratings``' pairs.

        σ exactly for continuous ratings; for discrete ones it accounts for rounding and clipping.
        """
        df = self.ratings if ratings is None else ratings
        if not self.discrete:
            return float(self.noise)
        t = self.truth[df["user"].to_numpy(np.int64), df["item"].to_numpy(np.int64)]
        mean, var = _star_moments(t, self.noise)
        return float(np.sqrt(np.mean(var)))


def make_ratings(n_users=943, n_items=1682, n_ratings=100_000, *, rank=2, noise=0.9, global_mean=3.53,
                 user_bias=0.4, item_bias=0.5, interaction=0.5, min_per_user=20, popularity=1.3,
                 activity=1.0, discrete=False, random_state=None) -> Ratings:
    """Make a MovieLens-shaped rating table from a low-rank model with biases and Gaussian noise σ.

    Parameters
    ----------
    n_users, n_items : int, default=943, 1682
        The size of MovieLens-100k.
    n_ratings : int, default=100_000
        Number of observed (user, item) pairs, each rated once.
    rank : int, default=2
        Rank of the user × item interaction term.
    noise : float, default=0.9
        σ, the standard deviation of the Gaussian noise on each rating (0: none); 0.9 is
        about the RMSE the best models reach on MovieLens-100k.
    global_mean : float, default=3.53
        Mean rating (MovieLens-100k's is 3.53).
    user_bias, item_bias : float, default=0.4, 0.5
        Standard deviations of the user and item biases.
    interaction : float, default=0.5
        Standard deviation of the low-rank term ``user_factors @ item_factors.T``
        (factors are i.i.d. normal with variance ``interaction / sqrt(rank)``).
    min_per_user : int, default=20
        Ratings every user has at least (20 in MovieLens-100k).
    popularity : float, default=1.3
        Log-normal σ of item popularity: higher concentrates the ratings on fewer items.
    activity : float, default=1.0
        Log-normal σ of user activity beyond ``min_per_user``.
    discrete : bool, default=False
        Round to whole stars and clip to 1–5, as MovieLens stores them. The best
        achievable RMSE is then above σ: see ``Ratings.expected`` and ``Ratings.floor``.
    random_state : int or None, default=None
        Seed; the same seed gives the same ratings.

    Returns
    -------
    Ratings
        ``.ratings`` (long DataFrame ``user, item, rating``), ``.truth``, ``.expected``,
        ``.noise`` and the generating factors and biases.

    Examples
    --------
    >>> from synthlearn.generate import make_ratings
    >>> data = make_ratings(random_state=0)
    >>> len(data.ratings), data.shape
    (100000, (943, 1682))
    >>> bool(data.ratings.groupby("user").size().min() >= 20)
    True
    >>> round(data.floor(), 1)  # the noise σ, recovered from the truth
    0.9
    """
    n_users = _int("n_users", n_users, 1)
    n_items = _int("n_items", n_items, 1)
    rank = _int("rank", rank, 0)
    min_per_user = _int("min_per_user", min_per_user, 0)
    if min_per_user > n_items:
        raise InvalidParameterError(f"min_per_user={min_per_user} is more than the n_items={n_items} a user "
                                    f"can rate; lower min_per_user or raise n_items")
    n_ratings = _int("n_ratings", n_ratings, 1)
    if not min_per_user * n_users <= n_ratings <= n_users * n_items:
        raise InvalidParameterError(
            f"n_ratings must be between min_per_user * n_users = {min_per_user * n_users} and "
            f"n_users * n_items = {n_users * n_items}, got {n_ratings}")
    for name, value in [("noise", noise), ("user_bias", user_bias), ("item_bias", item_bias),
                        ("interaction", interaction), ("popularity", popularity), ("activity", activity)]:
        _real(name, value, low=0.0)
    _real("global_mean", global_mean)
    if not isinstance(discrete, (bool, np.bool_)):
        raise InvalidParameterError(f"discrete must be True or False, got {discrete!r}")
    if isinstance(random_state, bool) or not (random_state is None or isinstance(random_state, numbers.Integral)):
        raise InvalidParameterError(f"random_state must be an int or None, got {random_state!r}")

    rng = np.random.default_rng(random_state)
    b_user = rng.normal(0.0, user_bias, n_users)
    b_item = rng.normal(0.0, item_bias, n_items)
    scale = math.sqrt(interaction / math.sqrt(rank)) if rank else 0.0
    P = rng.normal(0.0, scale, (n_users, rank))
    Q = rng.normal(0.0, scale, (n_items, rank))
    truth = global_mean + b_user[:, None] + b_item[None, :] + P @ Q.T

    counts = _ratings_per_user(rng, n_users, n_items, n_ratings, min_per_user, activity)
    # Each user rates items drawn without replacement in proportion to popularity (Gumbel top-k).
    log_pop = rng.normal(0.0, popularity, n_items)
    keys = log_pop[None, :] + rng.gumbel(size=(n_users, n_items))
    order = np.argsort(-keys, axis=1, kind="stable")
    users = np.repeat(np.arange(n_users), counts)
    items = np.concatenate([np.sort(order[u, :c]) for u, c in enumerate(counts)]) if n_users else np.array([], int)
    values = truth[users, items] + rng.normal(0.0, noise, len(users))
    if discrete:
        values = np.clip(np.round(values), *STARS)
        expected = _star_moments(truth, float(noise))[0]
    else:
        expected = truth.copy()
    df = pd.DataFrame({"user": users.astype(np.int64), "item": items.astype(np.int64),
                       "rating": values.astype(np.float64)})
    return Ratings(ratings=df, truth=truth, expected=expected, noise=float(noise), discrete=bool(discrete),
                   global_mean=float(global_mean), user_bias=b_user, item_bias=b_item, user_factors=P,
                   item_factors=Q)


def _ratings_per_user(rng, n_users, n_items, n_ratings, minimum, activity) -> np.ndarray:
    """Ratings per user: ``minimum`` each plus a log-normal share of the rest, capped at ``n_items``; exact sum."""
    weight = rng.lognormal(0.0, activity, n_users)
    counts = np.full(n_users, minimum, dtype=np.int64)
    left = n_ratings - counts.sum()
    while left > 0:
        room = counts < n_items
        w = np.where(room, weight, 0.0)
        share = left * w / w.sum()
        add = np.minimum(np.floor(share).astype(np.int64), n_items - counts)
        if add.sum() == 0:  # hand out the remainder one by one to the users with the largest shares
            key = np.where(room, -(share - np.floor(share)), np.inf)  # users with room first, largest share first
            top = np.argsort(key, kind="stable")[:left]
            add = np.zeros(n_users, np.int64)
            add[top] = 1
        counts += add
        left = n_ratings - counts.sum()
    return counts


def _star_moments(truth: np.ndarray, sigma: float):
    """Mean and variance of ``clip(round(truth + N(0, σ²)), 1, 5)``, elementwise."""
    from scipy.special import ndtr

    low, high = STARS
    stars = np.arange(low, high + 1, dtype=np.float64)
    if sigma == 0:
        value = np.clip(np.round(truth), low, high)
        return value, np.zeros_like(value)
    # P(rating <= k) for k = low..high-1; the edges absorb the tails
    cdf = [ndtr((k + 0.5 - truth) / sigma) for k in stars[:-1]]
    probs = np.diff(np.stack([np.zeros_like(truth), *cdf, np.ones_like(truth)]), axis=0)
    mean = np.tensordot(stars, probs, axes=1)
    var = np.tensordot(stars ** 2, probs, axes=1) - mean ** 2
    return mean, np.maximum(var, 0.0)


def _int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise InvalidParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _real(name, value, low=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or (low is not None and value < low):
        bound = f" >= {low:g}" if low is not None else ""
        raise InvalidParameterError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)
