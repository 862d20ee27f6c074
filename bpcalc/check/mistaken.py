"""How each classic mistake works a sample: the correct working with one piece changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bpcalc.check.model import Key
from bpcalc.check.working import SampleContext, Working
from bpcalc.evaluate import SGD, Derivative, Pass, UpdateRule, update_rule
from bpcalc.network import Network, Param
from bpcalc.optim import Momentum
from bpcalc.problem import Num, Problem


class _UpdateOnly(Working):
    """A mistake in the update alone: it changes the parameters after, nothing before them."""

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind == "parameter_after"


class LearningRateLeftOut(_UpdateOnly):
    def rate(self, m: Any, lr: Any) -> Any:
        return m.num(1)


class LearningRateTwice(_UpdateOnly):
    def rate(self, m: Any, lr: Any) -> Any:
        return lr * lr


class SignFlipped(_UpdateOnly):
    def rate(self, m: Any, lr: Any) -> Any:
        return -lr


class BiasTimesInput(Working):
    """Every bias gradient multiplied by the ``position``-th input of its unit."""

    def __init__(self, position: int) -> None:
        self.position = position

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind in ("gradient", "parameter_after") and net.param_index[key.name].is_bias

    def source(self, net: Network, bias: Param) -> Any:
        prev = net.units[bias.target.layer - 1]
        return prev[self.position] if self.position < len(prev) else None

    def gradients(self, ctx: SampleContext, m: Any, p: Pass, style: str) -> dict[str, Any]:
        out = dict(p.gradients)
        inputs = self.inputs(ctx)
        for q in ctx.net.params:
            s = self.source(ctx.net, q) if q.is_bias else None
            if s is not None:
                value = m.num(inputs[s.name]) if s.layer == 0 else p.forward[s.name]
                out[q.name] = m.step(_unit_delta(ctx.net, m, p, q, style) * value)
        return out


def _unit_delta(net: Network, m: Any, p: Pass, q: Param, style: str) -> Any:
    """dL/d(pre-activation) of q's unit as the working has it: the sheet's rounded factors, or its δ."""
    if style != "factors":
        return p.deltas[q.target.pre]
    product = m.num(1)
    for k in net.chain(q)[:-1]:
        product = product * p.factors[k]
    return product


class DroppedFactor(Working):
    """Every gradient worked without the ``index``-th factor of its chain."""

    def __init__(self, index: int) -> None:
        self.index = index

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind in ("gradient", "parameter_after")

    def gradients(self, ctx: SampleContext, m: Any, p: Pass, style: str) -> dict[str, Any]:
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


def one_minus_tanh(m: Any, z: Any, a: Any) -> Any:
    """tanh'(z) taken as 1 - tanh(z)."""
    return 1 - a


def sigmoid_prime_for_tanh(m: Any, z: Any, a: Any) -> Any:
    """tanh'(z) taken as σ'(z)."""
    return m.dsigmoid(z)


def sigmoid_for_sigmoid_prime(m: Any, z: Any, a: Any) -> Any:
    """σ'(z) taken as σ(z)."""
    return a


class WrongDerivative(Working):
    """One activation's derivative taken wrongly (``taken``): at every unit with it, or at the ``units`` named."""

    def __init__(self, taken: Derivative, activation: str, units: tuple[str, ...] = ()) -> None:
        self.taken = taken
        self.activation = activation
        self.units = units

    def applies(self, problem: Problem) -> bool:
        return self.activation in problem.network.activations

    def derivatives(self, ctx: SampleContext) -> Mapping[str, Derivative]:
        net = ctx.net
        return {
            u.name: self.taken
            for li, row in enumerate(net.units)
            if li and net.activations[li - 1] == self.activation
            for u in row
            if not self.units or u.name in self.units
        }


def derivative_variants(problem: Problem, taken: Derivative, activation: str) -> list[Working]:
    """The derivative taken wrongly everywhere, in one layer only, or at one unit only."""
    net = problem.network
    layers = [[u.name for u in row] for li, row in enumerate(net.units) if li and net.activations[li - 1] == activation]
    out: list[Working] = [WrongDerivative(taken, activation)]
    if len(layers) > 1:
        out += [WrongDerivative(taken, activation, tuple(names)) for names in layers]
    if sum(len(names) for names in layers) > 1:
        out += [WrongDerivative(taken, activation, (name,)) for names in layers for name in names]
    return out


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
                out[q.name] = update_rule(ctx.problem).move(m, params[q.name], g, lr, ctx.kept.get(q.name))[1]
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


