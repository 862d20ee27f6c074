"""How a run's numbers are shown in its mode: fixed decimals (float, hand-rounded) or significant digits and closed forms (exact)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from bpcalc.render.numbers import fmt, written

CLOSED_TEXT = 48  # widest closed form shown in a terminal table cell
CLOSED_MATH = 90  # widest closed form (in SymPy syntax) shown in LaTeX and Markdown


@dataclass(frozen=True)
class Numbers:
    """Formats the numbers of one run: ``math`` is the run's number system, ``precision`` the decimals shown."""

    math: Any
    precision: int = 3

    @property
    def exact(self) -> bool:
        return self.math.name == "exact"

    @property
    def mode(self) -> str:
        """'float', 'rounded:3' or 'exact' (as the JSON's "mode" says)."""
        return f"rounded:{self.math.decimals}" if self.math.name == "rounded" else self.math.name

    def text(self, x: Any) -> str:
        """The number as tables show it: -0.600, -3.93e-06; in exact mode to the chosen significant digits."""
        if isinstance(x, (int, Decimal)) and not isinstance(x, bool):
            return fmt(x, self.precision) if not self.exact else given_exact(x)
        if not self.exact:
            return fmt(self.math.to_float(x), self.precision)
        q = self.math.closed_form(x)
        if q is not None and q.is_Rational:
            short = terminating(q)
            if short is not None and len(short.replace("-", "").replace(".", "").lstrip("0")) <= self.math.digits:
                return short
        return sci(self.math.decimal(x))

    def value(self, x: Any) -> str:
        """Like ``text``, but numbers that are whole stay whole (100, not 100.000): for substituted formulas."""
        if isinstance(x, (int, Decimal)) and not isinstance(x, bool):
            return given_exact(x)
        if not self.exact:
            f = self.math.to_float(x)
            if math.isfinite(f) and f == int(f) and abs(f) < 1e15:
                return str(int(f))
        return self.text(x)

    def full(self, x: Any) -> str:
        """Full precision, for CSV: the shortest float repr, or the exact decimal to the chosen digits."""
        if isinstance(x, (int, Decimal)) and not isinstance(x, bool):
            return given_exact(x)
        if self.exact:
            return self.text(x)
        return repr(float(self.math.to_float(x)) + 0.0)  # + 0.0: never a negative zero

    def closed(self, x: Any, width: int = CLOSED_TEXT) -> Any:
        """The closed form worth showing beside the decimal (exact mode), else None.

        Rational numbers that the decimal already shows exactly are left out, and so are forms
        wider than ``width`` characters.
        """
        if not self.exact or isinstance(x, (int, Decimal)):
            return None
        q = self.math.closed_form(x)
        if q is None:
            return None
        if q.is_Rational and terminating(q) is not None:
            return None
        from bpcalc.render.sheet import plain_str

        return q if len(plain_str(q)) <= width else None


def terminating(q: Any) -> str | None:
    """A SymPy rational as an exact decimal string (1/20 → '0.05'), or None if it does not terminate."""
    p, d = int(q.p), int(q.q)
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    n = max(twos, fives)
    with localcontext() as ctx:  # exactly: as many digits as the numerator and the decimals need
        ctx.prec = len(str(abs(p))) + n + 2
        value = Decimal(p) / Decimal(int(q.q))
        return format(value.quantize(Decimal(1).scaleb(-n)) if n else value, "f")


def given_exact(x: Any) -> str:
    """A number from the problem file, exactly: 100, 0.05, -0.1; 1e-320 rather than 320 zeros."""
    return written(x)


def sci(text: str) -> str:
    """mpmath's 1.23e-6 as 1.23e-06 (the exponent with two digits, as the float tables write it)."""
    return re.sub(r"e([+-])(\d)$", r"e\g<1>0\2", text)


def tex_number(text: str) -> str:
    """A displayed number as LaTeX: '-3.93e-06' → '-3.93 \\times 10^{-6}', 'inf' → '\\infty'."""
    m = re.fullmatch(r"(-?[0-9.]+)e([+-]?)0*(\d+)", text)
    if m:
        sign = "-" if m.group(2) == "-" else ""
        return f"{m.group(1)} \\times 10^{{{sign}{m.group(3)}}}"
    if text in ("inf", "-inf"):
        return text.replace("inf", "\\infty")
    if text == "nan":
        return "\\mathrm{NaN}"
    return text


def paren(tex: str) -> str:
    """Negative numbers and products in parentheses, as a sheet writes them in a product: (-2.822)."""
    return f"({tex})" if tex.startswith("-") or "\\times" in tex else tex
