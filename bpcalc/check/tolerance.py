"""When a written number counts as right: to its own digits (allowing hand-rounding drift), or an explicit tolerance."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Iterable

from bpcalc.check.model import Given
from bpcalc.errors import BpcalcError

FLOAT_FLOOR = 1e-9  # relative: two correct double-precision workings agree at least this well
HAND_DECIMALS = range(1, 11)  # written decimals for which a rounded-at-every-step working is simulated
DRIFT_SLACK = 0.0  # extra room around the drift, as a share of it (the hull ± half a unit covers what lies between)


@dataclass(frozen=True)
class Tolerance:
    """An explicit tolerance (--tolerance): absolute, relative to the expected value, or either."""

    absolute: float | None = None
    relative: float | None = None

    def describe(self) -> str:
        parts = []
        if self.relative is not None:
            parts.append(f"±{self.relative * 100:g}% of the expected value")
        if self.absolute is not None:
            parts.append(f"±{self.absolute:g}")
        return " or ".join(parts)

    def width(self, expected: float) -> float:
        return max(self.absolute or 0.0, (self.relative or 0.0) * abs(expected))


_PART = re.compile(r"([0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?)\s*(%?)")


def parse_tolerance(text: str) -> Tolerance:
    """'1e-3' → absolute; '1%' → relative; '1%,1e-6' → either."""
    absolute = relative = None
    parts = [p.strip() for p in text.split(",")]
    for part in parts:
        m = _PART.fullmatch(part)
        if not m or len(parts) > 2:
            raise BpcalcError(
                f"--tolerance: expected an absolute tolerance such as 1e-3, a relative one such as 1%, or both (1%,1e-6); got {text!r}"
            )
        value = float(m.group(1))
        if m.group(2):
            relative = value / 100
        else:
            absolute = value
    return Tolerance(absolute=absolute, relative=relative)


DEFAULT_ANSWER_DECIMALS = 2  # a written value earns at most half a unit in the second decimal place


def half_unit(given: Given) -> float:
    """Half a unit in the last written place (0.0005 for 0.646, 5e-6 for -0.20003), but never more than half a
    unit in the answer precision's place: 0.005 for 0, -1 or 0e300 at two decimals."""
    exponent = given.exponent
    if given.answer_decimals is not None:
        exponent = min(exponent, -given.answer_decimals)
    return 0.5 * 10.0 ** max(min(exponent, 300), -400)


def loose(given: Given) -> Given:
    """The written value with the room its own digits claim (no answer precision): to tell 'too few digits' apart."""
    return replace(given, answer_decimals=None)


def hand_decimals(given: Given) -> int | None:
    """The precision a hand working to these digits rounds at, when simulating it is worth it."""
    d = max(given.decimals, given.answer_decimals or 0)  # fewer digits written do not make a coarser working honest
    return d if d in HAND_DECIMALS else None


def matches(
    given: Given,
    exact: float,
    hand: float | Iterable[float | None] | None,
    tolerance: Tolerance | None,
    slack: float = DRIFT_SLACK,
) -> bool:
    """Is the written value right for ``exact``?

    Without an explicit tolerance: it must round-match some value between the full-precision
    ``exact`` and ``hand`` (the same working rounded at every step to the written decimals; one
    value or several), with ``slack`` × their spread to spare for other rounding orders.
    """
    if not math.isfinite(exact):
        return False
    g = given.number
    floor = FLOAT_FLOOR * max(abs(exact), abs(g))
    if tolerance is not None:
        return abs(g - exact) <= tolerance.width(exact) + floor
    lo = hi = exact
    base = half_unit(given) + floor
    if exact - base <= g <= exact + base:
        return True  # the hand workings (computed lazily) are not needed
    hands = [hand] if isinstance(hand, (int, float)) or hand is None else hand
    for x in hands:
        if x is not None and math.isfinite(x):
            lo, hi = min(lo, x), max(hi, x)
            room = base + slack * (hi - lo)
            if lo - room <= g <= hi + room:
                return True
    return False


def at_digits(x: float, given: Given, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``x`` written to the same last place as ``given`` (rounded, or cut off with ROUND_DOWN)."""
    return at_place(x, given.exponent, rounding)


def at_place(x: float, exponent: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``x`` rounded (or cut off) to the place 10^exponent, exactly however many digits that takes."""
    with localcontext() as ctx:
        ctx.prec = 1000
        ctx.Emax, ctx.Emin = 999999, -999999
        return Decimal(repr(x)).quantize(Decimal(1).scaleb(exponent), rounding=rounding)


def truncation_of(given: Given, exact: float, hand: float | Iterable[float | None] | None = None) -> float | None:
    """The value (``exact``, or a hand working of it) that the written one cuts off instead of rounding, if any."""
    hands = [hand] if isinstance(hand, (int, float)) or hand is None else list(hand)
    for x in (exact, *hands):
        if x is None or not math.isfinite(x):
            continue
        cut = at_digits(x, given, ROUND_DOWN)
        if cut == given.value and at_digits(x, given) != given.value:
            return x
    return None