class BiasesNotUpdated(_UpdateOnly):
    """Every bias left as it was: the update made for the weights only."""

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind == "parameter_after" and net.param_index[key.name].is_bias

    def applies(self, problem: Problem) -> bool:
        return problem.network.bias

    def frozen(self, problem: Problem) -> frozenset[str]:
        return problem.frozen | {q.name for q in problem.network.params if q.is_bias}


def tanh_without_four(m: Any, z: Any, a: Any) -> Any:
    """tanh'(z) written e^{−2z}/(1 + e^{−2z})², without its factor 4."""
    return m.dtanh(z) / 4


class LossGradientTaken(Working):
    """dL/dy taken wrongly at every elementwise output: ``taken(m, y, t, correct)``."""

    def __init__(self, taken: Any, losses: tuple[str, ...] = ()) -> None:
        self.taken = taken
        self.losses = losses

    def applies(self, problem: Problem) -> bool:
        net = problem.network
        return net.activation(len(net.layers) - 1).elementwise and (not self.losses or net.loss_name in self.losses)

    def loss_gradients(self, ctx: SampleContext) -> Mapping[str, Any]:
        return {u.name: self.taken for u in ctx.net.outputs}


def sign_flipped_gradient(m: Any, y: Any, t: Any, correct: Any) -> Any:
    """dL/dy with its sign flipped: (t − y)/(y(1 − y)) for cross-entropy."""
    return -correct


def squared_error_gradient(m: Any, y: Any, t: Any, correct: Any) -> Any:
    """Squared error's y − t taken as dL/dy."""
    return y - t


class PreviousUpdateNotCarried(Working):
    """Online: the sample worked (and updated) from the parameters the previous sample was worked at."""

    def applies(self, problem: Problem) -> bool:
        return problem.update == "online" and len(problem.samples) * problem.epochs > 1

    def parameters(self, ctx: SampleContext) -> Mapping[str, float]:
        return ctx.prior if ctx.prior is not None else ctx.before


class WrongInput(Working):
    """One weight's gradient taken with another unit of its source layer (f1 for f2) as its input."""

    def __init__(self, weight: str, source: str) -> None:
        self.weight, self.source = weight, source

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind in ("gradient", "parameter_after") and key.name == self.weight

    def gradients(self, ctx: SampleContext, m: Any, p: Pass, style: str) -> dict[str, Any]:
        out = dict(p.gradients)
        q = ctx.net.param_index[self.weight]
        inputs = self.inputs(ctx)
        value = m.num(inputs[self.source]) if self.source in inputs else p.forward[self.source]
        if style == "factors":
            product = m.num(1)
            for k in ctx.net.chain(q)[:-1]:
                product = product * p.factors[k]
            out[q.name] = m.step(product * value)
        else:
            out[q.name] = m.step(p.deltas[q.target.pre] * value)
        return out


def wrong_inputs(problem: Problem) -> list[Working]:
    net = problem.network
    out: list[Working] = []
    for q in net.params:
        if q.source is None:
            continue
        for other in net.units[q.source.layer]:
            if other.name != q.source.name:
                out.append(WrongInput(q.name, other.name))
                if len(out) == 60:  # the first sixty (not every pair of a big network, to keep sixty)
                    return out
    return out


