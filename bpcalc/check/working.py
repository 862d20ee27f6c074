"""One sample worked from given parameters, correctly or the way a classic mistake works it.

A :class:`Working` turns a :class:`SampleContext` (the parameters before the sample, the student's
own earlier numbers to carry forward) into every checkable value of that sample. The correct
working is the base class; a mistake overrides one piece of it (the number system's derivatives,
the inputs, the targets, the weights of the backward pass, the gradients, or the update rule).

A working is done at full precision or by hand, rounded at every step (see :mod:`bpcalc.check.styles`
for the ways a hand working rounds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterator, Mapping

from bpcalc.arith import FloatMath
from bpcalc.check.model import Key, backward_keys, unit_named
from bpcalc.check.styles import Rounding, math_for, roundings, style_for
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import Derivative, LossGradient, Overrides, Pass, UpdateRule, apply_update, evaluate, update_rule
from bpcalc.network import Network
from bpcalc.problem import Num, Problem


@dataclass(frozen=True)
class SampleContext:
    """Everything one sample is worked from, along one path (the correct one, or the student's own)."""

    problem: Problem
    epoch: int
    sample: int  # 1-based
    before: Mapping[str, float]  # parameters this sample is evaluated at
    start: Mapping[str, float]  # parameters at the start of the batch (the epoch, or its mini-batch: batch updates start from them)
    forward: Mapping[str, float] = field(default_factory=dict)  # the student's forward values, carried
    gradients: Mapping[str, float] = field(default_factory=dict)  # the student's gradients, carried into the update
    after: Mapping[str, float] = field(default_factory=dict)  # the student's parameters after this sample
    earlier: tuple[Mapping[str, float], ...] = ()  # batch: gradients used for the batch's earlier samples
    worked_out: frozenset[str] = frozenset()  # parameters in ``before`` that were computed, not written down
    previous: tuple["SampleContext", ...] = ()  # batch: the batch's earlier samples along the same path (to work again)
    kept: Mapping[str, Any] = field(default_factory=dict)  # what the update rule kept from the last update (momentum's velocity)
    kept_by: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)  # the same, as worked by hand in each rounding (else ``kept``)
    prior: Mapping[str, float] | None = None  # online: the parameters the previous sample was worked at (None for the first)
    memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

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
        """Does an update follow this sample (always online; at the last sample of its batch: the epoch's, or its mini-batch's)?"""
        return self.problem.update == "online" or self.sample == batch_span(self.problem, self.sample)[1]

    @property
    def batch_size(self) -> int:
        """How many samples this sample's batch has (the last mini-batch of an epoch may be shorter)."""
        first, last = batch_span(self.problem, self.sample)
        return last - first + 1


def batch_span(problem: Problem, sample: int) -> tuple[int, int]:
    """The first and last sample (1-based) of the batch ``sample`` is in: itself online, the whole epoch in batch
    updates, its mini-batch of ``batch_size`` (the epoch's last may be shorter)."""
    size = problem.batch_size_of()
    first = (sample - 1) // size * size + 1
    return first, min(first + size - 1, len(problem.samples))


def starts_batch(problem: Problem, sample: int) -> bool:
    """Does a batch's working begin at ``sample``: each epoch's first, and in mini-batches each mini-batch's first."""
    return sample == 1 or (problem.update == "minibatch" and batch_span(problem, sample)[0] == sample)


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
    kept: dict[str, Any] = field(default_factory=dict)  # what the update rule keeps for the next update


