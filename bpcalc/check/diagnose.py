"""The classic backpropagation mistakes: each one's name, how to reproduce it, and how a marker explains it.

A wrong value is worked again under every mistake in ``MISTAKES`` (in that order: the ones that
change a single value first, then the ones that change a whole sample); the first that reproduces
the written number to its digits is named, with the corrected working. None: an arithmetic slip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Mapping

from bpcalc.arith import FloatMath
from bpcalc.check.explain import factor, item_text, precision_for, show, update_text
from bpcalc.check.mistaken import (
    BiasTimesInput,
    DroppedFactor,
    InputsSwapped,
    LearningRateLeftOut,
    LearningRateTwice,
    OneMinusTanhMath,
    SigmoidForSigmoidPrimeMath,
    SigmoidPrimeForTanhMath,
    SignFlipped,
    TargetFlipped,
    UpdatedWeights,
    WrongDerivative,
)
from bpcalc.check.model import Given, Key
from bpcalc.check.tolerance import Tolerance, at_digits, half_unit, hand_decimals, matches, truncation_of
from bpcalc.check.working import Path, SampleContext, Working, Worked
from bpcalc.network import pretty
from bpcalc.problem import Problem

# A mistake seen in this one value only must move it by this many half-units of its last written
# digit to be named; closer than that, a slip that happens to land on it is the likelier story.
# (Measured: slips of 2 to 300 units that landed on some mistake's number did so within 40
# half-units; the classic mistakes in the tests move values by 66 and more.)
DISTINCT = 50


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    mistake: "Mistake"
    detail: str  # the marker's note: what the student did, and the corrected working
    working: Working | None = None
    path: Path | None = None


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
    local = True  # made in one value only: later steps that agree with it are not followed up as this mistake
    kinds: tuple[str, ...] = ("forward", "loss", "gradient", "parameter_after")
    whole_sample = False  # made throughout a sample, never in one value: must agree with the sample's other values

    def variants(self, problem: Problem) -> list[Working]:
        return []

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        raise NotImplementedError

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.kind not in self.kinds:
            return None
        for v in case.catalogue.variants(self):
            for path in paths:
                if self.reproduces(case, v, path):
                    bad = path.work(v)
                    assert bad is not None
                    return Finding(self, f"{self.says(case, v, bad)}: {item_text(case.ctx, case.correct, case.key, case.p)}", v, path)
        return None

    def reproduces(self, case: Case, v: Working, path: Path) -> bool:
        value = path.value(v, case.key)
        correct = path.value(path.correct, case.key)
        if value is None or correct is None or not math.isfinite(value):
            return False
        hand = path.value(v, case.key, hand_decimals(case.given))
        if not matches(case.given, value, hand, case.tolerance, slack=0.0):
            return False
        explained, contradicted = consistency(case, v, path)
        if self.whole_sample and contradicted > explained:
            return False
        if abs(value - correct) >= DISTINCT * _room(case.given, correct, case.tolerance):
            return True
        return explained >= 2  # seen in another value of this sample too


def _room(given: Given, x: float, tolerance: Tolerance | None) -> float:
    if tolerance is None:
        return half_unit(given)
    return tolerance.width(x)


def consistency(case: Case, v: Working, path: Path) -> tuple[int, int]:
    """(values the mistake explains, values it contradicts) among this sample's others, plus this one."""
    explained, contradicted = 1, 0
    for key, g in case.others.items():
        if key == case.key:
            continue
        good, bad = path.value(path.correct, key), path.value(v, key)
        if good is None or bad is None:
            continue
        d = hand_decimals(g)
        fits_good = matches(g, good, path.value(path.correct, key, d), case.tolerance)
        fits_bad = matches(g, bad, path.value(v, key, d), case.tolerance)
        if fits_good and not fits_bad:
            contradicted += 1
        elif fits_bad and not fits_good:
            explained += 1
    return explained, contradicted


def _g(case: Case, w: Worked) -> str:
    return factor(w.m.to_float(w.applied[case.key.name]), case.p)


def _update_tail(case: Case) -> str:
    """'the update is β4 - η·dL/dβ4 = 0 - 0.1·(-0.646) = 0.065'"""
    return "the update is " + update_text(case.ctx, case.correct, case.key.name, case.p).split(" = ", 1)[1]


class _UpdateMistake(Mistake):
    kinds = ("parameter_after",)
    formula = ""

    def find(self, case: Case, paths: list[Path]) -> Finding | None:
        if case.key.name in case.ctx.problem.frozen or not case.ctx.updates_here:
            return None
        for v in case.catalogue.variants(self):
            for path in paths:
                if self.reproduces(case, v, path):
                    P = case.label
                    grad = "mean(dL/d{})".format(P) if case.ctx.problem.update == "batch" else f"dL/d{P}"
                    text = f"you wrote {case.given.text} = {self.formula.format(P=P, g=grad)}; {_update_tail(case)}"
                    return Finding(self, text, v, path)
        return None


