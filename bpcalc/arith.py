"""Number systems the evaluator computes in: float (stable forms), hand-rounded floats, exact SymPy."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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
        if not math.isfinite(x):
            return x
        return float(Decimal(repr(x)).quantize(self._quantum, rounding=ROUND_HALF_UP)) + 0.0

    def num(self, x: float | int | str) -> float:
        return float(x)


class ExactMath:
    """Exact rationals for inputs and parameters; transcendental values stay in closed form (SymPy)."""

    name = "exact"
    hand = False

    def __init__(self) -> None:
        import sympy

        self.sp = sympy

    def num(self, x: float | int | str) -> Any:
        if isinstance(x, float):
            x = repr(x)
        return self.sp.Rational(str(x))

    def step(self, x: Any) -> Any:
        return x

    def is_pos(self, x: Any) -> bool:
        return bool(x > 0)

    def exp(self, x: Any) -> Any:
        return self.sp.exp(x)

    def log(self, x: Any) -> Any:
        return self.sp.log(x)

    def log1p(self, x: Any) -> Any:
        return self.sp.log(1 + x)

    def tanh(self, z: Any) -> Any:
        return self.sp.tanh(z)

    def sigmoid(self, z: Any) -> Any:
        return 1 / (1 + self.sp.exp(-z))

    def dsigmoid(self, z: Any) -> Any:
        return self.sp.exp(-z) / (1 + self.sp.exp(-z)) ** 2

    def dtanh(self, z: Any) -> Any:
        return 1 - self.sp.tanh(z) ** 2

    def softplus(self, z: Any) -> Any:
        return self.sp.log(1 + self.sp.exp(z))

    def logsumexp(self, zs: list[Any]) -> Any:
        return self.sp.log(sum(self.sp.exp(z) for z in zs))

    def log_softmax(self, zs: list[Any]) -> list[Any]:
        lse = self.logsumexp(zs)
        return [z - lse for z in zs]

    def fsum(self, xs: list[Any]) -> Any:
        return self.sp.Add(*xs)

    def to_float(self, x: Any) -> float:
        return float(self.sp.N(x, 30))
