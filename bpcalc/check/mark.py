"""Mark a student's answers sample by sample, carrying their own numbers forward: right, follows through, or wrong.

Each sample is worked along four paths:

* the correct one (the problem's own parameters): a value that matches it is right;
* the student's as written: from their parameters after the previous sample, and their own
  forward values and gradients within the sample, exactly as written;
* the same parameters, but the sample worked through at full precision (a student who keeps
  every digit on the calculator within a sample and carries the written parameters);
* the student's as evidently computed: from the full-precision values their written parameters
  stand for (the value a right or following entry was marked against, or the value a named
  mistake gives), so that a sheet worked at full precision and rounded only for writing carries too.

A value that matches a carried path follows through when something it builds on was wrong, and
is right otherwise (it only differs by the student's rounding). Anything else is wrong, and is
diagnosed once, where it first appears.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from bpcalc.arith import RoundedMath
from bpcalc.check.diagnose import Case, Catalogue, Finding, diagnose
from bpcalc.check.explain import precision_for, show
from bpcalc.check.model import Answers, Given, Item, Key, Report, depends
from bpcalc.check.tolerance import Tolerance, half_unit, hand_decimals, matches
from bpcalc.check.working import CORRECT, Path, SampleContext, Worked
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import Run, train
from bpcalc.problem import Problem


@dataclass(frozen=True)
class CheckOptions:
    carry: bool = True  # work each sample on from the student's own earlier values
    tolerance: Tolerance | None = None  # None: from the digits written


def run_values(run: Run, index: int) -> dict[Key, float]:
    """Every checkable value of one sample of a run."""
    r, m = run.results[index], run.math
    out = {Key("forward", k): m.to_float(v) for k, v in r.pass_.forward.items()}
    out[Key("loss", "loss")] = m.to_float(r.pass_.loss)
    for k, v in r.pass_.gradients.items():
        out[Key("gradient", k)] = m.to_float(v)
    for k, v in r.after.items():
        out[Key("parameter_after", k)] = m.to_float(v)
    return out


class _Truth:
    """The correct run, and the same run rounded at every step to d decimals (for drift), made on demand."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.run = train(problem)
        self._values = [run_values(self.run, i) for i in range(len(self.run.results))]
        self._hand: dict[int, list[dict[Key, float]] | None] = {}

    def value(self, index: int, key: Key) -> float:
        return self._values[index][key]

    def hand(self, index: int, key: Key, decimals: int | None) -> float | None:
        if decimals is None:
            return None
        if decimals not in self._hand:
            try:
                run = train(self.problem, RoundedMath(decimals))
                self._hand[decimals] = [run_values(run, i) for i in range(len(run.results))]
            except (BpcalcError, ArithmeticError, ValueError):
                self._hand[decimals] = None
        rows = self._hand[decimals]
        return None if rows is None else rows[index][key]

    def floats(self, values: Mapping[str, Any]) -> dict[str, float]:
        return {k: self.run.math.to_float(v) for k, v in values.items()}


@dataclass(frozen=True)
class _State:
    """Parameters carried into a sample; ``worked_out``: those not written by the student."""

    params: Mapping[str, float]
    worked_out: frozenset[str] = frozenset()


@dataclass
class _Paths:
    true: Path
    written: Path
    plain: Path
    evident: Path
    carry: bool

    @property
    def mark(self) -> Path:
        """The path values are marked against (expected values, corrected workings)."""
        return self.written if self.carry and self.written.work(CORRECT) is not None else self.true

    @property
    def carried(self) -> list[Path]:
        """The student's paths that can be worked, the full-precision ones first."""
        return [p for p in (self.evident, self.plain, self.written) if p.work(CORRECT) is not None] if self.carry else []

    @property
    def all(self) -> list[Path]:
        return self.carried + [self.true]


def check(problem: Problem, answers: Answers, options: CheckOptions = CheckOptions()) -> Report:
    """Mark every value in ``answers`` against ``problem``."""
    return _Marker(problem, options).mark(answers)


