"""Activations and losses: each one's forward rule beside its derivative and the form a sheet writes.

``m`` is a number system from :mod:`bpcalc.arith` (float, rounded or exact); ``sp`` is the SymPy
module, passed in so that importing this table never imports SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

Fn = Callable[..., Any]


@dataclass(frozen=True)
class Activation:
    name: str
    value: Fn  # (m, z) -> a
    derivative: Fn  # (m, z, a) -> da/dz, in a form that stays accurate when the unit saturates
    sheet: Fn  # (sp, z) -> da/dz as the sheet writes it (exponentials)
    simple: Fn  # (sp, z, a) -> da/dz in terms of the unit's own output
    symbolic: Fn  # (sp, z) -> a
    complement: Fn | None = None  # (m, z) -> 1 - a, accurately, where it matters
    elementwise: bool = True


def _relu(m: Any, z: Any, slope: Any) -> Any:
    return z if m.is_pos(z) else slope * z


def _abs(m: Any, x: Any) -> Any:
    return x if m.is_pos(x) else -x


def _dtanh(m: Any, u: Any) -> Any:
    """1 − tanh²(u) = 4e/(1 + e)² with e = e^(−2|u|): never 1 − (a number that rounded to 1).

    Written out here rather than through ``m.dtanh``, which `check` replaces by a student's wrong
    tanh' at tanh units only.
    """
    e = m.exp(-2 * _abs(m, u))
    return 4 * e / (1 + e) ** 2


def _q(sp: Any, q: Fraction) -> Any:
    return sp.Rational(q.numerator, q.denominator)


def fraction_text(q: Fraction) -> str:
    """A parameter as written: a terminating decimal (0.1, 1.7159, 2), else p/q (2/3)."""
    d = q.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return f"{q.numerator}/{q.denominator}"
    value = Decimal(q.numerator) / Decimal(q.denominator)
    return format(value.normalize(), "f")


def _times(sp: Any, q: Fraction, x: Any) -> Any:
    """q·x, or x itself when q is 1: a formula built from these shows no 1·λ."""
    return x if q == 1 else _q(sp, q) * x


def _sigmoid() -> Activation:
    return Activation(
        "sigmoid",
        value=lambda m, z: m.sigmoid(z),
        derivative=lambda m, z, a: m.dsigmoid(z),
        sheet=lambda sp, z: sp.exp(-z) / (1 + sp.exp(-z)) ** 2,
        simple=lambda sp, z, a: a * (1 - a),
        symbolic=lambda sp, z: 1 / (1 + sp.exp(-z)),
        complement=lambda m, z: m.sigmoid(-z),
    )


def _tanh() -> Activation:
    return Activation(
        "tanh",
        value=lambda m, z: m.tanh(z),
        derivative=lambda m, z, a: m.dtanh(z),
        sheet=lambda sp, z: 4 * sp.exp(-2 * z) / (1 + sp.exp(-2 * z)) ** 2,
        simple=lambda sp, z, a: 1 - a**2,
        symbolic=lambda sp, z: sp.tanh(z),
    )


def _relu_at(d0: Fraction) -> Activation:
    """relu, its derivative at exactly 0 taken as ``d0`` (0, ½ or 1: sources differ)."""

    def derivative(m: Any, z: Any, a: Any) -> Any:
        if m.is_pos(z):
            return m.num(1)
        return m.num(d0) if d0 and z == 0 else m.num(0)

    def piecewise(sp: Any, z: Any, *a: Any) -> Any:
        if d0:
            return sp.Piecewise((1, z > 0), (_q(sp, d0), sp.Eq(z, 0)), (0, True))
        return sp.Piecewise((1, z > 0), (0, True))

    return Activation(
        "relu",
        value=lambda m, z: _relu(m, z, 0 * z),
        derivative=derivative,
        sheet=piecewise,
        simple=piecewise,
        symbolic=lambda sp, z: sp.Max(0, z),
    )


def _leaky_relu(slope: Fraction) -> Activation:
    def piecewise(sp: Any, z: Any, *a: Any) -> Any:
        return sp.Piecewise((1, z > 0), (_q(sp, slope), True))

    return Activation(
        "leaky_relu",
        value=lambda m, z: _relu(m, z, m.num(slope)),
        derivative=lambda m, z, a: m.num(1) if m.is_pos(z) else m.num(slope),
        sheet=piecewise,
        simple=piecewise,
        symbolic=lambda sp, z: sp.Piecewise((z, z > 0), (_q(sp, slope) * z, True)),
    )


def _bipolar_sigmoid(lam: Fraction) -> Activation:
    """2/(1 + e^(−λz)) − 1 = tanh(λz/2), f' = (λ/2)(1 + f)(1 − f); λ = 1 is Fausett's, any λ Zurada's."""
    half = lam / 2

    def derivative(m: Any, z: Any, a: Any) -> Any:
        return m.num(half) * _dtanh(m, m.num(half) * z)

    return Activation(
        "bipolar_sigmoid",
        value=lambda m, z: m.tanh(m.num(half) * z),
        derivative=derivative,
        # 1 − f = 2/(1 + e^(λz)) = 2σ(−λz): exact where f rounds to 1
        complement=lambda m, z: 2 * m.sigmoid(-m.num(lam) * z),
        sheet=lambda sp, z: _times(sp, 2 * lam, sp.exp(-_times(sp, lam, z))) / (1 + sp.exp(-_times(sp, lam, z))) ** 2,
        simple=lambda sp, z, a: _times(sp, half, (1 + a) * (1 - a)),
        symbolic=lambda sp, z: 2 / (1 + sp.exp(-_times(sp, lam, z))) - 1,
    )


