"""The classic backpropagation mistakes: each one's name, how to reproduce it, and how a marker explains it.

A wrong value is worked again under every variant of every mistake in ``MISTAKES`` (from the
student's own earlier values, at full precision and rounded at every step in each hand style).
A mistake *reproduces* the value when one of those workings gives it to its written digits.

Tie-breaks, when more than one story gives the same number:

* A mistake seen in this one value only is named when it moves the value more than ``SLIP_RANGE``
  units of its last written digit away from the correct one; closer than that, a slip of a digit
  or two lands there as easily, and the value is called an arithmetic slip (with the expected
  value) unless the same mistake also explains another value of the sample.
* Of the mistakes that are named, the one that explains the most of the sample's values wins (less
  those it contradicts, for a mistake made throughout a sample; one made in a single value is not
  belied by the values the student got right); between equals, the first in ``MISTAKES``.
* A mistake that would change a value this one is worked from, which the student wrote right,
  is not how they got this one (after a right gradient, a wrong parameter is an update mistake).
* Truncated instead of rounded is a one-unit story of its own: named when the written value is the
  correct one cut off where rounding would have gone up, and no other mistake is named.

None reproduces it: an arithmetic slip, with the expected value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any, Mapping

from bpcalc.arith import FloatMath
from bpcalc.check.explain import batch_samples, factor, item_text, precision_for, show, update_text
from bpcalc.check.mistaken import (
    BiasTimesInput,
    DroppedFactor,
    InputsSwapped,
    TargetFlipped,
    UpdatedWeights,
    BiasesNotUpdated,
    LossGradientTaken,
    PreviousUpdateNotCarried,
    derivative_variants,
    early_roundings,
    one_decimal,
    one_minus_tanh,
    sign_flipped_gradient,
    squared_error_gradient,
    swapped_pairs,
    tanh_without_four,
    wrong_inputs,
    sigmoid_for_sigmoid_prime,
    sigmoid_prime_for_tanh,
)
from bpcalc.check.model import Given, Key, depends
from bpcalc.check.tolerance import Tolerance, at_digits, half_unit, hand_decimals, matches, truncation_of
from bpcalc.check.working import CORRECT, InSamples, Path, SampleContext, Working, Worked, batch_span
from bpcalc.network import pretty
from bpcalc.problem import Problem

SLIP_RANGE = 1.0  # units of the last written digit within which a lone mistake is told apart from a slip no better than by chance


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    mistake: "Mistake"
    detail: str  # the marker's note: what the student did, and the corrected working
    working: Working | None = None
    path: Path | None = None
    support: int = 0  # the sample's values this mistake explains, less those it contradicts (unless made in one value only)
    elsewhere: tuple[str, ...] = ()  # what the same mistake made in another step (sample) says, where it explains as much


@dataclass(frozen=True)
class Case:
    """One wrong value, with what the diagnosis needs to know about it."""

    key: Key
    given: Given
    path: Path  # the path the value was marked on
    correct: Worked  # the correct working along that path
    tolerance: Tolerance | None
    others: Mapping[Key, Given]  # the student's other values of this sample
    catalogue: "Catalogue"

    @property
    def p(self) -> int:
        """Decimals for the numbers in the corrected working."""
        return precision_for(self.given.decimals)

    @property
    def ctx(self) -> SampleContext:
        return self.path.ctx

    @property
    def label(self) -> str:
        return pretty(self.key.name)


class Mistake:
    """A classic mistake: ``variants`` reproduce it; ``says`` explains it beside the corrected working."""

    id = ""
    name = ""
    local = True  # made in one value only: later steps that agree with it are not followed up as this mistake,
    # and values it would change that the student got right do not count against it (else it is made throughout a
    # sample, and must explain at least as many of the sample's values as it contradicts)
    kinds: tuple[str, ...] = ("forward", "loss", "factor", "delta", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return []

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        raise NotImplementedError

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.kind not in self.kinds:
            return None
        found = self.candidates(case, paths)
        if not found:
            return None
        v, path, support = found[0]
        elsewhere = tuple(self.told(case, w, p) for w, p, _ in found[1:3])
        return Finding(self, f"{self.told(case, v, path)}: {item_text(case.ctx, case.correct, case.key, case.p)}", v, path, support, elsewhere)

    def told(self, case: Case, v: Working, path: Path) -> str:
        """What the student did, said of the sample it was done in (batch: an earlier one of the epoch)."""
        if isinstance(v, InSamples):
            if v.current:
                whole = "the epoch" if case.ctx.problem.update == "batch" else "the mini-batch"
                return f"in every sample of {whole}, {self.told(case, v.inner, path)}"
            prev = path.ctx.previous[v.which[0]]
            there = Path(prev, path.carried, path.name, path.hand)
            earlier = replace(case, path=there, correct=there.work(CORRECT) or case.correct)
            return f"in sample {prev.sample}, {self.told(earlier, v.inner, there)}"
        bad = path.work(v)
        assert bad is not None
        return self.says(case, v, bad)

    def best(self, case: Case, paths: list[Path]) -> tuple[Working, Path, int] | None:
        """The variant (and path) that reproduces the value with the most support, if any does."""
        found = self.candidates(case, paths)
        return found[0] if found else None

    def candidates(self, case: Case, paths: list[Path]) -> list[tuple[Working, Path, int]]:
        """The best variant (and path), then the others made in another step that explain as much."""
        found: list[tuple[Working, Path, int]] = []
        for v in case.catalogue.variants(self, case):
            for path in paths:
                support = self.reproduces(case, v, path)
                if support is None:
                    continue
                if not found or support > found[0][2]:
                    found = [(v, path, support)]
                elif support == found[0][2] and all(_where(v) != _where(w) for w, _, _ in found):
                    found.append((v, path, support))
        return found

    def reproduces(self, case: Case, v: Working, path: Path) -> int | None:
        """The support of ``v`` on ``path`` when it gives the written value and can be told from a slip; else None."""
        if not v.touches(case.ctx.net, case.key):
            return None  # it leaves this value as the correct working has it
        correct = path.value(path.correct, case.key)
        alone = path.alone(v, case.key)
        if alone is not None and not _may_give(case, path, alone, correct):
            return None  # the same value the whole working would give: it need not be worked
        value = path.value(v, case.key)
        if value is None or not _may_give(case, path, value, correct):
            return None
        d = hand_decimals(case.given)
        if not matches(case.given, value, path.hands(v, case.key, d), case.tolerance, slack=0.0):
            return None
        counts = consistency(case, v, path)
        if counts is None:
            return None
        explained, contradicted = counts
        if not self.local and contradicted > explained:
            return None
        if abs(value - correct) > SLIP_RANGE * 2 * _room(case.given, correct, case.tolerance) or explained >= 2:
            return explained - (0 if self.local else contradicted)  # a mistake made once is not belied by values made right
        return None  # as likely a slip that lands there


def _may_give(case: Case, path: Path, value: float, correct: float | None) -> bool:
    """Could a mistake that gives ``value`` (at full precision) be how the student got the written one?"""
    if correct is None or not math.isfinite(value):
        return False
    if abs(value - correct) <= 1e-12 * max(1.0, abs(correct)):
        return False  # the mistake does not touch this value: it cannot be how the student got it
    return _within_reach(case, path, value, correct, hand_decimals(case.given))


def _within_reach(case: Case, path: Path, value: float, correct: float, d: int | None) -> bool:
    """Could a hand working of ``value`` reach the written one? A generous bound, so that far-off variants are not
    worked by hand: a mistake's hand working drifts from its full-precision one by some times what the correct
    working's does (scaled by the size of the value), or by a tenth of what the mistake changes, at most."""
    g = case.given.number
    room = 4 * _room(case.given, value, case.tolerance)
    if abs(value - g) <= room:
        return True
    drifts = [abs(h - correct) for h in path.hands(path.correct, case.key, d) if h is not None and math.isfinite(h)]
    if not drifts:
        return False
    scale = max(1.0, abs(value) / abs(correct)) if correct else 1.0
    return abs(value - g) <= room + 10 * max(drifts) * scale + 0.1 * abs(value - correct)


