"""Number systems the evaluator computes in: float (stable forms), hand-rounded floats, exact SymPy."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable

Number = Any  # float, or a SymPy number in exact mode


class FloatMath:
    """IEEE doubles, with numerically stable forms wherever units saturate."""

    name = "float"
    hand = False  # True: gradients are the product of the displayed (rounded) chain factors

    def num(self, x: float | int | str) -> float:
        return float(x)

    def step(self, x: Number) -> Number:
        """Called on every displayed intermediate; identity except when rounding steps."""
        return x

    def is_pos(self, x: Number) -> bool:
        return x > 0

    def exp(self, x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    def log(self, x: float) -> float:
        return math.log(x) if x > 0 else -math.inf

    def log1p(self, x: float) -> float:
        return math.log1p(x) if x > -1 else -math.inf

    def tanh(self, z: float) -> float:
        return math.tanh(z)

    def sqrt(self, x: float) -> float:
        return math.sqrt(x)

    def sigmoid(self, z: float) -> float:
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def dsigmoid(self, z: float) -> float:
        e = math.exp(-abs(z))
        return e / (1.0 + e) ** 2

    def dtanh(self, z: float) -> float:
        e = math.exp(-2.0 * abs(z))
        return 4.0 * e / (1.0 + e) ** 2

    def softplus(self, z: float) -> float:
        """ln(1 + e^z) without overflow or loss of the small tail."""
        if z > 0:
            return z + math.log1p(math.exp(-z))
        return math.log1p(math.exp(z))

    def logsumexp(self, zs: list[float]) -> float:
        """ln Σ e^z = top + ln(1 + Σ_{others} e^{z − top}), with log1p so a tiny tail is kept."""
        k = max(range(len(zs)), key=lambda i: zs[i])
        top = zs[k]
        return top + math.log1p(math.fsum(math.exp(z - top) for i, z in enumerate(zs) if i != k))

    def log_softmax(self, zs: list[float]) -> list[float]:
        """ln y_k = (o_k − top) − ln(1 + Σ_{others} e^{o_j − top}): ln y of the top class keeps its tail."""
        k = max(range(len(zs)), key=lambda i: zs[i])
        top = zs[k]
        tail = math.log1p(math.fsum(math.exp(z - top) for i, z in enumerate(zs) if i != k))
        return [(z - top) - tail for z in zs]

    def fsum(self, xs: list[float]) -> float:
        return math.fsum(xs)

    def to_float(self, x: Number) -> float:
        return float(x)


class RoundedMath(FloatMath):
    """A careful hand calculation: every displayed intermediate is rounded to N decimals before use."""

    name = "rounded"
    hand = True

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals
        self._quantum = Decimal(1).scaleb(-decimals)

    def step(self, x: float) -> float:
        """Round half up to N decimals, as on paper.

        The double is first read to 12 significant digits, so that binary noise does not move a
        decimal tie: 0.1 × 0.565 is 0.056499999999999995 as a double but 0.0565 on paper → 0.057.
        """
        if not math.isfinite(x):
            return x
        with localcontext() as ctx:  # a double reaches 309 integer digits; the default 28 digits cannot quantize that
            ctx.prec = 400
            return float(Decimal(format(x, ".12g")).quantize(self._quantum, rounding=ROUND_HALF_UP)) + 0.0

    def num(self, x: float | int | str) -> float:
        return float(x)


class Exact:
    """An exact value: its closed form (SymPy, kept while it stays small) and its decimal value.

    The decimal value is computed alongside at the math's working precision (``digits`` + 50
    decimal digits) with the same stable forms as the float path, so it stays right where units
    saturate; whenever the closed form is a rational number the decimal is taken from it exactly.
    Once a closed form would exceed ``CLOSED_FORM_LIMIT`` operations it is dropped (``expr`` is
    None) and only the decimal value is carried on: later samples' closed forms nest every earlier
    update and grow without bound.
    """

    __slots__ = ("expr", "val", "size", "math")

    def __init__(self, expr: Any, val: Any, size: int, math: "ExactMath") -> None:
        if expr is not None and (expr.is_Rational or expr.is_infinite):
            size = 1
            val = math.rational_value(expr)
            if expr.is_Rational and max(int(expr.p).bit_length(), int(expr.q).bit_length()) > RATIONAL_BITS:
                expr, size = None, CLOSED_FORM_LIMIT + 1  # its digits double with every product: go on in decimals
        elif expr is not None and size > CLOSED_FORM_LIMIT:
            expr = None
        self.expr = expr
        self.val = val
        self.size = size
        self.math = math

    # --- arithmetic: closed form and decimal value side by side ---------------------------------

    def _lift(self, other: Any) -> "Exact":
        return other if isinstance(other, Exact) else self.math.num(other)

    def _op(self, other: Any, sym: Callable[[Any, Any], Any], num: Callable[[Any, Any], Any]) -> "Exact":
        o = self._lift(other)
        size = self.size + o.size + 1
        expr = sym(self.expr, o.expr) if self.expr is not None and o.expr is not None and size <= CLOSED_FORM_LIMIT else None
        return Exact(expr, num(self.val, o.val), size, self.math)

    def __add__(self, other: Any) -> "Exact":
        return self._op(other, lambda a, b: a + b, lambda a, b: a + b)

    def __radd__(self, other: Any) -> "Exact":
        return self._lift(other) + self

    def __sub__(self, other: Any) -> "Exact":
        return self._op(other, lambda a, b: a - b, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> "Exact":
        return self._lift(other) - self

    def __mul__(self, other: Any) -> "Exact":
        return self._op(other, lambda a, b: a * b, lambda a, b: a * b)

    def __rmul__(self, other: Any) -> "Exact":
        return self._lift(other) * self

    def __truediv__(self, other: Any) -> "Exact":
        return self._op(other, lambda a, b: a / b, lambda a, b: a / b)

    def __rtruediv__(self, other: Any) -> "Exact":
        return self._lift(other) / self

    def __pow__(self, k: int) -> "Exact":
        return self._op(k, lambda a, b: a**b, lambda a, b: a**b)

    def __neg__(self) -> "Exact":
        return Exact(-self.expr if self.expr is not None else None, -self.val, self.size, self.math)

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        o = self._lift(other)
        if self.expr is not None and o.expr is not None and self.expr.is_Rational and o.expr.is_Rational:
            return bool(self.expr == o.expr)
        return bool(self.val == o.val)

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        return not self == other

    def __gt__(self, other: Any) -> bool:
        return self.math.is_pos(self - other)

    def __lt__(self, other: Any) -> bool:
        return self.math.is_pos(self._lift(other) - self)

    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        return float(self.val)

    def __repr__(self) -> str:
        return f"Exact({self.expr if self.expr is not None else '…'} ≈ {self.math.decimal(self, 15)})"


CLOSED_FORM_LIMIT = 60  # operations a closed form may have before only its decimal value is kept
# bits of a rational's numerator or denominator before only its decimal value is kept: room for the
# problem's own numbers (at most 1000 digits, exponents ±1000) and well under Python's 4,300-digit
# limit on printing integers, so exact rationals never grow without bound (a linear net over epochs)
RATIONAL_BITS = 8000


class ExactMath:
    """Exact rationals for inputs and parameters; transcendental values in closed form beside their decimals."""

    name = "exact"
    hand = False

    def __init__(self, digits: int = 10) -> None:
        import mpmath
        import sympy

        self.sp = sympy
        self.digits = digits
        self.ctx = mpmath.MPContext()
        self.ctx.dps = digits + 50

    # --- values -------------------------------------------------------------------------------

    def rational_value(self, q: Any) -> Any:
        if q.is_infinite:
            return self.ctx.inf if q.is_extended_positive else -self.ctx.inf
        return self.ctx.mpf(int(q.p)) / int(q.q)

    def num(self, x: Any) -> Exact:
        if isinstance(x, Exact):
            return x
        if isinstance(x, float):
            if math.isinf(x):
                return Exact(self.sp.oo if x > 0 else -self.sp.oo, None, 1, self)
            x = repr(x)
        q = self.sp.Rational(str(x))
        return Exact(q, None, 1, self)

    def _f(self, x: Exact, sym: Callable[[Any], Any], num: Callable[[Any], Any], ops: int = 2) -> Exact:
        size = x.size + ops
        expr = sym(x.expr) if x.expr is not None and size <= CLOSED_FORM_LIMIT else None
        return Exact(expr, num(x.val), size, self)

    def step(self, x: Any) -> Any:
        return x

    def is_pos(self, x: Any) -> bool:
        x = self.num(x)
        if x.expr is not None and x.expr.is_Rational:
            return bool(x.expr > 0)
        return bool(x.val > 0)

    # --- functions: closed form as the sheet writes it, value in a stable form ------------------

    def exp(self, x: Exact) -> Exact:
        return self._f(x, self.sp.exp, self.ctx.exp)

    def log(self, x: Exact) -> Exact:
        return self._f(x, self.sp.log, lambda v: self.ctx.log(v) if v > 0 else -self.ctx.inf)

    def log1p(self, x: Exact) -> Exact:
        return self._f(x, lambda e: self.sp.log(1 + e), lambda v: self.ctx.log1p(v) if v > -1 else -self.ctx.inf, 3)

    def tanh(self, z: Exact) -> Exact:
        return self._f(z, self.sp.tanh, self.ctx.tanh)

    def sqrt(self, x: Exact) -> Exact:
        return self._f(x, self.sp.sqrt, self.ctx.sqrt)

    def _sigmoid(self, v: Any) -> Any:
        c = self.ctx
        if v >= 0:
            return 1 / (1 + c.exp(-v))
        e = c.exp(v)
        return e / (1 + e)

    def sigmoid(self, z: Exact) -> Exact:
        sp = self.sp
        return self._f(z, lambda e: 1 / (1 + sp.exp(-e)), self._sigmoid, 5)

    def dsigmoid(self, z: Exact) -> Exact:
        sp, c = self.sp, self.ctx

        def val(v: Any) -> Any:
            e = c.exp(-abs(v))
            return e / (1 + e) ** 2

        return self._f(z, lambda e: sp.exp(-e) / (1 + sp.exp(-e)) ** 2, val, 8)

    def dtanh(self, z: Exact) -> Exact:
        sp, c = self.sp, self.ctx

        def val(v: Any) -> Any:
            e = c.exp(-2 * abs(v))
            return 4 * e / (1 + e) ** 2

        return self._f(z, lambda e: 1 - sp.tanh(e) ** 2, val, 4)

    def softplus(self, z: Exact) -> Exact:
        sp, c = self.sp, self.ctx

        def val(v: Any) -> Any:
            return v + c.log1p(c.exp(-v)) if v > 0 else c.log1p(c.exp(v))

        return self._f(z, lambda e: sp.log(1 + sp.exp(e)), val, 4)

    def logsumexp(self, zs: list[Exact]) -> Exact:
        c = self.ctx
        top = max(z.val for z in zs)
        val = top + c.log(c.fsum(c.exp(z.val - top) for z in zs))
        size = sum(z.size + 2 for z in zs) + 1
        ok = all(z.expr is not None for z in zs) and size <= CLOSED_FORM_LIMIT
        expr = self.sp.log(self.sp.Add(*[self.sp.exp(z.expr) for z in zs])) if ok else None
        return Exact(expr, val, size, self)

    def log_softmax(self, zs: list[Exact]) -> list[Exact]:
        """ln y_k = o_k − ln Σ e^{o_j}; the value as (o_k − top) − ln(1 + Σ_{others} e^{o_j − top})."""
        c = self.ctx
        k = max(range(len(zs)), key=lambda i: zs[i].val)
        top = zs[k].val
        tail = c.log1p(c.fsum(c.exp(z.val - top) for i, z in enumerate(zs) if i != k))
        lse = self.logsumexp(zs)
        return [Exact((z - lse).expr, (z.val - top) - tail, (z - lse).size, self) for z in zs]

    def fsum(self, xs: list[Any]) -> Exact:
        ys = [self.num(x) for x in xs]
        size = sum(y.size for y in ys) + len(ys)
        ok = all(y.expr is not None for y in ys) and size <= CLOSED_FORM_LIMIT
        expr = self.sp.Add(*[y.expr for y in ys]) if ok else None
        return Exact(expr, self.ctx.fsum(y.val for y in ys), size, self)

    # --- output ---------------------------------------------------------------------------------

    def to_float(self, x: Any) -> float:
        return float(self.num(x).val)

    def closed_form(self, x: Any) -> Any:
        """The SymPy closed form, or None where it grew too large to keep."""
        return self.num(x).expr

    def decimal(self, x: Any, digits: int | None = None) -> str:
        """The value to ``digits`` significant digits (default: the math's ``digits``), as a plain decimal string."""
        x = self.num(x)
        d = digits or self.digits
        if self.ctx.isinf(x.val) or self.ctx.isnan(x.val):
            return str(float(x.val))
        if x.val == 0:
            return "0"
        return self.ctx.nstr(x.val, d, strip_zeros=False, min_fixed=-4, max_fixed=d if d > 9 else 9)
