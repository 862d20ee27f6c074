"""The ways a hand working rounds every step, each a number system (and, for δ, its own backward pass).

A student who rounds every step to d decimals does not always round the same intermediates:

* ``sheet`` — the sheet's way, as ``bpcalc run --round-steps`` does it: every chain-rule factor
  rounded (σ'(o) and tanh'(α) from the rounded pre-activation), each gradient the rounded product
  of its rounded factors;
* ``delta`` — the way most code and many students work: σ' and tanh' from the unit's own rounded
  output (y(1 − y), 1 − H²), one rounded δ = dL/d(pre-activation) per unit (δ = y − t at once where
  the loss and output allow it), each gradient the rounded δ times its input.

A value within half a unit of its last written digit of any of these (or of the full-precision
working, or anything between) is what a careful hand working gives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.evaluate import Pass
from bpcalc.network import Network

STYLES = ("sheet", "delta")


@dataclass(frozen=True)
class Rounding:
    """A hand working: every step rounded to ``decimals``, in one of the ``STYLES``."""

    decimals: int
    style: str = "sheet"


def roundings(decimals: int | None) -> list[Rounding]:
    """Every way of rounding a hand working to ``decimals`` (none for a full-precision one)."""
    return [] if decimals is None else [Rounding(decimals, s) for s in STYLES]


def output_of(m: Any, z: Any, fn: Any) -> Any:
    """The unit's own output at pre-activation ``z`` as the working has it (the student's, where given), else fn(z) rounded."""
    outputs = getattr(m, "outputs", None)
    if outputs is not None and z in outputs:
        return outputs[z]
    return m.step(fn(z))


class OutputDerivatives:
    """Number-system mixin: σ' and tanh' from the unit's own rounded output, y(1 - y) and 1 - H²."""

    def dsigmoid(self, z: Any) -> Any:
        s = output_of(self, z, self.sigmoid)  # type: ignore[attr-defined]
        return s * (1 - s)

    def dtanh(self, z: Any) -> Any:
        h = output_of(self, z, self.tanh)  # type: ignore[attr-defined]
        return 1 - h * h


@lru_cache(maxsize=None)
def _math_type(mixins: tuple[type, ...], style: str | None) -> type:
    base: tuple[type, ...] = (FloatMath,) if style is None else (RoundedMath,) if style == "sheet" else (OutputDerivatives, RoundedMath)
    if not mixins and len(base) == 1:
        return base[0]
    return type("".join(t.__name__ for t in mixins + base), mixins + base, {})


def math_for(mixins: tuple[type, ...], rounding: Rounding | None) -> Any:
    """The number system of a working: full precision, or one of the hand roundings, with ``mixins`` over it."""
    cls = _math_type(mixins, None if rounding is None else rounding.style)
    return cls() if rounding is None else cls(rounding.decimals)


def delta_pass(net: Network, m: Any, p: Pass, back: Mapping[str, Any], targets: Mapping[str, Any], shortcut: bool) -> Pass:
    """The pass's backward half redone the δ way: one rounded δ per unit, each gradient δ × input, rounded.

    ``shortcut``: take δ = y - t (and the like) where the loss and the output activation allow it.
    """
    units = net.units
    last = len(units) - 1
    f = p.forward
    m.outputs = {f[u.pre]: f[u.name] for row in units[1:] for u in row}
    act, loss = net.activation(last), net.loss
    outs = units[last]
    deltas: dict[str, Any] = {}
    if not act.elementwise:
        deltas.update({u.pre: p.deltas[u.pre] for u in outs})  # type: ignore[misc]
    else:
        ys = [f[u.name] for u in outs]
        ts = [targets[u.target] for u in outs]  # type: ignore[index]
        ybars = [1 - y for y in ys]
        stable = loss.stable_delta.get(act.name) if shortcut else None
        for k, u in enumerate(outs):
            if stable is not None:
                d = stable(m, ys, ybars, ts, k)
            else:
                d = loss.grad(m, ys[k], ybars[k], ys[k] - ts[k], ts[k], len(outs)) * act.derivative(m, f[u.pre], ys[k])
            deltas[u.pre] = m.step(d)  # type: ignore[index]
    for li in range(last - 1, 0, -1):
        a = net.activation(li)
        for u in units[li]:
            s = m.fsum([back[net.weight(u, k)] * deltas[k.pre] for k in units[li + 1]])  # type: ignore[index]
            deltas[u.pre] = m.step(s * a.derivative(m, f[u.pre], f[u.name]))  # type: ignore[index]
    gradients = {q.name: m.step(deltas[q.target.pre] * p.factors[f"d{q.target.pre}/d{q.name}"]) for q in net.params}  # type: ignore[index]
    return replace(p, deltas=deltas, gradients=gradients)
