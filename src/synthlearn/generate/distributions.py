"""Named distributions: scipy.stats families looked up by name, with friendly aliases and checked parameters."""

from __future__ import annotations

import difflib

from synthlearn.errors import InvalidParameterError

#: Friendly names → scipy.stats names.
ALIASES = {
    "normal": "norm", "gaussian": "norm", "lognormal": "lognorm", "exponential": "expon",
    "student_t": "t", "negative_binomial": "nbinom", "neg_binomial": "nbinom", "binomial": "binom",
    "geometric": "geom", "weibull": "weibull_min", "chi2": "chi2", "triangular": "triang",
}

#: Shape parameters used when a family is named without parameters (``marginals={"num_0": "gamma"}``).
DEFAULT_SHAPES = {
    "lognorm": {"s": 0.5}, "gamma": {"a": 2.0}, "beta": {"a": 2.0, "b": 5.0}, "poisson": {"mu": 3.0},
    "t": {"df": 5.0}, "weibull_min": {"c": 1.5}, "chi2": {"df": 3.0}, "nbinom": {"n": 5, "p": 0.5},
    "binom": {"n": 10, "p": 0.5}, "bernoulli": {"p": 0.5}, "geom": {"p": 0.3}, "triang": {"c": 0.5},
    "pareto": {"b": 3.0}, "skewnorm": {"a": 4.0},
}


def _families() -> dict:
    from scipy import stats

    return {name: obj for name, obj in vars(stats).items()
            if isinstance(obj, (stats.rv_continuous, stats.rv_discrete)) and not name.startswith("_")}


def suggest(word: str, choices) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def resolve(name, where: str, error=InvalidParameterError):
    """The scipy.stats distribution called ``name`` (an alias is accepted); ``where`` prefixes the error."""
    if not isinstance(name, str) or not name:
        raise error(f"{where}: distribution must be a name such as 'normal' or 'gamma', got {name!r}")
    families = _families()
    key = ALIASES.get(name.lower(), name.lower())
    if key not in families:
        hint = suggest(name.lower(), [*families, *ALIASES]) or "; use a scipy.stats family such as normal, gamma, poisson"
        raise error(f"{where}: unknown distribution {name!r}{hint}")
    return families[key]


def is_discrete(dist) -> bool:
    from scipy import stats

    return isinstance(dist, stats.rv_discrete)


def parameter_names(dist) -> list[str]:
    shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
    return shapes + (["loc"] if is_discrete(dist) else ["loc", "scale"])


def check_parameters(dist, params: dict, where: str, error=InvalidParameterError, *, fill_defaults=False) -> dict:
    """Check parameter names (and scalar values) of ``dist``; return the parameters to use."""
    if not isinstance(params, dict):
        raise error(f"{where}: params must be a mapping such as {{loc: 0, scale: 1}}, got {params!r}")
    names = parameter_names(dist)
    for key in params:
        if key not in names:
            raise error(f"{where}: {dist.name} has no parameter {key!r}{suggest(key, names)} "
                        f"(parameters: {', '.join(names)})")
    params = dict(params)
    if fill_defaults:
        for key, value in DEFAULT_SHAPES.get(dist.name, {}).items():
            params.setdefault(key, value)
    shapes = names[: len(names) - (1 if is_discrete(dist) else 2)]
    missing = [s for s in shapes if s not in params]
    if missing:
        raise error(f"{where}: {dist.name} needs parameter(s) {', '.join(missing)}; add them under params")
    scalars = {k: v for k, v in params.items() if not isinstance(v, str)}
    if len(scalars) == len(params):  # all numbers: check they make a valid distribution now
        try:
            ok = bool(dist(**scalars).support()[0] == dist(**scalars).support()[0])  # nan for invalid shapes
            mean = dist(**scalars).ppf(0.5)
        except Exception as exc:  # noqa: BLE001 - scipy raises several types for bad values
            raise error(f"{where}: invalid parameters {scalars} for {dist.name} ({exc})") from None
        if not ok or mean != mean:
            raise error(f"{where}: invalid parameters {scalars} for {dist.name}; check their ranges "
                        f"(e.g. scale > 0, probabilities in [0, 1])")
    return params
