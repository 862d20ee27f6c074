"""Activations and losses: each one's forward rule beside its derivative and the form a sheet writes.

``m`` is a number system from :mod:`bpcalc.arith` (float, rounded or exact); ``sp`` is the SymPy
module, passed in so that importing this table never imports SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "sigmoid",
            value=lambda m, z: m.sigmoid(z),
            derivative=lambda m, z, a: m.dsigmoid(z),
            sheet=lambda sp, z: sp.exp(-z) / (1 + sp.exp(-z)) ** 2,
            simple=lambda sp, z, a: a * (1 - a),
            symbolic=lambda sp, z: 1 / (1 + sp.exp(-z)),
            complement=lambda m, z: m.sigmoid(-z),
        ),
        Activation(
            "tanh",
            value=lambda m, z: m.tanh(z),
            derivative=lambda m, z, a: m.dtanh(z),
            sheet=lambda sp, z: 4 * sp.exp(-2 * z) / (1 + sp.exp(-2 * z)) ** 2,
            simple=lambda sp, z, a: 1 - a**2,
            symbolic=lambda sp, z: sp.tanh(z),
        ),
        Activation(
            "relu",
            value=lambda m, z: _relu(m, z, 0 * z),
            derivative=lambda m, z, a: m.num(1) if m.is_pos(z) else m.num(0),
            sheet=lambda sp, z: sp.Piecewise((1, z > 0), (0, True)),
            simple=lambda sp, z, a: sp.Piecewise((1, z > 0), (0, True)),
            symbolic=lambda sp, z: sp.Max(0, z),
        ),
        Activation(
            "leaky_relu",
            value=lambda m, z: _relu(m, z, m.num("0.01")),
            derivative=lambda m, z, a: m.num(1) if m.is_pos(z) else m.num("0.01"),
            sheet=lambda sp, z: sp.Piecewise((1, z > 0), (sp.Rational(1, 100), True)),
            simple=lambda sp, z, a: sp.Piecewise((1, z > 0), (sp.Rational(1, 100), True)),
            symbolic=lambda sp, z: sp.Piecewise((z, z > 0), (z / 100, True)),
        ),
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