def _scaled_tanh(a: Fraction, b: Fraction) -> Activation:
    """a·tanh(b·z), f' = a·b·(1 − tanh²(b·z)) = (b/a)(a − f)(a + f); LeCun's a = 1.7159, b = 2/3."""

    def derivative(m: Any, z: Any, out: Any) -> Any:
        return m.num(a * b) * _dtanh(m, m.num(b) * z)

    return Activation(
        "scaled_tanh",
        value=lambda m, z: m.num(a) * m.tanh(m.num(b) * z),
        derivative=derivative,
        # 1 − a·tanh(bz) = (1 − a) + a·2σ(−2bz): exact where f rounds to 1 (a = 1)
        complement=lambda m, z: m.num(1 - a) + m.num(a) * 2 * m.sigmoid(-2 * m.num(b) * z),
        sheet=lambda sp, z: _times(sp, a, _times(sp, b, 1 - sp.tanh(_times(sp, b, z)) ** 2)),
        simple=lambda sp, z, f: sp.Mul(_q(sp, b / a), _q(sp, a) - f, _q(sp, a) + f, evaluate=False),
        symbolic=lambda sp, z: _times(sp, a, sp.tanh(_times(sp, b, z))),
    )


@dataclass(frozen=True)
class Parameter:
    """A parameter an activation may be given in the problem file, with its default and allowed values."""

    name: str
    default: Fraction
    allowed: Callable[[Fraction], bool]
    expected: str  # what the error message says was expected


LEAKY_SLOPE = Fraction(1, 100)

PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "relu": (Parameter("derivative_at_zero", Fraction(0), lambda v: v in (0, Fraction(1, 2), 1), "0, 0.5 or 1"),),
    "leaky_relu": (Parameter("slope", LEAKY_SLOPE, lambda v: 0 < v < 1, "a number between 0 and 1"),),
    "bipolar_sigmoid": (Parameter("slope", Fraction(1), lambda v: v > 0, "a positive number"),),
    "scaled_tanh": (
        Parameter("a", Fraction(17159, 10000), lambda v: v > 0, "a positive number"),
        Parameter("b", Fraction(2, 3), lambda v: v > 0, "a positive number"),
    ),
}

_BUILD: dict[str, Fn] = {
    "relu": _relu_at,
    "leaky_relu": _leaky_relu,
    "bipolar_sigmoid": _bipolar_sigmoid,
    "scaled_tanh": _scaled_tanh,
}