class LrMissing(_UpdateMistake):
    id, name, formula = "lr_missing", "learning rate left out", "{P} - {g}"

    def variants(self, problem: Problem) -> list[Working]:
        return [LearningRateLeftOut()]


class LrTwice(_UpdateMistake):
    id, name, formula = "lr_twice", "learning rate applied twice", "{P} - η²·{g}"

    def variants(self, problem: Problem) -> list[Working]:
        return [LearningRateTwice()]


class SignMistake(_UpdateMistake):
    id, name, formula = "sign_flipped", "update sign flipped", "{P} + η·{g}"

    def variants(self, problem: Problem) -> list[Working]:
        return [SignFlipped()]


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
            cut = truncation_of(case.given, exact, path.value(path.correct, case.key, d))
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


def _unit_for(case: Case, activation: str) -> Any:
    """The unit whose derivative the mistake touches on the way to this value (its own, else the output)."""
    net = case.ctx.net
    if case.key.kind in ("gradient", "parameter_after"):
        u = net.param_index[case.key.name].target
        if net.activations[u.layer - 1] == activation:
            return u
    for row in reversed(net.units[1:]):
        for u in row:
            if net.activations[u.layer - 1] == activation:
                return u
    return None  # pragma: no cover - the mistake applies only where the activation is used


class TanhOneMinus(Mistake):
    id, name, local = "tanh_one_minus", "tanh' taken as 1 - tanh", False
    kinds = ("loss", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [WrongDerivative(OneMinusTanhMath, "tanh")]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _unit_for(case, "tanh")
        h = case.correct.m.to_float(case.correct.pass_.forward[u.name])
        a = pretty(u.pre)
        return f"you took tanh'({a}) as 1 - tanh({a}) = {show(1 - h, case.p)}; tanh'({a}) = 1 - tanh²({a}) = {show(1 - h * h, case.p)}"


class TanhAsSigmoidPrime(Mistake):
    id, name, local = "tanh_as_dsigmoid", "tanh' taken as σ'", False
    kinds = ("loss", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [WrongDerivative(SigmoidPrimeForTanhMath, "tanh")]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _unit_for(case, "tanh")
        m = case.correct.m
        z = m.to_float(case.correct.pass_.forward[u.pre])
        h = m.to_float(case.correct.pass_.forward[u.name])
        a = pretty(u.pre)
        return (
            f"you took tanh'({a}) as σ'({a}) = {show(FloatMath().dsigmoid(z), case.p)}; "
            f"tanh'({a}) = 1 - tanh²({a}) = {show(1 - h * h, case.p)}"
        )


class SigmoidPrimeAsSigmoid(Mistake):
    id, name, local = "dsigmoid_as_sigmoid", "σ' taken as σ", False
    kinds = ("gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [WrongDerivative(SigmoidForSigmoidPrimeMath, "sigmoid")]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        u = _unit_for(case, "sigmoid")
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
    kinds = ("loss", "gradient", "parameter_after")

    def variants(self, problem: Problem) -> list[Working]:
        return [TargetFlipped()]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        pairs = [(k, case.ctx.targets[k]) for k in case.ctx.targets]
        wrong = ", ".join(f"{k} = {show(float(1 - t), case.p)}" for k, t in pairs)
        right = ", ".join(f"{k} = {show(float(t), case.p)}" for k, t in pairs)
        return f"you used 1 - t as the target ({wrong}); the target is {right}"


class InputsSwappedMistake(Mistake):
    id, name, local, whole_sample = "inputs_swapped", "inputs swapped", False, True

    def variants(self, problem: Problem) -> list[Working]:
        names = problem.network.input_names[:6]
        return [InputsSwapped(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]

    def says(self, case: Case, v: Working, bad: Worked) -> str:
        a, b = v.a, v.b  # type: ignore[attr-defined]
        x = case.ctx.inputs
        return f"you swapped {a} and {b} (used {a} = {x[b]}, {b} = {x[a]}); the sample has {a} = {x[a]}, {b} = {x[b]}"


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
)
SLIP = Slip()


class Catalogue:
    """Every mistake's variants for one problem, built once (workings are cached by identity)."""

    def __init__(self, problem: Problem) -> None:
        self._variants = {m.id: [v for v in m.variants(problem) if v.applies(problem)] for m in MISTAKES}

    def variants(self, mistake: Mistake) -> list[Working]:
        return self._variants.get(mistake.id, [])


def diagnose(case: Case, paths: list[Path]) -> Finding:
    """The first classic mistake that reproduces the written value, else an arithmetic slip."""
    for mistake in MISTAKES:
        found = mistake.find(case, paths)
        if found is not None:
            return found
    found = SLIP.find(case, paths)
    assert found is not None
    return found
