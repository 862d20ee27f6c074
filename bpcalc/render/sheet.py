"""Print SymPy expressions the way a sheet writes them: y − t before −t + y, e^(−o), H1², β4, α_H1."""

from __future__ import annotations

import re
from typing import Any

from sympy.printing.str import StrPrinter

from bpcalc.network import latex_name, pretty

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class SheetPrinter(StrPrinter):
    """StrPrinter with positive terms first, so sums read as on paper."""

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        terms = list(expr.args)
        numbers = [t for t in terms if t.is_Number and t > 0]
        positive = [t for t in terms if t not in numbers and not t.could_extract_minus_sign()]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        out = ""
        for i, t in enumerate(numbers + positive + negative):
            if t.could_extract_minus_sign():
                body = self.parenthesize(-t, self._prec_add(expr))
                out += f" - {body}" if i else f"-{body}"
            else:
                body = self.parenthesize(t, self._prec_add(expr))
                out += f" + {body}" if i else body
        return out

    @staticmethod
    def _prec_add(expr: Any) -> int:
        from sympy.printing.precedence import precedence

        return precedence(expr)

    def _print_exp(self, expr: Any) -> str:
        return f"e^({self._print(expr.args[0])})"

    def _print_Symbol(self, expr: Any) -> str:
        return pretty(expr.name)

    words = True  # Piecewise in words; plain_str keeps SymPy's syntax

    def _print_Piecewise(self, expr: Any) -> str:
        """relu' as the sheet writes it: (1 if α_H1 > 0, else 0); sheet_str drops the parentheses when it stands alone."""
        if not self.words:
            return str(self._print_Basic(expr))
        parts = [f"else {self._print(e)}" if c == True else f"{self._print(e)} if {self._print(c)}" for e, c in expr.args]  # noqa: E712
        return "(" + ", ".join(parts) + ")"


def sheet_str(expr: Any) -> str:
    """Unicode text: (y - t)·w31·(1 - H1²)·f1."""
    text = SheetPrinter().doprint(expr)
    text = text[1:-1] if getattr(expr, "is_Piecewise", False) else text
    text = re.sub(r"\*\*(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    return text.replace("*", "·")


def plain_str(expr: Any) -> str:
    """SymPy syntax (parsable by sympify), with sums ordered as on paper."""
    printer = SheetPrinter()
    printer.words = False
    return printer.doprint(expr).replace("e^(", "exp(").replace("β", "b").replace("θ", "theta").replace("α_", "alpha_").replace("δ_", "delta_")


def paper_order(terms: list[Any]) -> list[Any]:
    """Terms of a sum as written on paper: positive numbers, then positive terms, then negative ones (y - t, 1 - H1²)."""
    numbers = [t for t in terms if t.is_Number and t > 0]
    positive = [t for t in terms if t not in numbers and not t.could_extract_minus_sign()]
    negative = [t for t in terms if t.could_extract_minus_sign()]
    return numbers + positive + negative


def _latex_printer() -> Any:
    from sympy.printing.latex import LatexPrinter

    class SheetLatexPrinter(LatexPrinter):
        """LaTeX with sums ordered as on paper and names as the sheet writes them (w_{31}, \\beta_{4}, \\alpha_{H_{1}})."""

        def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
            return paper_order(list(super()._as_ordered_terms(expr, order=order)))

        def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
            return latex_name(expr.name)

    return SheetLatexPrinter


def latex(expr: Any) -> str:
    """LaTeX of an expression: \\frac{y - t}{y \\left(1 - y\\right)}, e^{- o}, w_{31}."""
    return _latex_printer()({"ln_notation": True}).doprint(expr)


def chain_ordered(product: Any, factors: Any) -> list[Any]:
    """The product's factors in chain-rule order ((y − t) first, the input last), as on the sheet."""
    import sympy as sp

    def rank(arg: Any) -> int:
        syms = arg.free_symbols
        for i, f in enumerate(factors):
            if syms & f.simple.free_symbols:
                return i
        return -1 if arg.is_Number else len(factors)

    return sorted(sp.Mul.make_args(product), key=rank)


def _sign(args: list[Any]) -> tuple[str, list[Any]]:
    """A leading factor −1 (a threshold's dα/dθ) as a minus sign: −y·(1 − y), not −1·y·(1 − y)."""
    if len(args) > 1 and args[0] == -1:
        return "-", args[1:]
    return "", args


def product_str(product: Any, factors: Any) -> str:
    sign, args = _sign(chain_ordered(product, factors))
    if len(args) == 1:
        return sign + sheet_str(args[0])
    parts = []
    for a in args:
        s = sheet_str(a)
        parts.append(f"({s})" if a.is_Add or a.is_Piecewise else s)
    return sign + "·".join(parts)


def product_latex(product: Any, factors: Any) -> str:
    sign, args = _sign(chain_ordered(product, factors))
    parts = []
    for a in args:
        s = latex(a)
        parts.append(f"\\left({s}\\right)" if a.is_Add and len(args) > 1 else s)
    return sign + " \\cdot ".join(parts)
