"""Declarative table specs: columns drawn from named distributions, depending on earlier columns.

A spec is YAML or JSON::

    columns:
      age:     {dist: normal, params: {loc: 40, scale: 12}, clip: [18, 90], round: 0}
      income:  {dist: lognormal, params: {s: 0.4, scale: "900 * age"}}
      region:  {categories: {north: 0.5, south: 0.3, west: 0.2}}
      score:   {expr: "log(income) + 0.1 * age", noise: 0.5}
      churn:   {link: logistic, intercept: -2, coef: {age: 0.03, "region == 'west'": 1.0}}
      segment: {rules: [{when: "income > 60000", value: premium}], default: standard}

Every column has exactly one of ``dist`` (+ ``params``, numbers or
expressions), ``categories``, ``expr`` (+ ``noise``), ``link``
(``linear``/``logistic`` with ``coef``, ``intercept``, ``noise``, ``labels``)
or ``rules`` (+ ``default``); and optionally ``missing`` (a rate), ``clip``,
``round``. Expressions are parsed with :mod:`ast` and may use only numbers,
strings, column names, the constants ``pi`` and ``e`` (a column of that name
wins), arithmetic, comparisons, ``and``/``or``/``not``, ``a if c else b`` and
the functions in :data:`FUNCTIONS`: nothing is ``eval``-ed.
Columns may refer to columns defined later; a cycle is an error. Mistakes are
reported with the file, line and column of the offending key.
"""

from __future__ import annotations

import ast
import math
import numbers
import operator
from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.errors import InvalidParameterError
from synthlearn.generate import distributions


class SpecError(InvalidParameterError):
    """A spec file or mapping is invalid; the message names the key and its line."""


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _whole_numbers(value):
    """Whole-number floats as int64: numpy's binomial and hypergeometric samplers refuse float counts."""
    array = np.asarray(value)
    if array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.round(array)).all():
        return array.astype(np.int64) if array.ndim else int(array)
    return value


#: Functions an expression may call.
FUNCTIONS = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sigmoid": _sigmoid, "logistic": _sigmoid,
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "minimum": np.minimum, "maximum": np.maximum,
    "min": np.minimum, "max": np.maximum, "clip": np.clip, "where": np.where,
}
CONSTANTS = {"pi": math.pi, "e": math.e, "True": True, "False": False}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}

COLUMN_KEYS = ("dist", "params", "categories", "expr", "noise", "link", "coef", "intercept", "labels", "rules",
               "default", "missing", "clip", "round", "description")
KINDS = ("dist", "categories", "expr", "link", "rules")
TOP_KEYS = ("columns", "description", "name")
LINKS = ("linear", "logistic")


class Expression:
    """A checked arithmetic expression over columns, evaluated with NumPy (no ``eval``)."""

    def __init__(self, source, where: str):
        self.source = str(source)
        self.where = where
        try:
            self.tree = ast.parse(self.source.strip(), mode="eval").body
        except SyntaxError as exc:
            raise SpecError(f"{where}: cannot parse expression {self.source!r} ({exc.msg})") from None
        self.names: set[str] = set()  # every name it reads: columns, and constants unless a column has that name
        self._check(self.tree)

    def _check(self, node):
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool)):
                raise SpecError(f"{self.where}: constant {node.value!r} not allowed in {self.source!r}")
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left), self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            self._check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            self._check(node.left)
            for value in node.comparators:
                self._check(value)
        elif isinstance(node, ast.IfExp):
            self._check(node.test), self._check(node.body), self._check(node.orelse)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if node.func.id not in FUNCTIONS:
                raise SpecError(f"{self.where}: unknown function {node.func.id!r} in {self.source!r}"
                                f"{distributions.suggest(node.func.id, FUNCTIONS)}; allowed: {', '.join(FUNCTIONS)}")
            for arg in node.args:
                self._check(arg)
        else:
            what = type(node).__name__ if not isinstance(node, ast.Call) else "this call"
            raise SpecError(f"{self.where}: {what} is not allowed in expression {self.source!r}; use arithmetic, "
                            f"comparisons, column names and {', '.join(list(FUNCTIONS)[:6])}, ...")

    def __call__(self, env):
        return self._eval(self.tree, env)

    def _eval(self, node, env):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id] if node.id in env else CONSTANTS[node.id]  # a column named e or pi wins
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env)
            return np.logical_not(value) if isinstance(node.op, ast.Not) else (-value if isinstance(node.op, ast.USub) else value)
        if isinstance(node, ast.BoolOp):
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = self._eval(node.values[0], env)
            for value in node.values[1:]:
                result = combine(result, self._eval(value, env))
            return result
        if isinstance(node, ast.Compare):
            left, result = self._eval(node.left, env), True
            for op, right_node in zip(node.ops, node.comparators):
                right = self._eval(right_node, env)
                result = np.logical_and(result, _COMPARE[type(op)](left, right))
                left = right
            return result
        if isinstance(node, ast.IfExp):
            return np.where(self._eval(node.test, env), self._eval(node.body, env), self._eval(node.orelse, env))
        return FUNCTIONS[node.func.id](*(self._eval(a, env) for a in node.args))


