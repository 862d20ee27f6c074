"""Print SymPy expressions the way a sheet writes them: y − t before −t + y, e^(−o), H1², β4, α_H1."""

from __future__ import annotations

import re
from functools import cmp_to_key
from typing import Any, Mapping

from sympy.core.mul import Mul
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from bpcalc.names import SHEET, Name
from bpcalc.network import latex_name, pretty

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_MUL = PRECEDENCE["Mul"]
_SYMBOLS: dict[tuple[type, str], str] = {}  # a symbol's text (it depends only on its class and name)
_SYMBOLS_KEPT = 65536


class SheetPrinter(StrPrinter):
    """StrPrinter with positive terms first, so sums read as on paper.

    Sums and products of plain symbols (a wide layer's Σ δ·w) take short paths that print exactly
    what StrPrinter would, without its sort keys of whole sums or its ``-x`` built to test a sign.
    """

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        terms = list(expr.args)
        numbers = [t for t in terms if t.is_Number and t > 0]
        signs = [_minus(t) for t in terms]
        positive = [t for t, minus in zip(terms, signs) if not minus and t not in numbers]
        negative = [t for t, minus in zip(terms, signs) if minus]
        prec = precedence(expr)
        out = []
        for i, t in enumerate(numbers + positive):
            body = self.parenthesize(t, prec)
            out.append(f" + {body}" if i else body)
        for i, t in enumerate(negative, len(out)):
            body = self.parenthesize(-t, prec)
            out.append(f" - {body}" if i else f"-{body}")
        return "".join(out)

    def _print_exp(self, expr: Any) -> str:
        return f"e^({self._print(expr.args[0])})"

    names: Mapping[str, Name] | None = None  # structured names of the keys, when the caller has them (no parsing)

    def _print_Symbol(self, expr: Any) -> str:
        n = self.names.get(expr.name) if self.names else None
        return SHEET.text(n) if n is not None else pretty(expr.name)

    def _symbol(self, expr: Any) -> str:
        key = (type(expr), expr.name)
        text = _SYMBOLS.get(key)
        if text is None:
            if len(_SYMBOLS) >= _SYMBOLS_KEPT:  # a long-lived process printing many networks: start again
                _SYMBOLS.clear()
            text = _SYMBOLS[key] = self._print(expr)
        return text

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        if item.is_Symbol:
            return self._symbol(item)
        if type(item) is Mul and not item.args[0].is_Number:  # no sign to look for; _print would dispatch to _print_Mul
            text = self._print_Mul(item)
            return f"({text})" if _MUL < level or (not strict and _MUL <= level) else text
        p = precedence(item)
        if p < level or (not strict and p <= level):
            return f"({self._print(item)})"
        return str(self._print(item))

    def _print_Mul(self, expr: Any) -> str:
        args = expr.args
        if all(_plain_symbol(a) for a in args):  # δ_H3·w31: the symbols sorted by name, as sort_key orders them
            return "*".join(self._symbol(a) for a in sorted(args, key=_symbol_key))
        if all(_unsigned_factor(a) for a in args):  # no coefficient, no denominator: the factors in sort_key order
            return "*".join(self.parenthesize(a, _MUL, strict=False) for a in sorted(args, key=_FACTOR_ORDER))
        return str(super()._print_Mul(expr))

    words = True  # Piecewise in words; plain_str keeps SymPy's syntax

    def _print_Piecewise(self, expr: Any) -> str:
        """relu' as the sheet writes it: (1 if α_H1 > 0, else 0); sheet_str drops the parentheses when it stands alone."""
        if not self.words:
            return str(self._print_Basic(expr))
        parts = [f"else {self._print(e)}" if c == True else f"{self._print(e)} if {self._print(c)}" for e, c in expr.args]  # noqa: E712
        return "(" + ", ".join(parts) + ")"


def _minus(t: Any) -> bool:
    """``t.could_extract_minus_sign()``, without building -t for a product with no number in front."""
    if t.is_Symbol or (t.is_Mul and not t.args[0].is_Number):
        return False
    return bool(t.could_extract_minus_sign())


def _plain_symbol(a: Any) -> bool:
    return bool(a.is_Symbol and a.is_commutative and not a.is_Dummy)


def _symbol_key(a: Any) -> tuple[Any, str]:
    return (a.class_key(), str(a.name))


def _unsigned_factor(a: Any) -> bool:
    """A factor StrPrinter puts in the numerator as it is: not a number, not a power with a negative or integer-only form."""
    if a.is_Number or not a.is_commutative:
        return False
    if a.is_Pow:
        return bool(a.exp.is_Integer and a.exp > 0 and not a.base.is_Integer)
    return True


def _head(a: Any) -> tuple[Any, int]:
    """The start of ``a.sort_key()`` (class key, number of arguments); for a sum without its terms' keys."""
    if a.is_Add:
        return (a.class_key(), len(a.args))
    key = a.sort_key()
    return (key[0], key[1][0])


def _compare(a: Any, b: Any) -> int:
    """sort_key order, taking whole keys only when the heads tie (a sum's key orders all its terms)."""
    ha, hb = _head(a), _head(b)
    if ha != hb:
        return -1 if ha < hb else 1
    ka, kb = a.sort_key(), b.sort_key()
    return -1 if ka < kb else (1 if kb < ka else 0)


_FACTOR_ORDER = cmp_to_key(_compare)


def sheet_str(expr: Any, names: Mapping[str, Name] | None = None) -> str:
    """Unicode text: (y - t)·w31·(1 - H1²)·f1 (``names``: the structured names of its symbols' keys, if known)."""
    printer = SheetPrinter()
    printer.names = names
    text = printer.doprint(expr)
    text = text[1:-1] if getattr(expr, "is_Piecewise", False) else text
    text = re.sub(r"\*\*(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    return text.replace("*", "·")


def plain_str(expr: Any, names: Mapping[str, Name] | None = None) -> str:
    """SymPy syntax (parsable by sympify), with sums ordered as on paper."""
    printer = SheetPrinter()
    printer.words = False
    printer.names = names
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


def _sum(parts: list[tuple[Any, str]], left: str = "(", right: str = ")", gap: str = "") -> str:
    """Chains' products added (``gap`` before each sign: a line break in LaTeX): a sum among them in parentheses,
    a negative one subtracted."""
    out = ""
    for i, (term, text) in enumerate(parts):
        text = f"{left}{text}{right}" if term.is_Add and len(parts) > 1 else text
        out += text if not i else (f"{gap} - {text[1:]}" if text.startswith("-") else f"{gap} + {text}")
    return out


def chains_str(products: Any, chains: Any) -> str:
    """The simplified gradient: one chain's product, or the sum of each unit's (a bias shared by a layer)."""
    return _sum([(t, product_str(t, c)) for t, c in zip(products, chains)])


def chains_latex(products: Any, chains: Any, gap: str = "") -> str:
    return _sum([(t, product_latex(t, c)) for t, c in zip(products, chains)], "\\left(", "\\right)", gap)


LATEX_NEXT_CHAIN = " \\\\\n&\\quad"  # in an aligned block: each further chain of a sum on a line of its own


def product_latex(product: Any, factors: Any) -> str:
    sign, args = _sign(chain_ordered(product, factors))
    parts = []
    for a in args:
        s = latex(a)
        parts.append(f"\\left({s}\\right)" if a.is_Add and len(args) > 1 else s)
    return sign + " \\cdot ".join(parts)