class WeightsSwapped(Working):
    """Two weights' values read the wrong way round (w12 for w21) in the passes; each updated from its own value."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def evaluated(self, params: dict[str, Any]) -> dict[str, Any]:
        out = dict(params)
        out[self.a], out[self.b] = params[self.b], params[self.a]
        return out


def swapped_pairs(problem: Problem) -> list[Working]:
    """w_ij with w_ji, wherever both are weights into the same layer."""
    import re

    net = problem.network
    out: list[Working] = []
    for q in net.params:
        m = re.fullmatch(r"w(\d)(\d)", q.name)
        if m and m.group(1) < m.group(2):
            other = f"w{m.group(2)}{m.group(1)}"
            if other in net.param_index and net.param_index[other].target.layer == q.target.layer:
                out.append(WeightsSwapped(q.name, other))
    return out


class EarlyRounding(Working):
    """One chain-rule factor (dL/dy at an output, or a unit's derivative) rounded to one decimal before use."""

    def __init__(self, unit: str, which: str) -> None:
        self.unit, self.which = unit, which  # which: "loss" (dL/dy) or "derivative" (dy/do, dH1/dα_H1)

    def derivatives(self, ctx: SampleContext) -> Mapping[str, Any]:
        if self.which != "derivative":
            return {}
        net = ctx.net
        u = next(u for row in net.units[1:] for u in row if u.name == self.unit)
        act = net.activation(u.layer)
        return {self.unit: lambda m, z, a: one_decimal(act.derivative(m, z, a))}

    def loss_gradients(self, ctx: SampleContext) -> Mapping[str, Any]:
        if self.which != "loss":
            return {}
        return {self.unit: lambda m, y, t, correct: one_decimal(correct)}


def one_decimal(x: Any) -> float:
    """Rounded half up to one decimal, as on paper."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(float(x))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + 0.0


def early_roundings(problem: Problem) -> list[Working]:
    net = problem.network
    out: list[Working] = []
    last = len(net.layers) - 1
    if net.activation(last).elementwise:
        out += [EarlyRounding(u.name, "loss") for u in net.outputs]
    for li in range(last, 0, -1):
        if net.activation(li).elementwise:
            out += [EarlyRounding(u.name, "derivative") for u in net.units[li]]
    return out[:40]


class ThresholdAdded(Working):
    """A threshold added rather than subtracted: net = Σ w·x + θ, so dnet/dθ = +1 (the fixed input −1 forgotten)."""

    def applies(self, problem: Problem) -> bool:
        return problem.network.threshold

    def evaluated(self, params: dict[str, Any]) -> dict[str, Any]:
        out = dict(params)
        for q in self._thresholds(params):
            out[q] = -params[q]  # Σ w·x − (−θ) = Σ w·x + θ
        return out

    def gradients(self, ctx: SampleContext, m: Any, p: Pass, style: str) -> dict[str, Any]:
        out = dict(p.gradients)
        for q in self._thresholds(out):
            out[q] = -out[q]  # δ·(+1), not δ·(−1)
        return out

    @staticmethod
    def _thresholds(params: Mapping[str, Any]) -> list[str]:
        return [k for k in params if k.startswith("theta")]


class MomentumLeftOut(_UpdateOnly):
    """Momentum's term μ·Δp(n−1) left out: a plain SGD step Δp = −η·g."""

    def applies(self, problem: Problem) -> bool:
        return problem.optimizer.name == "momentum"

    def rule(self, problem: Problem, m: Any) -> UpdateRule:
        return SGD()


@dataclass(frozen=True)
class _OwnStepMomentum(Momentum):
    """Momentum with the velocity taken from this step's own gradient (−η·g(n)) in place of Δp(n−1)."""

    def move(self, m: Any, value: Any, gradient: Any, lr: Any, kept: Any) -> tuple[Any, Any, Any]:
        return super().move(m, value, gradient, lr, m.step(-lr * gradient))


class VelocityFromThisStep(_UpdateOnly):
    """The velocity taken from the wrong step: Δp(n) = μ·(−η·g(n)) − η·g(n), this step's own gradient for Δp(n−1)."""

    def applies(self, problem: Problem) -> bool:
        return problem.optimizer.name == "momentum"

    def rule(self, problem: Problem, m: Any) -> UpdateRule:
        return _OwnStepMomentum(m.num(problem.optimizer.momentum), problem.optimizer.nesterov)


class DecayOnBiases(_UpdateOnly):
    """Weight decay applied to the biases too: each bias's gradient gains λ·b."""

    def applies(self, problem: Problem) -> bool:
        return bool(problem.weight_decay) and problem.network.bias

    def touches(self, net: Network, key: Key) -> bool:
        return key.kind == "parameter_after" and net.param_index[key.name].is_bias

    def decays(self, problem: Problem) -> frozenset[str]:
        return frozenset(q.name for q in problem.network.params)
