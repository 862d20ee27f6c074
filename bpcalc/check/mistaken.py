"""How each classic mistake works a sample: the correct working with one piece changed."""

from __future__ import annotations

from typing import Any, Mapping

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.check.working import SampleContext, Working
from bpcalc.evaluate import Pass
from bpcalc.network import Network, Param
from bpcalc.problem import Num, Problem


class LearningRateLeftOut(Working):
    def update(self, m: Any, before: Any, gradient: Any, lr: Any) -> Any:
        return m.step(before - gradient)


class LearningRateTwice(Working):
    def update(self, m: Any, before: Any, gradient: Any, lr: Any) -> Any:
        return m.step(before - m.step(lr * lr * gradient))


class SignFlipped(Working):
    def update(self, m: Any, before: Any, gradient: Any, lr: Any) -> Any:
        return m.step(before + m.step(lr * gradient))


class BiasTimesInput(Working):
    """Every bias gradient multiplied by the ``position``-th input of its unit."""

    def __init__(self, position: int) -> None:
        self.position = position

    def source(self, net: Network, bias: Param) -> Any:
        prev = net.units[bias.target.layer - 1]
        return prev[self.position] if self.position < len(prev) else None

    def gradients(self, ctx: SampleContext, m: Any, p: Pass) -> dict[str, Any]:
        out = dict(p.gradients)
        inputs = self.inputs(ctx)
        for q in ctx.net.params:
            s = self.source(ctx.net, q) if q.is_bias else None
            if s is not None:
                value = m.num(inputs[s.name]) if s.layer == 0 else p.forward[s.name]
                out[q.name] = m.step(p.gradients[q.name] * value)
        return out


class DroppedFactor(Working):
    """Every gradient worked without the ``index``-th factor of its chain."""

    def __init__(self, index: int) -> None:
        self.index = index

    def gradients(self, ctx: SampleContext, m: Any, p: Pass) -> dict[str, Any]:
        out = dict(p.gradients)
        for q in ctx.net.params:
            keys = ctx.net.chain(q)
            if self.index < len(keys):
                rest = [p.factors[k] for i, k in enumerate(keys) if i != self.index]
                product = rest[0]
                for x in rest[1:]:
                    product = product * x
                out[q.name] = m.step(product)
        return out


class OneMinusTanhMath:
    """Number-system mixin: tanh'(z) taken as 1 - tanh(z)."""

    def dtanh(self, z: Any) -> Any:
        return 1 - self.tanh(z)  # type: ignore[attr-defined]


class SigmoidPrimeForTanhMath:
    """Number-system mixin: tanh'(z) taken as σ'(z)."""

    def dtanh(self, z: Any) -> Any:
        return FloatMath.dsigmoid(self, z)  # type: ignore[arg-type]


class SigmoidForSigmoidPrimeMath:
    """Number-system mixin: σ'(z) taken as σ(z)."""

    hand = True  # work dL/dy · dy/do as written, not the stable y - t

    def dsigmoid(self, z: Any) -> Any:
        return self.sigmoid(z)  # type: ignore[attr-defined]


class WrongDerivative(Working):
    """The number system with one derivative replaced (a mixin over float or rounded arithmetic)."""

    def __init__(self, mixin: type, activation: str) -> None:
        self.activation = activation
        self.float_type = type(f"Float{mixin.__name__}", (mixin, FloatMath), {})
        self.rounded_type = type(f"Rounded{mixin.__name__}", (mixin, RoundedMath), {})

    def math(self, decimals: int | None) -> Any:
        return self.float_type() if decimals is None else self.rounded_type(decimals)

    def applies(self, problem: Problem) -> bool:
        return self.activation in problem.network.activations


class UpdatedWeights(Working):
    """The backward pass run through weights already updated with this sample's gradients."""

    def applies(self, problem: Problem) -> bool:
        return problem.update == "online" and len(problem.network.layers) >= 3

    def backward(self, ctx: SampleContext, m: Any, params: dict[str, Any], first: Pass) -> Mapping[str, Any] | None:
        lr = m.num(ctx.problem.learning_rate)
        out = dict(params)
        for q in later_weights(ctx.net):
            if q.name in ctx.problem.frozen:
                continue
            if q.name in ctx.after:
                out[q.name] = m.num(ctx.after[q.name])
            else:
                g = m.num(ctx.gradients[q.name]) if q.name in ctx.gradients else first.gradients[q.name]
                out[q.name] = self.update(m, params[q.name], g, lr)
        return out


def later_weights(net: Network) -> list[Param]:
    """The weights that carry deltas back to a hidden layer."""
    return [q for q in net.params if not q.is_bias and q.source is not None and q.source.layer >= 1]


class TargetFlipped(Working):
    def targets(self, ctx: SampleContext) -> dict[str, Num]:
        return {k: 1 - v for k, v in ctx.targets.items()}


class InputsSwapped(Working):
    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def inputs(self, ctx: SampleContext) -> dict[str, Num]:
        x = dict(ctx.inputs)
        x[self.a], x[self.b] = x[self.b], x[self.a]
        return x