def _room(given: Given, x: float, tolerance: Tolerance | None) -> float:
    if tolerance is None:
        return half_unit(given)
    return tolerance.width(x)


def consistency(case: Case, v: Working, path: Path) -> tuple[int, int] | None:
    """(values the mistake explains, values it contradicts) among this sample's others, plus this one.

    None when it contradicts a value this one is worked from: the student wrote that one right, so
    the mistake cannot be how they got this one (a parameter after a right gradient is an update mistake).
    """
    explained, contradicted = 1, 0
    net = case.ctx.net
    for key, g in case.others.items():
        if key == case.key:
            continue
        good, bad = path.value(path.correct, key), path.value(v, key)
        if good is None or bad is None:
            continue
        d = hand_decimals(g)
        fits_good = matches(g, good, path.hands(path.correct, key, d), case.tolerance)
        fits_bad = matches(g, bad, path.hands(v, key, d), case.tolerance)
        if fits_good and not fits_bad:
            if key.kind != "loss" and depends(net, case.key, key):
                return None
            contradicted += 1
        elif fits_bad and not fits_good:
            explained += 1
    return explained, contradicted


def _g(case: Case, w: Worked) -> str:
    return factor(w.m.to_float(w.applied[case.key.name]), case.p)


def _update_tail(case: Case) -> str:
    """'the update is β4 - η·dL/dβ4 = 0 - 0.1·(-0.646) = 0.065'"""
    text = update_text(case.ctx, case.correct, case.key.name, case.p)
    return "the update is " + (text if text.startswith("Δ") else text.split(" = ", 1)[1])  # momentum: Δp first, then p


