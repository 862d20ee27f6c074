"""Number display: fixed decimals, switching to scientific where fixed would hide a non-zero value."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
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


GIVEN_WIDTH = 24  # a number from the file longer than this as a plain decimal is written in scientific form


def written(x: Any) -> str:
    """A number from the problem file, exactly: 100, 0.05, -0.1; 1e-320 rather than 320 zeros."""
    if isinstance(x, Decimal):
        if x == 0:
            return "0"
        with localcontext() as ctx:  # normalize() rounds to the context's precision: keep every digit
            ctx.prec = len(x.as_tuple().digits) + 2
            x = x.normalize()
        text = format(x, "f")
    else:
        text = str(x)
    if len(text) <= GIVEN_WIDTH:
        return text
    with localcontext() as ctx:
        ctx.prec = len(text) + 2
        sign, digits, exponent = Decimal(x).normalize().as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{int(exponent) + len(digits) - 1:+03d}"


def given(x: Any) -> str:
    """A number as the problem file wrote it: 100, 0.05, -0.1 (a zero written -0 or -0.0 as 0)."""
    if x == 0 and str(x).startswith("-"):
        x = abs(x)
    if isinstance(x, Decimal):
        text = str(x) if x == x.to_integral_value() or abs(int(x.as_tuple().exponent)) < 12 else written(x)
        return text if "E" not in text else written(x)
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def full(x: Any) -> float | int:
    """A JSON number at full precision (ints stay ints)."""
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    return float(x) + 0.0  # never a negative zero


def show(x: Any, precision: int = 3) -> str:
    """Like fmt, but whole numbers (inputs, targets, 1) print as written: 100, not 100.000."""
    v = float(x)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return fmt(v, precision)
