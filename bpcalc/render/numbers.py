"""Number display: fixed decimals, switching to scientific where fixed would hide a non-zero value."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


def fmt(x: Any, precision: int = 3) -> str:
    """-0.6000000820 → '-0.600'; -3.9333e-06 → '-3.93e-06' (never '-0.000'); 100 → '100.000'."""
    if isinstance(x, Decimal):
        x = float(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return f"{0:.{precision}f}"
    ax = abs(x)
    if ax < 0.5 * 10.0**-precision or ax >= 1e9:
        return f"{x:.{max(precision - 1, 0)}e}"
    return f"{x:.{precision}f}"


def given(x: Any) -> str:
    """A number as the problem file wrote it: 100, 0.05, -0.1."""
    if isinstance(x, Decimal):
        return str(x) if x == x.to_integral_value() or abs(x.as_tuple().exponent) < 12 else f"{float(x):g}"
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def full(x: Any) -> float | int:
    """A JSON number at full precision (ints stay ints)."""
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    return float(x)


def show(x: Any, precision: int = 3) -> str:
    """Like fmt, but whole numbers (inputs, targets, 1) print as written: 100, not 100.000."""
    v = float(x)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return fmt(v, precision)
