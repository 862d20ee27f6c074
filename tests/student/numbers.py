"""How a student keeps numbers: full precision, or rounded (half up) to d decimals at every step; how they write them."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from mpmath import mp, mpf

mp.dps = max(mp.dps, 40)  # enough digits that binary noise never moves a decimal tie; never lowers another setting


def decimal(x: mpf, digits: int = 30) -> Decimal:
    """``x`` as a decimal, read to ``digits`` significant digits so binary noise cannot move a decimal tie."""
    return Decimal(mp.nstr(x, digits, strip_zeros=False, min_fixed=-50, max_fixed=50))


def quantize(x: mpf, d: int, mode: str = "round") -> Decimal:
    """``x`` to ``d`` decimals, rounded half up (as on paper) or cut off ("down")."""
    q = decimal(x).quantize(Decimal(1).scaleb(-d), rounding=ROUND_DOWN if mode == "down" else ROUND_HALF_UP)
    return q + 0 if q == 0 else q  # no "-0.000"


def text(x: mpf, d: int, mode: str = "round") -> str:
    """``x`` as a student writes it to ``d`` decimals: '0.590', '-2.300', '0.000'."""
    q = quantize(x, d, mode)
    return f"{q:.{d}f}" if q != 0 else f"{Decimal(0):.{d}f}"


class Numbers:
    """Full precision (``decimals`` None) or every step rounded to ``decimals``."""

    def __init__(self, decimals: int | None) -> None:
        self.decimals = decimals

    def r(self, x: mpf, mode: str = "round") -> mpf:
        if self.decimals is None:
            return x
        return mpf(str(quantize(x, self.decimals, mode)))
