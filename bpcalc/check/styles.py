"""The ways a hand working rounds every step, each a number system and an evaluator style.

A student who rounds every step to d decimals does not always round the same intermediates:

* ``sheet`` — the sheet's way, as ``bpcalc run --round-steps`` does it: every chain-rule factor
  rounded (σ'(o) and tanh'(α) from the rounded pre-activation), each gradient the rounded product
  of its rounded factors (the evaluator's ``factors`` style);
* ``delta`` — the way most code and many students work: σ' and tanh' from the unit's own rounded
  output (y(1 − y), 1 − H²), one rounded δ = dL/d(pre-activation) per unit (δ = y − t at once where
  the loss and output allow it), each gradient the rounded δ times its input (the evaluator's
  ``delta`` style).

A value within half a unit of its last written digit of any of these (or of the full-precision
working, or anything between) is what a careful hand working gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bpcalc.arith import FloatMath, RoundedMath

STYLES = ("sheet", "delta")
EVALUATOR_STYLE = {"sheet": "factors", "delta": "delta"}


@dataclass(frozen=True)
class Rounding:
    """A hand working: every step rounded to ``decimals``, in one of the ``STYLES``."""

    decimals: int
    style: str = "sheet"


def roundings(decimals: int | None) -> list[Rounding]:
    """Every way of rounding a hand working to ``decimals`` (none for a full-precision one)."""
    return [] if decimals is None else [Rounding(decimals, s) for s in STYLES]


def math_for(rounding: Rounding | None) -> Any:
    """The number system of a working: full precision, or rounded at every step to the rounding's decimals."""
    return FloatMath() if rounding is None else RoundedMath(rounding.decimals)


def style_for(rounding: Rounding | None) -> str:
    """The evaluator's style for a working (see :class:`bpcalc.evaluate.Overrides`)."""
    return "stable" if rounding is None else EVALUATOR_STYLE[rounding.style]