class Working:
    """The correct working. Subclasses change one piece to reproduce a classic mistake.

    Every change reaches the evaluator as an explicit :class:`~bpcalc.evaluate.Overrides` keyed by
    unit or name (the derivative at a unit, the weights of the backward pass), or as the inputs,
    targets, gradients or learning rate the working uses; the update itself is the problem's rule.
    """

    def derivatives(self, ctx: SampleContext) -> Mapping[str, Derivative]:
        """Unit name → the derivative this working takes there instead of the activation's own."""
        return {}

    def loss_gradients(self, ctx: SampleContext) -> Mapping[str, LossGradient]:
        """Output name → the dL/dy this working takes there instead of the loss's own."""
        return {}

    def parameters(self, ctx: SampleContext) -> Mapping[str, float]:
        """The parameters the sample is worked at and updated from."""
        return ctx.before

    def evaluated(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameter values substituted into the passes (the same ones, unless misread)."""
        return params

    def frozen(self, problem: Problem) -> frozenset[str]:
        """The parameters the update leaves alone."""
        return problem.frozen

    def inputs(self, ctx: SampleContext) -> dict[str, Num]:
        return ctx.inputs

    def targets(self, ctx: SampleContext) -> dict[str, Num]:
        return ctx.targets

    def backward(self, ctx: SampleContext, m: Any, params: dict[str, Any], first: Pass) -> Mapping[str, Any] | None:
        """Weights for the backward pass (None: the parameters themselves)."""
        return None

    def gradients(self, ctx: SampleContext, m: Any, p: Pass, style: str) -> dict[str, Any]:
        return dict(p.gradients)

    def rate(self, m: Any, lr: Any) -> Any:
        """The learning rate the update is made with."""
        return lr

    def rule(self, problem: Problem, m: Any) -> UpdateRule:
        """The update rule the parameters move by (the problem's, in the number system ``m``)."""
        return update_rule(problem, m)

    def applies(self, problem: Problem) -> bool:
        return True

    def touches(self, net: Network, key: Key) -> bool:
        """Can this working change ``key`` at all (False: it need not be worked to know it gives the correct value)?"""
        return True

    def alone(self, ctx: SampleContext, key: Key) -> float | None:
        """``key`` at full precision as :meth:`work` gives it, where it can be had without the whole working (else None)."""
        return None

    def earlier(self, ctx: SampleContext, rounding: Rounding | None) -> list[Mapping[str, Any]]:
        """Batch: the gradients the epoch's earlier samples gave, worked the same way as this one."""
        if rounding is None or len(ctx.previous) != len(ctx.earlier):
            return list(ctx.earlier)
        return [used_again(CORRECT, prev, rounding) for prev in ctx.previous]

    # --- the one place a sample is worked -------------------------------------------------

    def work(self, ctx: SampleContext, rounding: Rounding | None = None, earlier: list[Mapping[str, Any]] | None = None) -> Worked:
        """The sample worked this way; ``earlier``: batch, the epoch's earlier gradients to average with (else its own)."""
        return self.update(ctx, rounding, self.passed(ctx, rounding), earlier)

    def passed(self, ctx: SampleContext, rounding: Rounding | None = None) -> "Passed":
        """The sample's passes worked this way, before any update (taken where the update rule says)."""
        net, pr = ctx.net, ctx.problem
        m = math_for(rounding)
        style = style_for(rounding)
        # A hand working to d decimals has the parameters it worked out itself to d decimals too.
        params = {k: (m.step(m.num(v)) if k in ctx.worked_out else m.num(v)) for k, v in self.parameters(ctx).items()}
        inputs = {k: m.num(v) for k, v in self.inputs(ctx).items()}
        targets = {k: m.num(v) for k, v in self.targets(ctx).items()}
        overrides = Overrides(
            forward={k: m.num(v) for k, v in ctx.forward.items()},
            derivatives=self.derivatives(ctx),
            loss_gradients=self.loss_gradients(ctx),
            style=style,
        )
        kept = ctx.kept_by.get(rounding, ctx.kept)
        rule = update_rule(pr, m)
        frozen = self.frozen(pr)
        # the pass is taken where the rule says (Nesterov: at the look-ahead p + μ·Δp(n−1))
        at = {k: v if k in frozen else rule.lookahead(m, v, kept.get(k)) for k, v in params.items()} if kept else params
        seen = self.evaluated(at)
        p = evaluate(net, m, seen, inputs, targets, overrides=overrides)
        back = self.backward(ctx, m, seen, p)
        if back is not None:
            p = evaluate(net, m, seen, inputs, targets, overrides=replace(overrides, backward=back))
        grads = self.gradients(ctx, m, p, style)
        used = {n: (m.num(ctx.gradients[n]) if n in ctx.gradients else grads[n]) for n in net.param_names}
        return Passed(m, style, inputs, targets, params, p, grads, used, at, kept)

    def update(
        self,
        ctx: SampleContext,
        rounding: Rounding | None,
        done: "Passed",
        earlier: list[Mapping[str, Any]] | None = None,
        mean: Mapping[str, Any] | None = None,
    ) -> Worked:
        """The update after the passes ``done`` (batch: with the epoch's mean of ``earlier`` and this sample's, or ``mean`` as given)."""
        net, pr = ctx.net, ctx.problem
        m, params, used, at, kept = done.m, done.params, done.used, done.at, done.kept
        if pr.update == "online":
            before = params
            step_grads = used
        else:
            before = _start(ctx, m, rounding)
            if mean is not None:
                step_grads = dict(mean)
            else:
                count = _count(ctx)
                sums = self.earlier(ctx, rounding) if earlier is None and ctx.updates_here else (earlier or [])
                step_grads = {n: m.step(m.fsum([m.num(g[n]) for g in sums] + [used[n]]) / count) for n in net.param_names}
        if ctx.updates_here:
            step_grads = self.decayed(pr, m, step_grads, at)
            after, kept = self.moved(pr, done, before, step_grads)
        else:
            after, kept = dict(params), dict(kept)
        values = pass_values(net, m, done.pass_, done.pass_.computed, done.grads, after)
        return Worked(m, done.inputs, done.targets, params, done.pass_, done.grads, used, step_grads, before, after, values, kept)

    def moved(self, problem: Problem, done: "Passed", before: Mapping[str, Any], step_grads: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parameters of ``before`` after the update by ``step_grads`` (each moved on its own), and what the rule keeps."""
        m = done.m
        # rounding only results: the step η·g is not written, only the new value
        um = FloatMath() if done.style == "results" else m
        update = apply_update(self.rule(problem, um), um, before, step_grads, self.rate(m, m.num(problem.learning_rate)), self.frozen(problem), done.kept)
        return {k: m.step(v) for k, v in update.after.items()}, update.kept

    def decayed(self, problem: Problem, m: Any, gradients: dict[str, Any], at: Mapping[str, Any]) -> dict[str, Any]:
        """The gradients the update applies: with weight decay each weight's gains λ·w (w where the pass was taken), never a bias's."""
        if not problem.weight_decay:
            return gradients
        decay = m.num(problem.weight_decay)
        weights = self.decays(problem)
        return {k: m.step(g + m.step(decay * at[k])) if k in weights else g for k, g in gradients.items()}

    def decays(self, problem: Problem) -> frozenset[str]:
        """The parameters weight decay pulls toward 0 (the weights)."""
        return frozenset(q.name for q in problem.network.params if not q.is_bias)


@dataclass(frozen=True)
class Passed:
    """One sample's passes worked, before the update: what :meth:`Working.update` makes the update from."""

    m: Any
    style: str
    inputs: dict[str, Any]
    targets: dict[str, Any]
    params: dict[str, Any]
    pass_: Pass
    grads: dict[str, Any]
    used: dict[str, Any]
    at: dict[str, Any]  # where the pass was taken (the parameters, or the update rule's look-ahead)
    kept: dict[str, Any]  # the update rule's state the working goes on from


CORRECT = Working()


def pass_values(
    net: Network, m: Any, p: Pass, forward: Mapping[str, Any], gradients: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[Key, float]:
    """Every checkable value of one sample worked: forward values, the loss, the chain-rule factors and δ, gradients, parameters after."""
    f = m.to_float
    forward_keys, loss_key, factor_keys, delta_keys, param_keys = _value_keys(net)
    values = {k: f(forward[k.name]) for k in forward_keys}
    values[loss_key] = f(p.loss)
    factors, deltas = p.factors, p.deltas
    for k in factor_keys:
        if k.name in factors:
            values[k] = f(factors[k.name])
    for k, pre in delta_keys:
        values[k] = f(deltas[pre])
    for n, g, a in param_keys:
        values[g] = f(gradients[n])
        values[a] = f(after[n])
    return values


@lru_cache(maxsize=64)
def _value_keys(net: Network) -> tuple[Any, ...]:
    """The keys ``pass_values`` fills, made once per network."""
    factor_keys = [k for k in backward_keys(net) if k.kind == "factor"]
    delta_keys = [(k, unit_named(net, k.name).pre) for k in backward_keys(net) if k.kind == "delta"]
    param_keys = [(n, Key("gradient", n), Key("parameter_after", n)) for n in net.param_names]
    return [Key("forward", n) for n in net.forward_names()], Key("loss", "loss"), factor_keys, delta_keys, param_keys


def again(working: Working, ctx: SampleContext, rounding: Rounding | None) -> Worked:
    """``working`` on ``ctx``, worked once per context and rounding."""
    slot = (working, rounding)
    if slot not in ctx.memo:
        ctx.memo[slot] = working.work(ctx, rounding)
    return ctx.memo[slot]  # type: ignore[no-any-return]


def used_again(working: Working, ctx: SampleContext, rounding: Rounding | None) -> dict[str, Any]:
    """The gradients ``working`` on ``ctx`` gives the update, worked once per context and rounding (batch updates work
    the epoch's earlier samples again; only their passes, and only their gradients kept)."""
    slot = ("used", working, rounding)
    if slot not in ctx.memo:
        ctx.memo[slot] = working.passed(ctx, rounding).used
    return ctx.memo[slot]  # type: ignore[no-any-return]


def _start(ctx: SampleContext, m: Any, rounding: Rounding | None) -> dict[str, Any]:
    """Batch: the parameters the epoch's update starts from (those worked out rounded by a hand working); made once per
    context at full precision (do not change it), each time by hand (a hand working counts the decimal ties it meets)."""
    if rounding is not None:
        return {k: (m.step(m.num(v)) if k in ctx.worked_out else m.num(v)) for k, v in ctx.start.items()}
    if "start" not in ctx.memo:
        ctx.memo["start"] = {k: (m.step(m.num(v)) if k in ctx.worked_out else m.num(v)) for k, v in ctx.start.items()}
    return ctx.memo["start"]  # type: ignore[no-any-return]


class InSamples(Working):
    """Batch: a mistake made in some of the epoch's samples (``which``: indexes of earlier ones; ``current``: this one too).

    Its trace shows only in the update at the end of the epoch, through the mean of the gradients.
    """

    def __init__(self, inner: Working, which: tuple[int, ...], current: bool) -> None:
        self.inner, self.which, self.current = inner, which, current

    def __getattr__(self, name: str) -> Any:  # what the mistake's explanation asks of it (its units, its inputs)
        return getattr(self.__dict__["inner"], name)

    def touches(self, net: Network, key: Key) -> bool:
        """A parameter after the update, through its gradient in the samples the mistake is made in (and this one's own
        value, when made in this sample too)."""
        if key.kind != "parameter_after":
            return True
        return self.inner.touches(net, Key("gradient", key.name)) or (self.current and self.inner.touches(net, key))

    def earlier(self, ctx: SampleContext, rounding: Rounding | None) -> list[Mapping[str, Any]]:
        base = _correct_earlier(ctx, rounding)
        if len(ctx.previous) != len(base):
            return list(base)
        return [used_again(self.inner, prev, rounding) if j in self.which else g for j, (prev, g) in enumerate(zip(ctx.previous, base))]

    def work(self, ctx: SampleContext, rounding: Rounding | None = None, earlier: list[Mapping[str, Any]] | None = None) -> Worked:
        here = self.inner if self.current else CORRECT
        done = self._passed(ctx, rounding)
        if not ctx.updates_here:
            return here.update(ctx, rounding, done, [])
        base = _correct_earlier(ctx, rounding)
        mean = None
        if self._swaps(ctx, base):
            j = self.which[0]
            mean = _swapped_mean(ctx, rounding, done, base, j, used_again(self.inner, ctx.previous[j], rounding))
        if mean is None:
            return here.update(ctx, rounding, done, self.earlier(ctx, rounding))
        return here.update(ctx, rounding, done, mean=mean)

    def _passed(self, ctx: SampleContext, rounding: Rounding | None) -> Passed:
        here = self.inner if self.current else CORRECT
        slot = ("passed", here, rounding)  # the same passes for every earlier sample the mistake is tried in
        if slot not in ctx.memo:
            ctx.memo[slot] = here.passed(ctx, rounding)
        return ctx.memo[slot]  # type: ignore[no-any-return]

    def _swaps(self, ctx: SampleContext, base: list[Mapping[str, Any]]) -> bool:
        """Made in one earlier sample only: the epoch's mean is the correct one with that sample's gradients swapped."""
        return not self.current and len(self.which) == 1 and len(ctx.previous) == len(base)

    def alone(self, ctx: SampleContext, key: Key) -> float | None:
        """``key`` at full precision as :meth:`work` gives it (when it gives one), had without the whole working: a
        parameter after the update, from its one column of the epoch's gradients (an earlier sample not worked again
        where the student wrote its gradient, which is carried as written). None where only the whole working tells."""
        if key.kind != "parameter_after" or not ctx.updates_here:
            return None
        try:
            base = _correct_earlier(ctx, None)
            if len(ctx.previous) != len(base):
                return None
            pr, n = ctx.problem, key.name
            here = self.inner if self.current else CORRECT
            done = self._passed(ctx, None)
            m = done.m

            def mistaken(j: int) -> Any:  # sample j's gradient as the mistake gives it
                prev = ctx.previous[j]
                return m.num(m.num(prev.gradients[n]) if n in prev.gradients else used_again(self.inner, prev, None)[n])

            if self._swaps(ctx, base):
                j = self.which[0]
                mean = _swapped_column(ctx, m, _columns(ctx, None, m, base)[n], m.num(base[j][n]), mistaken(j), done.used[n])
                if mean is None:
                    return None
            else:
                column = [mistaken(j) if j in self.which else m.num(g[n]) for j, g in enumerate(base)]
                mean = m.step(m.fsum(column + [done.used[n]]) / _count(ctx))
            after, _ = here.moved(pr, done, {n: _start(ctx, m, None)[n]}, here.decayed(pr, m, {n: mean}, done.at))
            return m.to_float(after[n])  # type: ignore[no-any-return]
        except (BpcalcError, ArithmeticError, ValueError):
            return None


def _correct_earlier(ctx: SampleContext, rounding: Rounding | None) -> list[Mapping[str, Any]]:
    """``CORRECT.earlier`` on ``ctx``, made once per context and rounding (do not change the list)."""
    slot = ("earlier", rounding)
    if slot not in ctx.memo:
        ctx.memo[slot] = CORRECT.earlier(ctx, rounding)
    return ctx.memo[slot]  # type: ignore[no-any-return]


def _swapped_mean(
    ctx: SampleContext, rounding: Rounding | None, done: Passed, base: list[Mapping[str, Any]], j: int, new: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The epoch's mean gradients with earlier sample ``j``'s gradients replaced by ``new``: each the correctly rounded
    sum, as ``math.fsum`` of the swapped list gives it, from the exact partial sums of the correct column kept once
    (O(P) per swap instead of O(S·P)). None where a column is not finite (then the list is summed as it is)."""
    m, used = done.m, done.used
    mean: dict[str, Any] = {}
    for n, partials in _columns(ctx, rounding, m, base).items():
        value = _swapped_column(ctx, m, partials, m.num(base[j][n]), m.num(new[n]), used[n])
        if value is None:
            return None
        mean[n] = value
    return mean


def _columns(ctx: SampleContext, rounding: Rounding | None, m: Any, base: list[Mapping[str, Any]]) -> dict[str, list[float] | None]:
    """Each parameter's exact partial sums of the correct gradients of the epoch's earlier samples, made once per context."""
    slot = ("columns", rounding)
    if slot not in ctx.memo:
        ctx.memo[slot] = {n: _partials([m.num(g[n]) for g in base]) for n in ctx.net.param_names}
    return ctx.memo[slot]  # type: ignore[no-any-return]


def _swapped_column(ctx: SampleContext, m: Any, partials: list[float] | None, old: Any, x: Any, u: Any) -> Any:
    """One parameter's epoch gradient, an earlier sample's gradient ``old`` swapped for ``x`` (``u``: this sample's): the
    mean, or the sum for a summed batch, as :meth:`Working.update` makes it; None where a value is not finite."""
    if partials is None or not (math.isfinite(old) and math.isfinite(x) and math.isfinite(u)):
        return None
    try:
        total = m.fsum([*partials, -old, x, u])
    except OverflowError:
        return None
    return m.step(total / _count(ctx))


def _count(ctx: SampleContext) -> int:
    """What the batch's summed gradients are divided by: its samples (their mean), or 1 for a summed batch."""
    return 1 if ctx.problem.reduction == "sum" else ctx.batch_size


def _partials(xs: list[float]) -> list[float] | None:
    """Non-overlapping floats whose exact sum is the exact sum of ``xs`` (Shewchuk's, as ``math.fsum`` keeps them); None
    when a value or a partial sum is not finite."""
    partials: list[float] = []
    for x in xs:
        if not math.isfinite(x):
            return None
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            if not math.isfinite(hi):
                return None
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]
    return partials


class Path:
    """One sample along one path (the correct one, or the student's own), each working computed once."""

    def __init__(
        self, ctx: SampleContext, carried: bool, name: str = "", hand: bool = True, cache: dict[Any, Any] | None = None
    ) -> None:
        self.ctx = ctx
        self.carried = carried  # the student's own numbers (else the problem's)
        self.name = name
        self.hand = hand  # do workings rounded at every step count along this path (else full precision only)
        self.correct: Working = CORRECT
        # the workings done on ``ctx``: paths that work a sample from the same numbers may share them
        self._cache: dict[Any, Any] = {} if cache is None else cache

    def work(self, working: Working, rounding: Rounding | None = None) -> Worked | None:
        """The sample worked this way (rounded at every step as ``rounding`` says), or None where it breaks down."""
        slot = (working, rounding)
        if slot not in self._cache:
            try:
                self._cache[slot] = working.work(self.ctx, rounding)
            except (BpcalcError, ArithmeticError, ValueError):
                self._cache[slot] = None
        return self._cache[slot]

    def value(self, working: Working, key: Key, rounding: Rounding | None = None) -> float | None:
        w = self.work(working, rounding)
        return None if w is None else w.values[key]

    def alone(self, working: Working, key: Key) -> float | None:
        """``working``'s :meth:`Working.alone` value of ``key`` on this path (None: only the whole working tells)."""
        slot = ("alone", working, key)
        if slot not in self._cache:
            self._cache[slot] = working.alone(self.ctx, key)
        return self._cache[slot]  # type: ignore[return-value]

    def hands(self, working: Working, key: Key, decimals: int | None) -> list[float | None]:
        """The value worked by hand to ``decimals`` in each way a hand working rounds (none without decimals)."""
        if not self.hand:
            return []
        return self._hands(working, key, decimals)  # type: ignore[return-value]  # lazily: worked only when needed

    def _hands(self, working: Working, key: Key, decimals: int | None) -> Iterator[float | None]:
        for r in roundings(decimals):
            w = self.work(working, r)
            yield None if w is None else w.values[key]
            if w is not None and working is CORRECT and getattr(w.m, "ties", 0):  # an honest working met a decimal tie: rounded the other way too
                yield self.value(working, key, replace(r, ties="down"))


def work_through(problem: Problem, working: Working, rounding: Rounding | None) -> list[dict[Key, float]]:
    """Every sample of the problem worked one way from its own parameters, each carried into the next."""
    params = {k: float(v) for k, v in problem.parameters.items()}
    kept: Mapping[str, Any] = {}
    prior: dict[str, float] | None = None
    out: list[dict[Key, float]] = []
    for epoch in range(1, problem.epochs + 1):
        for sample in range(1, len(problem.samples) + 1):
            if starts_batch(problem, sample):
                start = params
                earlier: list[dict[str, float]] = []
                previous: list[SampleContext] = []
            before = params if problem.update == "online" else start
            ctx = SampleContext(
                problem, epoch, sample, before, start, earlier=tuple(earlier), previous=tuple(previous), kept=kept,
                prior=prior if problem.update == "online" else None,
            )
            w = again(working, ctx, rounding)
            earlier.append({k: w.m.to_float(v) for k, v in w.used.items()})
            previous.append(ctx)
            if ctx.updates_here:
                prior = dict(before)
                params = {k: w.m.to_float(v) for k, v in w.after.items()}
                kept = w.kept
            out.append(w.values)
    return out