def spec(name: str, params: dict[str, Fraction] | None = None) -> str:
    """The canonical spelling of an activation with parameters: its name, then the non-default ones.

    leaky_relu with slope 0.1 is ``leaky_relu(slope=0.1)``; with its default slope, ``leaky_relu``.
    This string is what :class:`bpcalc.network.Network` keeps and what the outputs show.
    """
    given = params or {}
    shown = [f"{p.name}={fraction_text(given[p.name])}" for p in PARAMETERS.get(name, ()) if p.name in given and given[p.name] != p.default]
    return f"{name}({', '.join(shown)})" if shown else name


def parse_spec(text: str) -> tuple[str, dict[str, Fraction]]:
    """(name, every parameter with defaults filled in) of a canonical spelling; KeyError if it is none."""
    name, _, rest = text.partition("(")
    if name not in ACTIVATIONS or (rest and not rest.endswith(")")):
        raise KeyError(text)
    declared = {p.name: p for p in PARAMETERS.get(name, ())}
    values = {n: p.default for n, p in declared.items()}
    for item in filter(None, rest[:-1].split(", ")):
        key, _, value = item.partition("=")
        if key not in declared:
            raise KeyError(text)
        values[key] = Fraction(value)
    return name, values


@lru_cache(maxsize=256)
def activation(text: str) -> Activation:
    """The activation a canonical spelling names (``sigmoid``, ``leaky_relu(slope=0.1)``, ...)."""
    name, values = parse_spec(text)
    if name not in _BUILD:
        return ACTIVATIONS[name]
    return _BUILD[name](*values.values())


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        _sigmoid(),
        _tanh(),
        _relu_at(Fraction(0)),
        _leaky_relu(LEAKY_SLOPE),
        Activation(
            "linear",
            value=lambda m, z: z,
            derivative=lambda m, z, a: m.num(1),
            sheet=lambda sp, z: sp.Integer(1),
            simple=lambda sp, z, a: sp.Integer(1),
            symbolic=lambda sp, z: z,
        ),
        # softmax couples the outputs: y_k = e^{o_k} / Σ_j e^{o_j}, dy_k/do_j = y_k (δ_kj − y_j).
        Activation(
            "softmax",
            value=lambda m, zs: _softmax(m, zs),
            # dy_j/do_k, with 1 − y_k taken from the accurate complement when j = k
            derivative=lambda m, ys, ybars, j, k: ys[k] * ybars[k] if j == k else -ys[j] * ys[k],
            sheet=lambda sp, zs, k, j: sp.diff(sp.exp(zs[k]) / sp.Add(*[sp.exp(z) for z in zs]), zs[j]),
            simple=lambda sp, ys, k, j: ys[k] * ((1 if k == j else 0) - ys[j]),
            symbolic=lambda sp, zs, k: sp.exp(zs[k]) / sp.Add(*[sp.exp(z) for z in zs]),
            complement=lambda m, zs: _softmax_complements(m, zs),
            elementwise=False,
        ),
        _bipolar_sigmoid(Fraction(1)),
        _scaled_tanh(Fraction(17159, 10000), Fraction(2, 3)),
    ]
}


def _softmax(m: Any, zs: list[Any]) -> list[Any]:
    lse = m.logsumexp(zs)
    return [m.exp(z - lse) for z in zs]


def _softmax_complements(m: Any, zs: list[Any]) -> list[Any]:
    """1 − y_k = Σ_{j≠k} e^{o_j} / Σ_j e^{o_j}: exact even when y_k rounds to 1."""
    lse = m.logsumexp(zs)
    return [m.fsum([m.exp(zj - lse) for j, zj in enumerate(zs) if j != k]) for k in range(len(zs))]