class _UpdateMistake(Mistake):
    kinds = ("parameter_after",)
    formula = ""
    working = ""  # the name of its one Working in bpcalc.check.mistaken

    def variants(self, problem: Problem) -> list[Working]:
        from bpcalc.check import mistaken

        return [getattr(mistaken, self.working)()]

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.name in case.ctx.problem.frozen or not case.ctx.updates_here:
            return None
        best = self.best(case, paths)
        if best is None:
            return None
        v, path, support = best
        P = case.label
        grad = f"mean(dL/d{P}{batch_samples(case.ctx)})" if case.ctx.problem.update != "online" else f"dL/d{P}"
        text = f"you wrote {case.given.text} = {self.formula.format(P=P, g=grad)}; {_update_tail(case)}"
        return Finding(self, text, v, path, support)


class LrMissing(_UpdateMistake):
    id, name, formula = "lr_missing", "learning rate left out", "{P} - {g}"
    working = "LearningRateLeftOut"


class LrTwice(_UpdateMistake):
    id, name, formula = "lr_twice", "learning rate applied twice", "{P} - η²·{g}"
    working = "LearningRateTwice"


class SignMistake(_UpdateMistake):
    id, name, formula = "sign_flipped", "update sign flipped", "{P} + η·{g}"
    working = "SignFlipped"


class Truncated(Mistake):
    id, name = "truncated", "truncated instead of rounded"

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.tolerance is not None:
            return None
        d = hand_decimals(case.given)
        for path in paths:
            exact = path.value(path.correct, case.key)
            if exact is None:
                continue
            cut = truncation_of(case.given, exact, path.hands(path.correct, case.key, d))
            if cut is not None:
                places = case.given.decimals
                text = (
                    f"you wrote {case.given.text}: {at_digits(cut, _places(places + 3), ROUND_DOWN)}... cut off after {places} decimal{'s' if places != 1 else ''}; "
                    f"rounded it is {at_digits(cut, case.given)}"
                )
                return Finding(self, f"{text}. {item_text(case.ctx, case.correct, case.key, case.p)}", None, path)
        return None


def _places(decimals: int) -> Given:
    """A stand-in written value with ``decimals`` places, to cut or round others to."""
    return Given("", Decimal(1).scaleb(-decimals), "")


