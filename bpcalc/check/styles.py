"""The ways a hand working rounds every step, each a number system and an evaluator style.

A student who rounds every step to d decimals does not always round the same intermediates:

* ``sheet`` — the sheet's way, as ``bpcalc run --round-steps`` does it: every chain-rule factor
  rounded (σ'(o) and tanh'(α) from the rounded pre-activation), each gradient the rounded product
  of its rounded factors (the evaluator's ``factors`` style);
* ``delta`` — the way most code and many students work: σ' and tanh' from the unit's own rounded
  output (y(1 − y), 1 − H²), one rounded δ = dL/d(pre-activation) per unit (δ = y − t at once where
  the loss and output allow it), each gradient the rounded δ times its input (the evaluator's
  ``delta`` style);
* ``results`` — the commonest way people work with a calculator: only the results they write down
  rounded (α, H, o, y, the loss, each gradient, each new parameter), every chain-rule factor and δ
  kept at full precision from those written results (1 − H² from the written H).

A value within half a unit of its last written digit of any of these (or of the full-precision
working, or anything between) is what a careful hand working gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from bpcalc.arith import FloatMath, RoundedMath

STYLES = ("sheet", "delta", "results")
EVALUATOR_STYLE = {"sheet": "factors", "delta": "delta", "results": "results"}


@dataclass(frozen=True)
class Rounding:
    """A hand working: every step rounded to ``decimals``, in one of the ``STYLES``."""

    decimals: int
    style: str = "sheet"
    ties: str = "up"  # a decimal tie rounded half up (as on paper), or "down": the other honest way


def roundings(decimals: int | None) -> list[Rounding]:
    """Every way of rounding a hand working to ``decimals`` (none for a full-precision one)."""
    return [] if decimals is None else [Rounding(decimals, s) for s in STYLES]


class QuickRoundedMath(RoundedMath):
    """RoundedMath with the same results, faster: plain float arithmetic wherever the value is not near a decimal tie.

    A hand working rounds thousands of times per sheet; only values within a millionth of a unit of a
    tie (or too large for a double to hold every digit) go the exact decimal way of :class:`RoundedMath`.
    """

    def __init__(self, decimals: int, ties: str = "up") -> None:
        super().__init__(decimals)
        self._scale = 10.0**decimals
        self._mode = ROUND_HALF_DOWN if ties == "down" else ROUND_HALF_UP
        self.ties = 0  # decimal ties met: where a working rounded the other way could differ

    def step(self, x: float) -> float:
        if not math.isfinite(x):
            return x
        y = abs(x) * self._scale
        if y < 1e6:
            whole = math.floor(y)
            if abs(y - whole - 0.5) > 1e-6:
                r = whole + 1 if y - whole > 0.5 else whole
                return math.copysign(r, x) / self._scale + 0.0
        with localcontext() as ctx:  # as RoundedMath: read to 12 significant digits, then round the tie either way
            ctx.prec = 400
            d = Decimal(format(x, ".12g"))
            up = d.quantize(self._quantum, rounding=ROUND_HALF_UP)
            down = d.quantize(self._quantum, rounding=ROUND_HALF_DOWN)
            self.ties += up != down
            return float(up if self._mode == ROUND_HALF_UP else down) + 0.0


def math_for(rounding: Rounding | None) -> Any:
    """The number system of a working: full precision, or rounded at every step to the rounding's decimals."""
    return FloatMath() if rounding is None else QuickRoundedMath(rounding.decimals, rounding.ties)


def style_for(rounding: Rounding | None) -> str:
    """The evaluator's style for a working (see :class:`bpcalc.evaluate.Overrides`)."""
    return "stable" if rounding is None else EVALUATOR_STYLE[rounding.style]