# ------------------------------------------------------------------ loading
def load_spec(path) -> Spec:
    """Read and validate a YAML or JSON spec file.

    Examples
    --------
    >>> from synthlearn.generate import load_spec  # doctest: +SKIP
    >>> spec = load_spec("examples/specs/customers.yaml")  # doctest: +SKIP
    >>> df = spec.sample(1000, random_state=0)  # doctest: +SKIP
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec file not found: '{path}'; check --spec")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        loader = yaml.SafeLoader(text)  # refuses unprintable characters (a binary file) at once
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML/JSON ({getattr(exc, 'reason', exc)}); give a text spec "
                        f"file") from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(f"{path}: the spec is empty; it needs a 'columns' mapping")
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path} line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"{where}: not valid YAML/JSON ({problem})") from None
    finally:
        loader.dispose()
    marks: dict[tuple, tuple[int, int]] = {}
    _collect_marks(node, (), marks, path)
    return parse_spec(data, source=str(path), marks=marks)


def _collect_marks(node, path, marks, file):
    import yaml

    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise SpecError(f"{file} line {key_node.start_mark.line + 1}: duplicate key {key!r}; "
                                f"each key may appear once")
            seen.add(key)
            _collect_marks(value_node, path + (key,), marks, file)
            # a key's errors point at the key itself, not at its value
            marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect_marks(item, path + (i,), marks, file)


def parse_spec(data, *, source: str = "spec", marks: dict | None = None) -> Spec:
    """Validate a spec given as a mapping (what a YAML/JSON file holds)."""
    return Spec(data, source=source, marks=marks or {})


class Spec:
    """A validated column spec; draws any partition of its table.

    Attributes
    ----------
    columns : list of str
        Output columns, in spec order.
    order : list of str
        Generation order (every column after the columns it uses).
    """

    def __init__(self, data, *, source="spec", marks=None):
        self.source = source
        self._marks = marks or {}
        if not isinstance(data, dict):
            raise SpecError(f"{self._where(())}: a spec must be a mapping with a 'columns' key, got {type(data).__name__}")
        self._keys(data, TOP_KEYS, ())
        columns = data.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise SpecError(f"{self._where(('columns',) if 'columns' in data else ())}: 'columns' must be a "
                            f"non-empty mapping of column name → settings")
        self.columns = [str(c) for c in columns]
        self.plans = {str(name): self._column(str(name), settings) for name, settings in columns.items()}
        self.order = self._order()
        self._marks = {}  # line numbers are only for validation; keep pickles small

    # -------------------------------------------------------------- checks
    def _where(self, path) -> str:
        probe = tuple(path)
        while probe not in self._marks and probe:
            probe = probe[:-1]
        if probe in self._marks:
            line, col = self._marks[probe]
            at = f"{self.source} line {line}, column {col}"
        else:
            at = self.source
        key = ".".join(str(p) for p in path)
        return f"{at}: {key}" if key else at

    def _keys(self, mapping, allowed, path):
        for key in mapping:
            if key not in allowed:
                raise SpecError(f"{self._where(path + (key,))}: unknown key {key!r}"
                                f"{distributions.suggest(key, allowed) or '; allowed keys: ' + ', '.join(allowed)}")

    def _number(self, value, path, *, low=None, high=None):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise SpecError(f"{self._where(path)}: must be a number, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise SpecError(f"{self._where(path)}: must be in [{low}, {high}], got {value}")
        return float(value)

    def _expr(self, value, path):
        if isinstance(value, bool) or isinstance(value, numbers.Real):
            return float(value)
        if not isinstance(value, str):
            raise SpecError(f"{self._where(path)}: must be a number or an expression string, got {value!r}")
        return Expression(value, self._where(path))

    def _column(self, name, settings):
        path = ("columns", name)
        if not isinstance(settings, dict):
            raise SpecError(f"{self._where(path)}: column settings must be a mapping such as "
                            f"{{dist: normal, params: {{loc: 0, scale: 1}}}}, got {settings!r}")
        self._keys(settings, COLUMN_KEYS, path)
        kinds = [k for k in KINDS if k in settings]
        if len(kinds) != 1:
            got = f"got {', '.join(kinds)}" if kinds else "got none"
            raise SpecError(f"{self._where(path)}: a column needs exactly one of {', '.join(KINDS)} ({got})")
        kind = kinds[0]
        plan = {"kind": kind, "deps": set()}
        extra_allowed = {"dist": {"params"}, "categories": set(), "expr": {"noise"},
                         "link": {"coef", "intercept", "noise", "labels"}, "rules": {"default"}}[kind]
        for key in settings:
            if key in {"params", "noise", "coef", "intercept", "labels", "default"} and key not in extra_allowed:
                raise SpecError(f"{self._where(path + (key,))}: {key!r} does not apply to a {kind!r} column")

        def expr(value, sub):
            e = self._expr(value, path + sub)
            if isinstance(e, Expression):
                plan["deps"].update(n for n in e.names if n in self.columns or n not in CONSTANTS)
            return e

        if kind == "dist":
            dist = distributions.resolve(settings["dist"], self._where(path + ("dist",)), SpecError)
            raw = settings.get("params", {}) or {}
            params = distributions.check_parameters(dist, raw, self._where(path + ("params",)), SpecError)
            plan["dist"] = dist.name
            plan["discrete"] = distributions.is_discrete(dist)
            plan["params"] = {k: expr(v, ("params", k)) for k, v in params.items()}
        elif kind == "categories":
            cats = settings["categories"]
            if isinstance(cats, list) and cats:
                labels, probs = [str(c) for c in cats], np.full(len(cats), 1 / len(cats))
            elif isinstance(cats, dict) and cats:
                labels = [str(c) for c in cats]
                probs = np.array([self._number(v, path + ("categories", k), low=0, high=1) for k, v in cats.items()])
                if abs(probs.sum() - 1) > 1e-6:
                    raise SpecError(f"{self._where(path + ('categories',))}: probabilities must sum to 1, "
                                    f"got {probs.sum():g}; adjust them")
            else:
                raise SpecError(f"{self._where(path + ('categories',))}: give a list of labels or a mapping "
                                f"label → probability, got {cats!r}")
            if len(set(labels)) != len(labels):
                raise SpecError(f"{self._where(path + ('categories',))}: duplicate category labels {labels}")
            plan["labels"], plan["probs"] = labels, probs
        elif kind == "expr":
            plan["expr"] = expr(settings["expr"], ("expr",))
            plan["noise"] = self._number(settings.get("noise", 0.0), path + ("noise",), low=0)
        elif kind == "link":
            link = settings["link"]
            if link not in LINKS:
                raise SpecError(f"{self._where(path + ('link',))}: link must be one of {', '.join(LINKS)}, "
                                f"got {link!r}{distributions.suggest(link, LINKS)}")
            coef = settings.get("coef", {})
            if not isinstance(coef, dict):
                raise SpecError(f"{self._where(path + ('coef',))}: coef must map column (or expression) → number")
            plan["link"] = link
            plan["terms"] = [(expr(term, ("coef", term)), self._number(c, path + ("coef", term))) for term, c in coef.items()]
            plan["intercept"] = self._number(settings.get("intercept", 0.0), path + ("intercept",))
            plan["noise"] = self._number(settings.get("noise", 0.0), path + ("noise",), low=0)
            labels = settings.get("labels")
            if labels is not None:
                if link != "logistic" or not isinstance(labels, list) or len(labels) != 2:
                    raise SpecError(f"{self._where(path + ('labels',))}: labels must be a list of 2 values "
                                    f"[negative, positive], and only with link: logistic")
                if str(labels[0]) == str(labels[1]):  # they are written as text: 1 and "1" are the same label
                    raise SpecError(f"{self._where(path + ('labels',))}: labels must be 2 different values "
                                    f"[negative, positive], got {labels!r}")
            plan["labels"] = labels
        else:
            rules = settings["rules"]
            if not isinstance(rules, list) or not rules:
                raise SpecError(f"{self._where(path + ('rules',))}: rules must be a list of {{when: ..., value: ...}}")
            plan["rules"] = []
            for i, rule in enumerate(rules):
                rpath = path + ("rules", i)
                if not isinstance(rule, dict) or set(rule) != {"when", "value"}:
                    bad = [k for k in (rule if isinstance(rule, dict) else {}) if k not in ("when", "value")]
                    hint = distributions.suggest(bad[0], ("when", "value")) if bad else ""
                    raise SpecError(f"{self._where(rpath + ((bad[0],) if bad else ()))}: each rule needs exactly "
                                    f"'when' and 'value'{' (unknown key ' + repr(bad[0]) + hint + ')' if bad else ''}")
                plan["rules"].append((expr(str(rule["when"]), (*rpath[2:], "when")), rule["value"]))
            if "default" not in settings:
                raise SpecError(f"{self._where(path + ('rules',))}: add a 'default' value for rows no rule matches")
            plan["default"] = settings["default"]
            values = [v for _, v in plan["rules"]] + [plan["default"]]
            plan["numeric"] = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
            if not plan["numeric"]:
                plan["values"] = list(dict.fromkeys(str(v) for v in values))
        plan["missing"] = self._number(settings.get("missing", 0.0), path + ("missing",), low=0, high=0.999)
        clip = settings.get("clip")
        if clip is not None:
            if not isinstance(clip, list) or len(clip) != 2:
                raise SpecError(f"{self._where(path + ('clip',))}: clip must be [low, high], got {clip!r}")
            lo = None if clip[0] is None else self._number(clip[0], path + ("clip",))
            hi = None if clip[1] is None else self._number(clip[1], path + ("clip",))
            if lo is not None and hi is not None and lo > hi:
                raise SpecError(f"{self._where(path + ('clip',))}: low {lo} is above high {hi}")
            clip = (lo, hi)
        plan["clip"] = clip
        rnd = settings.get("round")
        if rnd is not None and (isinstance(rnd, bool) or not isinstance(rnd, int) or rnd < 0):
            raise SpecError(f"{self._where(path + ('round',))}: round must be a number of decimals >= 0, got {rnd!r}")
        plan["round"] = rnd
        for dep in plan["deps"]:
            if dep not in self.columns:
                raise SpecError(f"{self._where(path)}: unknown column {dep!r} in an expression"
                                f"{distributions.suggest(dep, self.columns) or '; columns are ' + ', '.join(self.columns)}")
        return plan

    def _order(self):
        order, state = [], {}

        def visit(name, stack):
            if state.get(name) == "done":
                return
            if state.get(name) == "active":
                cycle = stack[stack.index(name):] + [name]
                raise SpecError(f"{self._where(('columns', name))}: cyclic dependence {' -> '.join(cycle)}; "
                                f"a column cannot depend on itself, directly or through others")
            state[name] = "active"
            for dep in sorted(self.plans[name]["deps"], key=self.columns.index):
                visit(dep, stack + [name])
            state[name] = "done"
            order.append(name)

        for name in self.columns:
            visit(name, [])
        return order

    # ---------------------------------------------------------------- rows
    def sample(self, n_rows: int, *, random_state=None, partition_rows: int | None = None) -> pd.DataFrame:
        """Draw ``n_rows`` rows in memory (partitioned exactly as :func:`write_generated` would)."""
        from synthlearn.generate.partitioned import check_partition_rows, generate_frame
        from synthlearn.data import check_n_rows
        from synthlearn.generate.tables import PARTITION_ROWS

        n_rows = check_n_rows(n_rows, "n_rows")
        partition_rows = check_partition_rows(partition_rows or PARTITION_ROWS)
        return generate_frame(self, n_rows, seed=random_state, partition_rows=partition_rows)

    @np.errstate(all="ignore")  # a column that is not finite is reported below, once, not as numpy warnings
    def partition(self, seed: np.random.SeedSequence, n: int, start: int = 0) -> pd.DataFrame:
        """The ``n`` rows of the partition whose SeedSequence child is ``seed``."""
        from scipy import stats

        streams = dict(zip(self.columns, seed.spawn(len(self.columns))))
        env: dict = {}
        codes: dict = {}
        for name in self.order:
            plan = self.plans[name]
            rng = np.random.default_rng(streams[name])
            kind = plan["kind"]
            try:
                if kind == "dist":
                    params = {k: (v(env) if isinstance(v, Expression) else v) for k, v in plan["params"].items()}
                    if plan["discrete"]:  # counts such as binomial n arrive as floats from YAML and expressions
                        params = {k: _whole_numbers(v) for k, v in params.items()}
                    values = getattr(stats, plan["dist"]).rvs(size=n, random_state=rng, **params)
                    values = np.asarray(values)
                    if plan["discrete"]:
                        values = values.astype(np.int64)
                elif kind == "categories":
                    code = np.searchsorted(np.cumsum(plan["probs"])[:-1], rng.random(n), side="right")
                    codes[name] = (code.astype(np.int32), plan["labels"])  # int16 overflows past 32767 labels
                    values = np.asarray(plan["labels"])[code]
                elif kind == "expr":
                    values = np.broadcast_to(np.asarray(plan["expr"](env) if isinstance(plan["expr"], Expression)
                                                        else plan["expr"]), (n,)).copy()
                    if values.dtype == object:  # Python integers past int64 (10 ** 400): as floats, or overflow
                        values = values.astype(float)
                    if plan["noise"]:
                        values = values + plan["noise"] * rng.standard_normal(n)
                elif kind == "link":
                    eta = np.full(n, plan["intercept"])
                    for term, c in plan["terms"]:
                        eta = eta + c * np.asarray(term(env) if isinstance(term, Expression) else term, dtype=float)
                    if plan["link"] == "linear":
                        values = eta + plan["noise"] * rng.standard_normal(n) if plan["noise"] else eta
                    else:
                        if plan["noise"]:
                            eta = eta + plan["noise"] * rng.standard_normal(n)
                        hit = rng.random(n) < _sigmoid(eta)
                        if plan["labels"] is None:
                            values = hit.astype(np.int64)
                        else:
                            labels = [str(v) for v in plan["labels"]]
                            codes[name] = (hit.astype(np.int16), labels)
                            values = np.asarray(labels)[hit.astype(np.intp)]
                else:
                    if plan["numeric"]:
                        values = np.full(n, float(plan["default"]))
                        for cond, value in reversed(plan["rules"]):
                            values = np.where(np.broadcast_to(cond(env), (n,)), float(value), values)
                    else:
                        index = {v: i for i, v in enumerate(plan["values"])}
                        code = np.full(n, index[str(plan["default"])], dtype=np.int32)
                        for cond, value in reversed(plan["rules"]):
                            code = np.where(np.broadcast_to(cond(env), (n,)), index[str(value)], code).astype(np.int32)
                        codes[name] = (code, plan["values"])
                        values = np.asarray(plan["values"])[code]
            except SpecError:
                raise
            except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
                raise SpecError(f"{self.source}: column {name!r} cannot be generated ({type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else ''}); check its expressions and params") from None
            if plan["clip"] is not None and name not in codes:
                if values.dtype.kind not in "biuf":
                    raise SpecError(f"{self.source}: column {name!r} is text ('{values.flat[0]}', ...), which clip "
                                    f"cannot bound; drop its clip")
                values = np.clip(values, *plan["clip"])
            if plan["round"] is not None and name not in codes and values.dtype.kind == "f":
                values = np.round(values, plan["round"])
            if values.dtype.kind == "c":
                raise SpecError(f"{self.source}: column {name!r} gives complex numbers (a negative number to a "
                                f"fractional power?); check its expressions and params")
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                bad = int(np.count_nonzero(~np.isfinite(values)))
                raise SpecError(f"{self.source}: column {name!r} is not finite (inf or NaN) in {bad:,} of rows "
                                f"{start:,}-{start + n - 1:,} (division by zero, log of a value <= 0?); "
                                f"guard its expression, e.g. where(x > 0, log(x), 0), or clip it")
            env[name] = values
        out = {}
        for i, name in enumerate(self.columns):
            plan = self.plans[name]
            mask = None
            if plan["missing"] > 0:
                mrng = np.random.default_rng(streams[name].spawn(1)[0])
                mask = mrng.random(n) < plan["missing"]
            if name in codes:
                code, labels = codes[name]
                if mask is not None:
                    code = np.where(mask, -1, code)
                out[name] = pd.Categorical.from_codes(code, categories=labels)
            else:
                values = env[name]
                if mask is not None:
                    if values.dtype == bool:
                        values = pd.arrays.BooleanArray(values, mask)
                    elif values.dtype.kind in "iu":
                        values = pd.arrays.IntegerArray(values.astype(np.int64), mask)
                    elif values.dtype.kind in "US":  # text from an expression such as where(x > 0, 'hi', 'lo')
                        values = np.where(mask, None, values.astype(object))
                    else:
                        values = np.where(mask, np.nan, values.astype(float))
                out[name] = values
        return pd.DataFrame(out, copy=False)