class BiasInput(Mistake):
    id, name = "bias_times_input", "bias gradient multiplied by an input"
    kinds = ("gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [BiasTimesInput(j) for j in range(max(problem.network.layers[:-1]))] if problem.network.bias else []

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.kind not in self.kinds or not case.ctx.net.param_index[case.key.name].is_bias:
            return None
        return super().find(case, paths)

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        net = case.ctx.net
        q = net.param_index[case.key.name]
        s = v.source(net, q)  # type: ignore[attr-defined]
        value = bad.inputs[s.name] if s.layer == 0 else bad.pass_.forward[s.name]
        pre = pretty(q.target.pre or "")
        return (
            f"you multiplied dL/d{case.label} by {s.name} = {show(bad.m.to_float(value), case.p)}, "
            f"but d{pre}/d{case.label} = 1 (a bias has no input)"
        )


class DroppedChainFactor(Mistake):
    id, name = "dropped_factor", "a factor dropped from the chain"
    kinds = ("gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        longest = max(len(problem.network.chain(q)) for q in problem.network.params)
        return [DroppedFactor(i) for i in range(longest)]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        keys = case.ctx.net.chain(case.ctx.net.param_index[case.key.name])
        k = keys[v.index]  # type: ignore[attr-defined]
        value = show(case.correct.m.to_float(case.correct.pass_.factors[k]), case.p)
        return f"you left the factor {pretty(k)} = {value} out of dL/d{case.label}"


def _unit_for(case: Case, activation: str, v: Working) -> Any:
    """The unit whose derivative the mistake touches on the way to this value (its own, else the nearest above)."""
    net = case.ctx.net
    chosen = getattr(v, "units", ())

    def wrong(u: Any) -> bool:
        return net.activations[u.layer - 1] == activation and (not chosen or u.name in chosen)

    if case.key.kind in ("gradient", "parameter_after"):
        u = net.param_index[case.key.name].target
        if wrong(u):
            return u
    for row in reversed(net.units[1:]):
        for u in row:
            if wrong(u):
                return u
    return None  # pragma: no cover - the mistake applies only where the activation is used


class _TanhDerivative(Mistake):
    """tanh' taken wrongly (at every tanh unit, one layer or one unit): ``taken`` is how, ``written`` says it."""

    local = False
    kinds = ("loss", "factor", "delta", "gradient", "parameter_after")

    @staticmethod
    def taken(m: Any, z: Any, a: Any) -> Any:
        raise NotImplementedError

    def variants(self, problem: Problem) -> list[Working]:
        return derivative_variants(problem, type(self).taken, "tanh")

    def written(self, a: str, z: float, h: float, p: int) -> str:
        raise NotImplementedError

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _unit_for(case, "tanh", v)
        f = case.correct.m.to_float
        z, h = f(case.correct.pass_.forward[u.pre]), f(case.correct.pass_.forward[u.name])
        return self.written(pretty(u.pre), z, h, case.p)


class TanhOneMinus(_TanhDerivative):
    id, name = "tanh_one_minus", "tanh' taken as 1 - tanh"
    taken = staticmethod(one_minus_tanh)

    def written(self, a: str, z: float, h: float, p: int) -> str:
        return f"you took tanh'({a}) as 1 - tanh({a}) = {show(1 - h, p)}; tanh'({a}) = 1 - tanh²({a}) = {show(1 - h * h, p)}"


class TanhAsSigmoidPrime(_TanhDerivative):
    id, name = "tanh_as_dsigmoid", "tanh' taken as σ'"
    taken = staticmethod(sigmoid_prime_for_tanh)

    def written(self, a: str, z: float, h: float, p: int) -> str:
        return f"you took tanh'({a}) as σ'({a}) = {show(FloatMath().dsigmoid(z), p)}; tanh'({a}) = 1 - tanh²({a}) = {show(1 - h * h, p)}"


class SigmoidPrimeAsSigmoid(Mistake):
    id, name, local = "dsigmoid_as_sigmoid", "σ' taken as σ", False
    kinds = ("factor", "delta", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return derivative_variants(problem, sigmoid_for_sigmoid_prime, "sigmoid")

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _unit_for(case, "sigmoid", v)
        y = case.correct.m.to_float(case.correct.pass_.forward[u.name])
        o = pretty(u.pre)
        return f"you took σ'({o}) as σ({o}) = {u.name} = {show(y, case.p)}; σ'({o}) = {u.name}(1 - {u.name}) = {show(y * (1 - y), case.p)}"


class UpdatedWeightsMistake(Mistake):
    id, name, local = "updated_weights", "gradient worked with already-updated weights", False
    kinds = ("gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [UpdatedWeights()]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        net = case.ctx.net
        u = net.param_index[case.key.name].target
        ws = [net.weight(u, k) for k in net.units[u.layer + 1]] if u.layer < len(net.layers) - 1 else []
        back = _backward(v, case, bad)
        new = ", ".join(f"{pretty(w)} = {show(bad.m.to_float(back[w]), case.p)}" for w in ws[:4])
        old = ", ".join(f"{pretty(w)} = {show(case.correct.m.to_float(case.correct.params[w]), case.p)}" for w in ws[:4])
        return f"you used the already-updated {new} in dL/d{case.label}; the backward pass uses the weights before this sample's update ({old})"


def _backward(v: Working, case: Case, bad: Worked) -> Mapping[str, Any]:
    back = v.backward(case.ctx, bad.m, dict(bad.params), bad.pass_)
    return back if back is not None else bad.params


class TargetFlippedMistake(Mistake):
    id, name, local = "target_flipped", "target used as 1 - t", False
    kinds = ("loss", "factor", "delta", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [TargetFlipped()]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        pairs = [(k, case.ctx.targets[k]) for k in case.ctx.targets]
        wrong = ", ".join(f"{k} = {show(float(1 - t), case.p)}" for k, t in pairs)
        right = ", ".join(f"{k} = {show(float(t), case.p)}" for k, t in pairs)
        return f"you used 1 - t as the target ({wrong}); the target is {right}"


class InputsSwappedMistake(Mistake):
    id, name, local = "inputs_swapped", "inputs swapped", False

    def variants(self, problem: Problem) -> list[Working]:
        names = problem.network.input_names[:6]
        return [InputsSwapped(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        a, b = v.a, v.b  # type: ignore[attr-defined]
        x = case.ctx.inputs
        return f"you swapped {a} and {b} (used {a} = {x[b]}, {b} = {x[a]}); the sample has {a} = {x[a]}, {b} = {x[b]}"


class BiasNotUpdated(_UpdateMistake):
    id, name, formula = "bias_not_updated", "bias never updated", "{P}, the bias left as it was"

    def variants(self, problem: Problem) -> list[Working]:
        return [BiasesNotUpdated()]

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.kind != "parameter_after" or not case.ctx.net.param_index[case.key.name].is_bias:
            return None
        return super().find(case, paths)


def _output_unit(case: Case) -> Any:
    """The output whose dL/dy leads to this value (the first output for a hidden one)."""
    net = case.ctx.net
    if case.key.kind in ("gradient", "parameter_after"):
        u = net.param_index[case.key.name].target
        if u.layer == len(net.layers) - 1:
            return u
    return net.outputs[0]


class TanhWithoutFour(_TanhDerivative):
    id, name = "tanh_without_4", "tanh' without its factor 4"
    taken = staticmethod(tanh_without_four)

    def written(self, a: str, z: float, h: float, p: int) -> str:
        right = FloatMath().dtanh(z)
        return (
            f"you took tanh'({a}) as e^(-2{a})/(1 + e^(-2{a}))² = {show(right / 4, p + 1)}, without its factor 4; "
            f"tanh'({a}) = 4·e^(-2{a})/(1 + e^(-2{a}))² = {show(right, p)}"
        )


class _LossGradientMistake(Mistake):
    local = False
    kinds = ("factor", "delta", "gradient", "parameter_after")
    taken = "{y}"

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _output_unit(case)
        key = f"dL/d{u.name}"
        mine = show(bad.m.to_float(bad.pass_.factors[key]), case.p)
        right = show(case.correct.m.to_float(case.correct.pass_.factors[key]), case.p)
        return f"you took dL/d{u.name} as {self.taken.format(y=u.name, t=u.target)} = {mine}; dL/d{u.name} = {right}"


class LossGradientSignFlipped(_LossGradientMistake):
    id, name = "dldy_sign_flipped", "dL/dy with its sign flipped"
    taken = "({t} - {y})/({y}(1 - {y})), its sign flipped"

    def variants(self, problem: Problem) -> list[Working]:
        return [LossGradientTaken(sign_flipped_gradient)]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        if case.ctx.net.loss_name != "bce":
            self_taken = "-(the loss's derivative), its sign flipped"
            u = _output_unit(case)
            key = f"dL/d{u.name}"
            return (
                f"you took dL/d{u.name} as {self_taken} = {show(bad.m.to_float(bad.pass_.factors[key]), case.p)}; "
                f"dL/d{u.name} = {show(case.correct.m.to_float(case.correct.pass_.factors[key]), case.p)}"
            )
        return super().says(case, v, bad)


class SquaredErrorGradient(_LossGradientMistake):
    id, name = "sse_gradient_for_ce", "y - t used as dL/dy for cross-entropy"
    taken = "{y} - {t} (squared error's)"

    def variants(self, problem: Problem) -> list[Working]:
        return [LossGradientTaken(squared_error_gradient, ("bce", "ce"))]


class PreviousNotCarried(Mistake):
    id, name, local = "update_not_carried", "previous sample's update not carried", False

    def variants(self, problem: Problem) -> list[Working]:
        return [PreviousUpdateNotCarried()]

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.ctx.prior is None:
            return None
        return super().find(case, paths)

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        prior, before = case.ctx.prior or {}, case.ctx.before
        moved = [n for n in case.ctx.net.param_names if n in prior and abs(prior[n] - before[n]) > 1e-12][:2]
        used = ", ".join(f"{pretty(n)} = {show(prior[n], case.p)} instead of {show(before[n], case.p)}" for n in moved)
        return f"you worked this sample from the parameters before the last update ({used}); each sample starts from the parameters the previous update gave"


class WrongInputMistake(Mistake):
    id, name = "wrong_input", "wrong input for a weight's gradient"
    kinds = ("gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return wrong_inputs(problem)

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        net = case.ctx.net
        q = net.param_index[v.weight]  # type: ignore[attr-defined]
        src = v.source  # type: ignore[attr-defined]
        w = case.correct

        def value(name: str) -> str:
            return show(w.m.to_float(w.inputs[name] if name in w.inputs else w.pass_.forward[name]), case.p)

        pre = pretty(q.target.pre or "")
        return f"you multiplied dL/d{pre} by {src} = {value(src)}, but the input of {pretty(q.name)} is {q.source.name} = {value(q.source.name)}"  # type: ignore[union-attr]


class SwappedWeights(Mistake):
    id, name, local = "weights_swapped", "two weights swapped", False

    def variants(self, problem: Problem) -> list[Working]:
        return swapped_pairs(problem)

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        a, b = v.a, v.b  # type: ignore[attr-defined]
        P = case.correct.params
        f = case.correct.m.to_float
        return (
            f"you used {pretty(a)} = {show(f(P[b]), case.p)} and {pretty(b)} = {show(f(P[a]), case.p)}, the two the wrong way round; "
            f"{pretty(a)} = {show(f(P[a]), case.p)}, {pretty(b)} = {show(f(P[b]), case.p)}"
        )


class ThresholdSignFlipped(Mistake):
    id, name, local = "threshold_sign_flipped", "threshold sign flipped", False

    def variants(self, problem: Problem) -> list[Working]:
        from bpcalc.check.mistaken import ThresholdAdded

        return [ThresholdAdded()]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        return "you added the thresholds (net = Σ w·x + θ), but θ sits on the fixed input -1: net = Σ w·x - θ and dnet/dθ = -1"


class MomentumMissing(_UpdateMistake):
    id, name, formula = "momentum_missing", "momentum term left out", "{P} - η·{g}, a plain step without μ·Δ{P}(n-1)"
    working = "MomentumLeftOut"


class VelocityWrongStep(_UpdateMistake):
    id, name, formula = "velocity_wrong_step", "velocity taken from the wrong step", "{P} + μ·(-η·{g}) - η·{g}, this step's own gradient for Δ{P}(n-1)"
    working = "VelocityFromThisStep"


class DecayOnBias(_UpdateMistake):
    id, name, formula = "decay_on_bias", "decay applied to a bias", "{P} - η·({g} + λ·{P}), but weight decay never touches a bias"
    working = "DecayOnBiases"

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.kind != "parameter_after" or not case.ctx.net.param_index[case.key.name].is_bias:
            return None
        return super().find(case, paths)


class EarlyRoundingMistake(Mistake):
    id, name, local = "rounded_early", "a factor rounded to one decimal early", False
    kinds = ("delta", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return early_roundings(problem)

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        net = case.ctx.net
        u = next(u for row in net.units[1:] for u in row if u.name == v.unit)  # type: ignore[attr-defined]
        key = f"dL/d{u.name}" if v.which == "loss" else f"d{u.name}/d{u.pre}"  # type: ignore[attr-defined]
        right = case.correct.m.to_float(case.correct.pass_.factors[key])
        return f"you rounded {pretty(key)} = {show(right, case.p + 1)} to one decimal ({show(one_decimal(right), 1)}) before using it"


def _digit_swaps(digits: str) -> set[str]:
    """Every digit string one copying slip away: two neighbours transposed, or two digit values swapped throughout."""
    out = set()
    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1]:
            out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    for a in set(digits):
        for b in set(digits):
            if a < b:
                out.add(digits.translate(str.maketrans({a: b, b: a})))
    return out


class DigitsTransposed(Mistake):
    id, name = "digits_transposed", "digits transposed when copying"

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.tolerance is not None:
            return None
        written = case.given.value
        wdigits = f"{abs(written):f}".replace(".", "")
        if len(wdigits.lstrip("0")) < 2 and len(wdigits) < 2:
            return None
        d = hand_decimals(case.given)
        for path in paths:
            exact = path.value(path.correct, case.key)
            if exact is None or not math.isfinite(exact):
                continue
            for x in (exact, *path.hands(path.correct, case.key, d)):
                if x is None or not math.isfinite(x):
                    continue
                right = at_digits(x, case.given)
                if right == written or (right < 0) != (written < 0):
                    continue
                rdigits = f"{abs(right):f}".replace(".", "")
                width = max(len(rdigits), len(wdigits))
                if wdigits.zfill(width) in _digit_swaps(rdigits.zfill(width)):
                    text = f"you wrote {case.given.text} for {right}: digits transposed when copying"
                    return Finding(self, f"{text}. {item_text(case.ctx, case.correct, case.key, case.p)}", None, path)
        return None


class Slip(Mistake):
    id, name = "slip", "arithmetic slip"

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        expected = case.path.value(case.path.correct, case.key)
        shown = show(expected, case.p) if expected is not None else "?"
        return Finding(self, f"you wrote {case.given.text}, expected {shown}: {item_text(case.ctx, case.correct, case.key, case.p)}", None, case.path)


MISTAKES: tuple[Mistake, ...] = (
    LrMissing(),
    LrTwice(),
    SignMistake(),
    Truncated(),
    BiasInput(),
    DroppedChainFactor(),
    TanhOneMinus(),
    TanhAsSigmoidPrime(),
    SigmoidPrimeAsSigmoid(),
    UpdatedWeightsMistake(),
    TargetFlippedMistake(),
    InputsSwappedMistake(),
    BiasNotUpdated(),
    TanhWithoutFour(),
    LossGradientSignFlipped(),
    SquaredErrorGradient(),
    PreviousNotCarried(),
    WrongInputMistake(),
    SwappedWeights(),
    EarlyRoundingMistake(),
    DigitsTransposed(),
    ThresholdSignFlipped(),
    MomentumMissing(),
    VelocityWrongStep(),
    DecayOnBias(),
)
SLIP = Slip()
_BY_ID = {m.id: m for m in MISTAKES}


class Catalogue:
    """Every mistake's variants for one problem, built once (workings are cached by identity)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._variants: dict[str, list[Working]] = {}  # made when first asked for (a right sheet asks for none)
        self._batch: dict[tuple[str, int], list[Working]] = {}

    def _base(self, mistake: Mistake) -> list[Working]:
        if mistake.id not in self._variants:
            m = _BY_ID.get(mistake.id)
            self._variants[mistake.id] = [] if m is None else [v for v in m.variants(self.problem) if v.applies(self.problem)]
        return self._variants[mistake.id]

    def variants(self, mistake: Mistake, case: Case | None = None) -> list[Working]:
        """The mistake's workings; for a batch update also made in the epoch's earlier samples (or all of them)."""
        base = self._base(mistake)
        if case is None or not self.in_earlier(mistake, case):
            return base
        count = case.ctx.sample - batch_span(self.problem, case.ctx.sample)[0]  # the batch's samples before this one
        slot = (mistake.id, count)
        if slot not in self._batch:
            self._batch[slot] = [InSamples(v, (j,), False) for v in base for j in range(count)]
            self._batch[slot] += [InSamples(v, tuple(range(count)), True) for v in base]
        return base + self._batch[slot]

    def in_earlier(self, mistake: Mistake, case: Case) -> bool:
        return (
            self.problem.update != "online"
            and case.key.kind == "parameter_after"
            and case.ctx.updates_here
            and case.ctx.sample > batch_span(self.problem, case.ctx.sample)[0]
            and not isinstance(mistake, _UpdateMistake)
        )


class Unclear(Mistake):
    """Two stories give the value equally well, one of them a mistake made in an earlier sample of a batch epoch:
    the values written cannot tell in which step (which sample) it went wrong."""

    id, name, local = "unclear", "cannot tell which step", False


UNCLEAR = Unclear()


def diagnose(case: Case, paths: list[Path]) -> Finding:
    """The classic mistake that reproduces the written value best (see the module's tie-breaks), else an arithmetic slip;
    'cannot tell which step', with the candidates, when a mistake in an earlier sample of the epoch and one in another
    step give it equally well."""
    found = [f for f in (mistake.find(case, paths) for mistake in MISTAKES) if f is not None]
    if found:
        top = max(f.support for f in found)
        best = next(f for f in found if f.support == top)
        rivals = [f for f in found if f is not best and f.support == top and (f.mistake.id, _step(f)) != (best.mistake.id, _step(best))]
        earlier = [f for f in [best, *rivals] if isinstance(f.working, InSamples)]
        working = item_text(case.ctx, case.correct, case.key, case.p)
        told = [f"{f.mistake.name} ({_told(f, working)})" for f in [best, *rivals[:2]]] if rivals and earlier else []
        if best.elsewhere:  # the same mistake, made in another sample, gives it as well
            told = (told or [f"{best.mistake.name} ({_told(best, working)})"]) + [f"{best.mistake.name} ({t})" for t in best.elsewhere]
        if len(told) > 1:
            return Finding(UNCLEAR, f"the values written do not show where: {' or '.join(told[:3])}. {working}", best.working, best.path, best.support)
        return best
    slip = SLIP.find(case, paths)
    assert slip is not None
    return slip


def _step(f: Finding) -> tuple[Any, ...]:
    """Where a finding says the mistake was made: this sample, or which earlier samples of the epoch."""
    return _where(f.working)


def _where(w: Working | None) -> tuple[Any, ...]:
    return (w.which, w.current) if isinstance(w, InSamples) else ()


def _told(f: Finding, working: str) -> str:
    """What a finding says the student did, without the corrected working after it."""
    tail = f": {working}"
    return f.detail[: -len(tail)] if f.detail.endswith(tail) else f.detail