class _Marker:
    def __init__(self, problem: Problem, options: CheckOptions) -> None:
        self.problem = problem
        self.net = problem.network
        self.options = options
        self.truth = _Truth(problem)
        self.catalogue = Catalogue(problem)

    def mark(self, answers: Answers) -> Report:
        pr, truth = self.problem, self.truth
        start_params = {k: float(v) for k, v in pr.parameters.items()}
        written = evident = _State(start_params)
        items: list[Item] = []
        earlier_bad = False
        for index, r in enumerate(truth.run.results):
            if r.sample == 1:
                epoch_written, epoch_evident = written, evident
                grads: dict[str, list[dict[str, float]]] = {"true": [], "written": [], "evident": []}
            given = answers.for_sample(r.epoch, r.sample)
            wrote = {kind: {k.name: float(g.value) for k, g in given.items() if k.kind == kind} for kind in ("forward", "gradient", "parameter_after")}
            batch = pr.update == "batch"
            w_state = epoch_written if batch else written
            e_state = epoch_evident if batch else evident
            true_before = truth.floats(r.before)

            def ctx(state: _State, **kw: Any) -> SampleContext:
                return SampleContext(pr, r.epoch, r.sample, state.params, state.params, worked_out=state.worked_out, **kw)

            paths = _Paths(
                Path(ctx(_State(true_before), earlier=tuple(grads["true"])), carried=False),
                Path(
                    ctx(w_state, forward=wrote["forward"], gradients=wrote["gradient"], after=wrote["parameter_after"], earlier=tuple(grads["written"])),
                    carried=True,
                ),
                Path(ctx(w_state, gradients=wrote["gradient"], earlier=tuple(grads["written"])), carried=True),
                Path(ctx(e_state, earlier=tuple(grads["evident"])), carried=True),
                self.options.carry,
            )
            marked: list[Item] = []
            evident_values: dict[Key, float] = {}
            reported: list[tuple[Key, Finding]] = []
            for key, g in given.items():
                tainted = earlier_bad or any(i.verdict != "right" and depends(self.net, key, i.key) for i in marked)
                item, value = self.judge(index, key, g, given, paths, tainted, reported)
                marked.append(item)
                evident_values[key] = value
            items.extend(marked)
            earlier_bad = earlier_bad or any(i.verdict != "right" for i in marked)

            # What the student carries into the next sample.
            grads["true"].append(truth.floats(r.pass_.gradients))
            w_worked = paths.written.work(CORRECT) or paths.true.work(CORRECT)
            evident_grads = {k.name: v for k, v in evident_values.items() if k.kind == "gradient"}
            e_worked = CORRECT.work(replace(paths.evident.ctx, gradients=evident_grads)) if paths.evident.work(CORRECT) else None
            e_worked = e_worked or w_worked
            assert w_worked is not None and e_worked is not None
            grads["written"].append(_floats(w_worked, w_worked.used))
            grads["evident"].append(_floats(e_worked, e_worked.used))
            if paths.written.ctx.updates_here:
                given_after = wrote["parameter_after"]
                written = _State(
                    {n: given_after.get(n, v) for n, v in _floats(w_worked, w_worked.after).items()},
                    frozenset(n for n in self.net.param_names if n not in given_after),
                )
                evident_after = {k.name: v for k, v in evident_values.items() if k.kind == "parameter_after"}
                evident = _State({n: evident_after.get(n, v) for n, v in _floats(e_worked, e_worked.after).items()})

        label = "from the digits written" if self.options.tolerance is None else self.options.tolerance.describe()
        return Report(self.problem.source, answers.source, self.options.carry, label, tuple(items))

    # --- one value ----------------------------------------------------------------------------

    def judge(
        self,
        index: int,
        key: Key,
        g: Given,
        given: dict[Key, Given],
        paths: _Paths,
        tainted: bool,
        reported: list[tuple[Key, Finding]],
    ) -> tuple[Item, float]:
        """The item for one written value, and the full-precision value it evidently stands for."""
        tol, d = self.options.tolerance, hand_decimals(g)
        correct = self.truth.value(index, key)
        r = self.truth.run.results[index]
        item = Item(r.epoch, r.sample, key, g, correct, correct, "right", epochs=self.problem.epochs)
        carried = [(p, p.value(CORRECT, key)) for p in paths.carried]
        carried = [(p, v) for p, v in carried if v is not None and matches(g, v, p.value(CORRECT, key, d), tol)]
        if matches(g, correct, [self.truth.hand(index, key, d), paths.true.value(CORRECT, key, d)], tol):
            evident = carried[0][1] if carried else correct
            return item, evident
        follows = self.follows_mistake(item, key, g, d, paths, reported)
        if follows is not None:
            return follows
        if carried:
            evident = carried[0][1]
            path, expected = next(((p, v) for p, v in carried if p is paths.mark), carried[0])
            if not tainted:
                return replace(item, expected=expected), evident
            note = f"right given your earlier values; the correct value is {show(correct, precision_for(g.decimals))}"
            note += _drift_note(g, expected, path, key, d, tol)
            return replace(item, expected=expected, verdict="follows", note=note), evident
        return self.wrong(item, key, g, d, given, paths, reported)

    def follows_mistake(
        self, item: Item, key: Key, g: Given, d: int | None, paths: _Paths, reported: list[tuple[Key, Finding]]
    ) -> tuple[Item, float] | None:
        """A later step worked consistently with a mistake already named in this sample follows through."""
        for earlier, finding in reported:
            if finding.working is None or not depends(self.net, key, earlier):
                continue
            for path in paths.all:
                value = path.value(finding.working, key)
                if value is not None and matches(g, value, path.value(finding.working, key, d), self.options.tolerance, slack=0.0):
                    note = f"follows through from the {finding.mistake.name} in {replace(item, key=earlier).step}"
                    return replace(item, expected=value, verdict="follows", note=note), value
        return None

    def wrong(
        self,
        item: Item,
        key: Key,
        g: Given,
        d: int | None,
        given: dict[Key, Given],
        paths: _Paths,
        reported: list[tuple[Key, Finding]],
    ) -> tuple[Item, float]:
        tol = self.options.tolerance
        mark = paths.mark
        expected = mark.value(CORRECT, key)
        expected = item.correct if expected is None else expected
        item = replace(item, expected=expected, verdict="wrong")
        worked = mark.work(CORRECT)
        assert worked is not None
        case = Case(key, g, mark, worked, tol, given, self.catalogue)
        finding = diagnose(case, paths.all if self.options.carry else [paths.true])
        if finding.mistake.id == "slip" and not self.options.carry:
            for path in (paths.evident, paths.plain, paths.written):
                value = path.value(CORRECT, key)
                if value is not None and matches(g, value, path.value(CORRECT, key, d), tol):
                    note = "right given your earlier values, but marked against the correct working (--no-carry)"
                    return replace(item, note=note, mistake="follows_earlier", mistake_name="built on an earlier mistake"), value
        if finding.working is not None and not finding.mistake.local:
            reported.append((key, finding))
        evident = float(g.value)
        if finding.working is not None and finding.path is not None:
            evident = finding.path.value(finding.working, key) or evident
        return replace(item, note=finding.detail, mistake=finding.mistake.id, mistake_name=finding.mistake.name), evident


def _floats(w: Worked, values: Mapping[str, Any]) -> dict[str, float]:
    return {k: w.m.to_float(v) for k, v in values.items()}


def _drift_note(g: Given, expected: float, path: Path, key: Key, d: int | None, tol: Tolerance | None) -> str:
    """Say so when only the rounding of a hand working makes the written value fit."""
    if tol is not None or d is None or abs(float(g.value) - expected) <= half_unit(g) * (1 + 1e-9):
        return ""
    hand = path.value(CORRECT, key, d)
    if hand is None:
        return ""
    return f" (to full precision {show(expected, d + 2)}; rounding every step to {d} decimals gives {show(hand, d)})"