def _softmax_ce_delta(m: Any, ys: list[Any], ybars: list[Any], ts: list[Any], k: int) -> Any:
    """dL/do_k = y_k·Σt − t_k; near y_k = 1 written −Σt·(1 − y_k) + Σ_{j≠k} t_j so nothing cancels."""
    total = m.fsum(list(ts))
    if m.name == "float" and ys[k] > 0.5:
        return -total * ybars[k] + m.fsum([t for j, t in enumerate(ts) if j != k])
    return ys[k] * total - ts[k]


@dataclass(frozen=True)
class Loss:
    """A loss summed over the output units; ``count`` is the number of outputs (for mse)."""

    name: str
    term: Fn  # (m, y, d, log_y, log_1my, t, count) -> this output's share of L; d = y − t, computed accurately
    grad: Fn  # (m, y, ybar, d, t, count) -> dL/dy_k
    symbolic: Fn  # (sp, y, t, count) -> this output's share of L
    symbolic_grad: Fn  # (sp, y, t, count) -> dL/dy_k
    needs_probability: bool = False  # outputs must lie in (0, 1)
    # Stable dL/do for the pairs whose dL/dy · dy/do cancels: (m, ys, ybars, ts, k) -> dL/do_k
    stable_delta: dict[str, Fn] = field(default_factory=dict)


def _nz(m: Any, coefficient: Any, value: Any) -> Any:
    """coefficient · value, where a zero coefficient wins over an infinite value (0 · ln 0 = 0)."""
    return coefficient * value if coefficient != 0 else 0 * coefficient


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss(
            "bce",
            term=lambda m, y, d, ly, l1y, t, n: -(_nz(m, t, ly) + _nz(m, 1 - t, l1y)),
            grad=lambda m, y, ybar, d, t, n: _nz(m, -t, 1 / y if y != 0 else float("inf"))
            + _nz(m, 1 - t, 1 / ybar if ybar != 0 else float("inf")),
            symbolic=lambda sp, y, t, n: -t * sp.log(y) - (1 - t) * sp.log(1 - y),
            symbolic_grad=lambda sp, y, t, n: (y - t) / (y * (1 - y)),
            needs_probability=True,
            # σ then bce: dL/do = (y − t), written (1 − t)·y − t·(1 − y) so that 1 − y stays exact.
            stable_delta={"sigmoid": lambda m, ys, ybars, ts, k: (1 - ts[k]) * ys[k] - ts[k] * ybars[k]},
        ),
        Loss(
            "ce",
            term=lambda m, y, d, ly, l1y, t, n: -_nz(m, t, ly),
            grad=lambda m, y, ybar, d, t, n: _nz(m, -t, 1 / y if y != 0 else float("inf")),
            symbolic=lambda sp, y, t, n: -t * sp.log(y),
            symbolic_grad=lambda sp, y, t, n: -t / y,
            needs_probability=True,
            # softmax then ce: dL/do_k = y_k·Σt − t_k (= y_k − t_k for one-hot targets).
            stable_delta={
                "softmax": _softmax_ce_delta,
                "sigmoid": lambda m, ys, ybars, ts, k: -ts[k] * ybars[k],
            },
        ),
        Loss(
            "half_sse",
            term=lambda m, y, d, ly, l1y, t, n: d**2 / 2,
            grad=lambda m, y, ybar, d, t, n: d,
            symbolic=lambda sp, y, t, n: (y - t) ** 2 / 2,
            symbolic_grad=lambda sp, y, t, n: y - t,
        ),
        Loss(
            "sse",
            term=lambda m, y, d, ly, l1y, t, n: d**2,
            grad=lambda m, y, ybar, d, t, n: 2 * d,
            symbolic=lambda sp, y, t, n: (y - t) ** 2,
            symbolic_grad=lambda sp, y, t, n: 2 * (y - t),
        ),
        Loss(
            "mse",
            term=lambda m, y, d, ly, l1y, t, n: d**2 / n,
            grad=lambda m, y, ybar, d, t, n: 2 * d / n,
            symbolic=lambda sp, y, t, n: (y - t) ** 2 / n,
            symbolic_grad=lambda sp, y, t, n: 2 * (y - t) / n,
        ),
    ]
}
