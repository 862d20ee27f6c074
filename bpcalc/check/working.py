"""One sample worked from given parameters, correctly or the way a classic mistake works it.

A :class:`Working` turns a :class:`SampleContext` (the parameters before the sample, the student's
own earlier numbers to carry forward) into every checkable value of that sample. The correct
working is the base class; a mistake overrides one piece of it (the number system's derivatives,
the inputs, the targets, the weights of the backward pass, the gradients, or the update rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.check.model import Key
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import Pass, evaluate
from bpcalc.network import Network
from bpcalc.problem import Num, Problem


@dataclass(frozen=True)
class SampleContext:
    """Everything one sample is worked from, along one path (the correct one, or the student's own)."""

    problem: Problem
    epoch: int
    sample: int  # 1-based
    before: Mapping[str, float]  # parameters this sample is evaluated at
    start: Mapping[str, float]  # parameters at the start of the epoch (batch updates start from them)
    forward: Mapping[str, float] = field(default_factory=dict)  # the student's forward values, carried
    gradients: Mapping[str, float] = field(default_factory=dict)  # the student's gradients, carried into the update
    after: Mapping[str, float] = field(default_factory=dict)  # the student's parameters after this sample
    earlier: tuple[Mapping[str, float], ...] = ()  # batch: gradients used for the epoch's earlier samples
    worked_out: frozenset[str] = frozenset()  # parameters in ``before`` that were computed, not written down

    @property
    def net(self) -> Network:
        return self.problem.network

    @property
    def inputs(self) -> dict[str, Num]:
        return dict(self.problem.samples[self.sample - 1].inputs)

    @property
    def targets(self) -> dict[str, Num]:
        return dict(self.problem.samples[self.sample - 1].targets)

    @property
    def updates_here(self) -> bool:
        """Does an update follow this sample (always online; at the epoch's last sample in batch)?"""
        return self.problem.update == "online" or self.sample == len(self.problem.samples)


@dataclass
class Worked:
    """A sample worked out: the number system, the pass, the update, and every checkable value."""

    m: Any
    inputs: dict[str, Any]
    targets: dict[str, Any]
    params: dict[str, Any]  # the parameters the sample is evaluated at
    pass_: Pass
    gradients: dict[str, Any]  # as this working computes them
    used: dict[str, Any]  # this sample's gradients as the update uses them (the student's where carried)
    applied: dict[str, Any]  # the gradients the update applies (the epoch's mean in batch mode)
    before: dict[str, Any]  # the parameters the update starts from
    after: dict[str, Any]
    values: dict[Key, float]


class Working:
    """The correct working. Subclasses change one piece to reproduce a classic mistake."""

    def math(self, decimals: int | None) -> Any:
        return FloatMath() if decimals is None else RoundedMath(decimals)

    def inputs(self, ctx: SampleContext) -> dict[str, Num]:
        return ctx.inputs

    def targets(self, ctx: SampleContext) -> dict[str, Num]:
        return ctx.targets

    def backward(self, ctx: SampleContext, m: Any, params: dict[str, Any], first: Pass) -> Mapping[str, Any] | None:
        """Weights for the backward pass (None: the parameters themselves)."""
        return None

    def gradients(self, ctx: SampleContext, m: Any, p: Pass) -> dict[str, Any]:
        return dict(p.gradients)

    def update(self, m: Any, before: Any, gradient: Any, lr: Any) -> Any:
        return m.step(before - m.step(lr * gradient))

    def applies(self, problem: Problem) -> bool:
        return True

    # --- the one place a sample is worked -------------------------------------------------

    def work(self, ctx: SampleContext, decimals: int | None = None) -> Worked:
        net, pr = ctx.net, ctx.problem
        m = self.math(decimals)
        # A hand working to d decimals has the parameters it worked out itself to d decimals too.
        params = {k: (m.step(m.num(v)) if k in ctx.worked_out else m.num(v)) for k, v in ctx.before.items()}
        inputs = {k: m.num(v) for k, v in self.inputs(ctx).items()}
        targets = {k: m.num(v) for k, v in self.targets(ctx).items()}
        given = {k: m.num(v) for k, v in ctx.forward.items()}
        first = evaluate(net, m, params, inputs, targets, given=given)
        back = self.backward(ctx, m, params, first)
        p = first if back is None else evaluate(net, m, params, inputs, targets, given=given, backward_params=back)
        grads = self.gradients(ctx, m, p)
        used = {n: (m.num(ctx.gradients[n]) if n in ctx.gradients else grads[n]) for n in net.param_names}
        lr = m.num(pr.learning_rate)
        if pr.update == "online":
            before = params
            step_grads = used
        else:
            before = {k: (m.step(m.num(v)) if k in ctx.worked_out else m.num(v)) for k, v in ctx.start.items()}
            count = len(pr.samples)
            step_grads = {
                n: m.step(m.fsum([m.num(g[n]) for g in ctx.earlier] + [used[n]]) / count) for n in net.param_names
            }
        after: dict[str, Any] = {}
        for n in net.param_names:
            if n in pr.frozen or not ctx.updates_here:
                after[n] = before[n] if ctx.updates_here else params[n]
            else:
                after[n] = self.update(m, before[n], step_grads[n], lr)
        values: dict[Key, float] = {}
        for name in net.forward_names():
            values[Key("forward", name)] = m.to_float(p.computed[name])
        values[Key("loss", "loss")] = m.to_float(p.loss)
        for n in net.param_names:
            values[Key("gradient", n)] = m.to_float(grads[n])
            values[Key("parameter_after", n)] = m.to_float(after[n])
        return Worked(m, inputs, targets, params, p, grads, used, step_grads, before, after, values)


CORRECT = Working()


class Path:
    """One sample along one path (the correct one, or the student's own), each working computed once."""

    def __init__(self, ctx: SampleContext, carried: bool) -> None:
        self.ctx = ctx
        self.carried = carried  # the student's own numbers (else the problem's)
        self.correct: Working = CORRECT
        self._cache: dict[tuple[Working, int | None], Worked | None] = {}

    def work(self, working: Working, decimals: int | None = None) -> Worked | None:
        """The sample worked this way (rounded at every step to ``decimals``), or None where it breaks down."""
        slot = (working, decimals)
        if slot not in self._cache:
            try:
                self._cache[slot] = working.work(self.ctx, decimals)
            except (BpcalcError, ArithmeticError, ValueError):
                self._cache[slot] = None
        return self._cache[slot]

    def value(self, working: Working, key: Key, decimals: int | None = None) -> float | None:
        w = self.work(working, decimals)
        return None if w is None else w.values[key]
