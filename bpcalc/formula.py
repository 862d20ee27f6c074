"""Formulas as small trees (names, numbers, sums, products, fractions), built from functions.py's own definitions.

No SymPy: ``BUILD`` stands in for the ``sp`` module that :mod:`bpcalc.functions` is written
against (``exp``, ``log``, ``tanh``, ``Piecewise``, ...), so an activation's or a loss's formula is
defined once and a worksheet gets it as a tree that each printer writes in its own medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bpcalc.names import Name


class Expr:
    """Operators build trees, so ``4 * exp(-2 * z) / (1 + exp(-2 * z)) ** 2`` works on ``Expr`` as on SymPy."""

    def __add__(self, o: Any) -> Expr:
        return add(self, lift(o))

    def __radd__(self, o: Any) -> Expr:
        return add(lift(o), self)

    def __sub__(self, o: Any) -> Expr:
        return add(self, Neg(lift(o)))

    def __rsub__(self, o: Any) -> Expr:
        return add(lift(o), Neg(self))

    def __mul__(self, o: Any) -> Expr:
        return mul(self, lift(o))

    def __rmul__(self, o: Any) -> Expr:
        return mul(lift(o), self)

    def __truediv__(self, o: Any) -> Expr:
        return Div(self, lift(o))

    def __rtruediv__(self, o: Any) -> Expr:
        return Div(lift(o), self)

    def __pow__(self, n: int) -> Expr:
        return Pow(self, n)

    def __neg__(self) -> Expr:
        return Neg(self)

    def __gt__(self, o: Any) -> Expr:  # type: ignore[override]
        return Cmp(self, ">", lift(o))


@dataclass(frozen=True, eq=False)
class Sym(Expr):
    name: Name


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A number: ``role`` 'const' (a constant of the formula: 4, 1, an activation's parameter 0.1 or 2/3), 'given' (as the problem wrote it) or 'value' (computed)."""

    value: Any
    role: str = "value"


@dataclass(frozen=True, eq=False)
class Add(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Mul(Expr):
    """A product; ``times`` marks a product of substituted values, written with × as the sheet does."""

    factors: tuple[Expr, ...]
    times: bool = False


@dataclass(frozen=True, eq=False)
class Div(Expr):
    num: Expr
    den: Expr


@dataclass(frozen=True, eq=False)
class Pow(Expr):
    base: Expr
    exp: int


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    """-arg; ``as_written``: a subtraction the sheet writes out even once a negative number is put in (− θ: - (-0.100))."""

    arg: Expr
    as_written: bool = False


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """A function applied: fn is one of exp, ln, tanh, sigmoid, max0, softmax_sum (Σ_j e^{o_j})."""

    fn: str
    arg: Expr


@dataclass(frozen=True, eq=False)
class Cases(Expr):
    pairs: tuple[tuple[Expr, Expr | None], ...]  # (value, condition); None: otherwise


@dataclass(frozen=True, eq=False)
class Cmp(Expr):
    left: Expr
    op: str
    right: Expr


def lift(x: Any) -> Expr:
    return x if isinstance(x, Expr) else Num(x, "const")


def add(a: Expr, b: Expr) -> Expr:
    return Add((*(a.terms if isinstance(a, Add) else (a,)), *(b.terms if isinstance(b, Add) else (b,))))


def mul(a: Expr, b: Expr) -> Expr:
    return Mul((*(a.factors if isinstance(a, Mul) and not a.times else (a,)), *(b.factors if isinstance(b, Mul) and not b.times else (b,))))


def times(values: list[Any]) -> Expr:
    """The sheet's product of substituted values: (-2.822) × (0.229) × (1)."""
    return Mul(tuple(Num(v) if not isinstance(v, Expr) else v for v in values), times=True)


def product(exprs: list[Expr]) -> Expr:
    return exprs[0] if len(exprs) == 1 else Mul(tuple(exprs))


class _Build:
    """The part of SymPy's interface that functions.py uses, building ``Expr`` trees."""

    def exp(self, x: Any) -> Expr:
        return Call("exp", lift(x))

    def log(self, x: Any) -> Expr:
        return Call("ln", lift(x))

    def tanh(self, x: Any) -> Expr:
        return Call("tanh", lift(x))

    def Max(self, a: Any, b: Any) -> Expr:  # noqa: N802 - SymPy's spelling
        return Call("max0", lift(b))

    def Integer(self, n: int) -> Expr:  # noqa: N802
        return Num(n, "const")

    def Rational(self, p: int, q: int) -> Expr:  # noqa: N802
        return Num(Fraction(p, q), "const")  # exact: an activation's 2/3 prints as 2/3

    def Eq(self, a: Any, b: Any) -> Expr:  # noqa: N802
        return Cmp(lift(a), "=", lift(b))

    def Piecewise(self, *pairs: tuple[Any, Any]) -> Expr:  # noqa: N802
        return Cases(tuple((lift(v), None if c is True else c) for v, c in pairs))

    def Add(self, *terms: Any) -> Expr:  # noqa: N802
        out = lift(terms[0])
        for t in terms[1:]:
            out = add(out, lift(t))
        return out


BUILD = _Build()
