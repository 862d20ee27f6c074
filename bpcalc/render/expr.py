"""Write a formula tree as terminal text or as LaTeX math, numbers through the caller's formatter."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from bpcalc import formula as F
from bpcalc.functions import fraction_text
from bpcalc.names import SHEET, Notation
from bpcalc.render.values import paren, tex_number

NumberText = Callable[[F.Num], str]
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


_METHOD = {cls: "_" + cls.__name__.lower() for cls in (F.Sym, F.Num, F.Add, F.Mul, F.Div, F.Pow, F.Neg, F.Call, F.Cases, F.Cmp)}


def negated(n: F.Num) -> F.Num:
    return F.Num(-n.value, n.role)


def _prec(e: F.Expr, num: NumberText) -> int:
    """Binding: 0 comparison or cases, 1 sum, 2 leading minus, 3 product or fraction, 4 power, 5 atom."""
    if isinstance(e, (F.Cmp, F.Cases)):
        return 0
    if isinstance(e, F.Add):
        return 1
    if isinstance(e, F.Neg):
        return 2
    if isinstance(e, (F.Mul, F.Div)):
        return 3
    if isinstance(e, F.Pow):
        return 4
    if isinstance(e, F.Num):
        return 2 if _negative(e) else 5
    return 5


def _negative(n: F.Num) -> bool:
    """Whether a number prints with a leading minus (a negative zero prints as 0)."""
    try:
        return float(n.value) < 0
    except (TypeError, ValueError):
        return False


class _Printer:
    def __init__(self, num: NumberText, names: Notation = SHEET) -> None:
        self.num = num
        self.names = names

    def p(self, e: F.Expr, below: int) -> str:
        """``e`` in parentheses when it binds looser than ``below``."""
        s = self.write(e)
        return self.paren(s) if _prec(e, self.num) < below else s

    def paren(self, s: str) -> str:
        return f"({s})"

    def number_paren(self, s: str) -> str:
        """A negative number as a sheet writes it after a sign: (-0.100)."""
        return f"({s})"

    def write(self, e: F.Expr) -> str:
        return getattr(self, _METHOD[type(e)])(e)  # type: ignore[no-any-return]

    def _neg(self, e: F.Neg) -> str:
        if isinstance(e.arg, F.Num):
            return self.write(negated(e.arg))
        return "-" + self.p(e.arg, 3)

    def _add(self, e: F.Add) -> str:
        out = self.p(e.terms[0], 1)
        for t in e.terms[1:]:
            if isinstance(t, F.Neg) and t.as_written and isinstance(t.arg, F.Num):  # − θ with θ = -0.1: - (-0.100)
                s = self.write(t.arg)
                out += " - " + (self.number_paren(s) if s.startswith("-") else s)
            elif isinstance(t, F.Neg) and not isinstance(t.arg, F.Num):
                out += " - " + self.p(t.arg, 2)
            elif isinstance(t, F.Neg) and isinstance(t.arg, F.Num) and not self.num(t.arg).startswith("-"):
                out += " - " + self.write(t.arg)
            else:
                s = self.write(t)
                if s.startswith("-") and not isinstance(t, F.Num):  # -a·b + ... written a sum's way: ... - a·b
                    out += " - " + s[1:]
                else:
                    out += " + " + (self.paren(s) if s.startswith("-") else s)
        return out

    def _cmp(self, e: F.Cmp) -> str:
        return f"{self.p(e.left, 1)} {e.op} {self.p(e.right, 1)}"


class TextPrinter(_Printer):
    """Unicode text as a sheet writes it in a table: (y - t)/(y·(1 - y)), e^(-o), (-2.822) × (0.229)."""

    def _sym(self, e: F.Sym) -> str:
        return self.names.text(e.name)

    def _num(self, e: F.Num) -> str:
        return self.num(e)

    def _mul(self, e: F.Mul) -> str:
        if e.times:
            return " × ".join(self.paren(self.write(f)) for f in e.factors)
        parts = []
        for i, f in enumerate(e.factors):
            s = self.write(f)
            if (
                _prec(f, self.num) < (2 if i == 0 else 3)
                or (i and isinstance(f, F.Num))
                or (isinstance(f, F.Num) and "/" in s)  # (2/3)·α_H1, never 2/3·α_H1
                or (s.startswith("-") and isinstance(f, F.Num) and f.role != "const")
                or (isinstance(f, F.Div) and len(e.factors) > 1)  # (a/b)·c, never a/b·c
            ):
                s = self.paren(s)
            parts.append(s)
        return "·".join(parts)

    def _div(self, e: F.Div) -> str:
        return f"{self.p(e.num, 2)}/{self.p(e.den, 4)}"

    def _pow(self, e: F.Pow) -> str:
        base = self.p(e.base, 5)
        if isinstance(e.base, F.Num) and "e" in base:  # 2.46e-04²: the power is of the whole number
            base = self.paren(base)
        return base + str(e.exp).translate(_SUPERSCRIPT)

    def _call(self, e: F.Call) -> str:
        arg = self.write(e.arg)
        return {"exp": f"e^({arg})", "ln": f"ln({arg})", "tanh": f"tanh({arg})", "sigmoid": f"σ({arg})", "max0": f"max(0, {arg})", "sqrt": f"√({arg})"}[e.fn]

    def _cases(self, e: F.Cases) -> str:
        return ", else ".join(self.write(v) + (f" if {self.write(c)}" if c is not None else "") for v, c in e.pairs)


class LatexPrinter(_Printer):
    r"""LaTeX math: \frac{y - t}{y \left(1 - y\right)}, e^{-o}, (-2.822) \times 0.229."""

    def paren(self, s: str) -> str:
        return f"\\left({s}\\right)"

    def _sym(self, e: F.Sym) -> str:
        return self.names.latex(e.name)

    def _num(self, e: F.Num) -> str:
        v = e.value
        if e.role == "const" and isinstance(v, Fraction) and "/" in fraction_text(v):  # 2/3 → \tfrac{2}{3}
            return f"{'-' if v < 0 else ''}\\tfrac{{{abs(v.numerator)}}}{{{v.denominator}}}"
        return tex_number(self.num(e))

    def _mul(self, e: F.Mul) -> str:
        if e.times:
            return " \\times ".join(paren(self.write(f)) for f in e.factors)
        parts = []
        numeric = [isinstance(f, F.Num) or (isinstance(f, F.Neg) and isinstance(f.arg, F.Num)) for f in e.factors]
        for i, f in enumerate(e.factors):
            s = self.write(f)
            if numeric[i] and (i or getattr(f, "role", "") != "const"):
                s = paren(s)
            elif isinstance(f, F.Add) or (i and _prec(f, self.num) < 3):
                s = self.paren(s)
            parts.append(s)
        named = any(isinstance(f, F.Sym) and f.name.kind == "factor" for f in e.factors)
        return (" \\cdot " if any(numeric[1:]) or named else " ").join(parts)

    def _div(self, e: F.Div) -> str:
        return f"\\frac{{{self.write(e.num)}}}{{{self.write(e.den)}}}"

    def _pow(self, e: F.Pow) -> str:
        base = self.p(e.base, 5)
        if isinstance(e.base, F.Num) and "\\times" in base:  # 2.46 \times 10^{-4}: the power is of the whole number
            base = self.paren(base)
        return f"{base}^{{{e.exp}}}"

    def _call(self, e: F.Call) -> str:
        arg = self.write(e.arg)
        if e.fn == "exp":
            return f"e^{{{arg}}}"
        if e.fn == "ln":
            return f"\\ln {arg}" if isinstance(e.arg, F.Sym) else f"\\ln({arg})"
        return {"tanh": f"\\tanh({arg})", "sigmoid": f"\\sigma({arg})", "max0": f"\\max(0, {arg})", "sqrt": f"\\sqrt{{{arg}}}"}[e.fn]

    def _cases(self, e: F.Cases) -> str:
        rows = [self.write(v) + (f" & \\text{{if }} {self.write(c)}" if c is not None else " & \\text{otherwise}") for v, c in e.pairs]
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"


def text(e: F.Expr, num: NumberText, names: Notation = SHEET) -> str:
    return TextPrinter(num, names).write(e)


def latex(e: F.Expr, num: NumberText, names: Notation = SHEET) -> str:
    return LatexPrinter(num, names).write(e)


def const_text(n: F.Num) -> str:
    """A formula's constant: 4, 0.5, an activation's parameter exactly as the file gave it (0.1, 1.7159, 2/3)."""
    v = n.value
    if isinstance(v, Fraction):
        return fraction_text(v)
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def number_text(nums: Any) -> NumberText:
    """How a worksheet's numbers read inside formulas: constants and given numbers as written, values whole when whole."""
    from bpcalc.render.numbers import given

    memo: dict[tuple[str, Any], str] = {}

    def fmt(n: F.Num) -> str:
        key = (n.role, n.value)
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable number: format it each time
            return formatted(n)
        text = memo[key] = formatted(n)
        return text

    def formatted(n: F.Num) -> str:
        if n.role == "const":
            return const_text(n)
        if n.role == "given":
            return given(n.value)
        return nums.value(n.value)

    return fmt
