"""Mark a student's answers sample by sample, carrying their own numbers forward: right, follows through, or wrong.

Each sample is worked along the paths of :mod:`bpcalc.check.paths` (the correct one and the
student's own), each also by hand, rounded at every step to the decimals written (in each hand
style of :mod:`bpcalc.check.styles`). A value that matches the correct working is right; one that
matches a path of the student's own follows through when something it builds on was wrong, and is
right otherwise (it only differs by the student's rounding). Anything else is wrong, and is
diagnosed once, where it first appears.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping

from bpcalc.check.diagnose import SLIP, Case, Catalogue, Finding, diagnose
from bpcalc.check.explain import precision_for, show
from bpcalc.check.model import Answers, Entry, Given, Item, Key, Report, depends
from bpcalc.check.paths import Paths, State
from bpcalc.check.reference import Reference
from bpcalc.check.styles import roundings
from bpcalc.check.tolerance import DEFAULT_ANSWER_DECIMALS, Tolerance, at_place, half_unit, hand_decimals, loose, matches
from bpcalc.check.working import CORRECT, Path, SampleContext, Worked, Working, starts_batch
from bpcalc.network import pretty
from bpcalc.problem import Problem


@dataclass(frozen=True)
class CheckOptions:
    carry: bool = True  # work each sample on from the student's own earlier values
    tolerance: Tolerance | None = None  # None: from the digits written
    answer_decimals: int | None = None  # the most precision a written value earns (None: the problem's, else 2)


def answer_decimals(problem: Problem, options: CheckOptions) -> int:
    """The answer precision: the option's, else the problem's ``answer_decimals``, else two decimals."""
    for d in (options.answer_decimals, problem.answer_decimals):
        if d is not None:
            return d
    return DEFAULT_ANSWER_DECIMALS


def check(problem: Problem, answers: Answers, options: CheckOptions = CheckOptions()) -> Report:
    """Mark every value in ``answers`` against ``problem``."""
    places = answer_decimals(problem, options)
    capped = tuple(Entry(e.epoch, e.sample, e.key, e.given.capped(places)) for e in answers.entries)
    return _Marker(problem, options).mark(replace(answers, entries=capped))


class _Marker:
    def __init__(self, problem: Problem, options: CheckOptions) -> None:
        self.problem = problem
        self.net = problem.network
        self.options = options
        self.truth = Reference(problem)
        self.catalogue = Catalogue(problem)
        self._named: list[Finding] = []  # the mistakes named in the sample being marked

    def mark(self, answers: Answers) -> Report:
        pr, truth = self.problem, self.truth
        start_params = {k: float(v) for k, v in pr.parameters.items()}
        written = evident = State(start_params)
        prior: dict[str, Mapping[str, float] | None] = {"true": None, "written": None, "plain": None, "evident": None}
        typos: dict[str, float] = {}  # parameters written wrong after the last sample: name → what they should have been
        items: list[Item] = []
        earlier_bad = False
        for index, r in enumerate(truth.run.results):
            if starts_batch(pr, r.sample):  # a batch's samples are all worked from the parameters it starts at
                epoch_written, epoch_evident = written, evident
                grads: dict[str, list[dict[str, float]]] = {"true": [], "written": [], "plain": [], "evident": []}
                previous: dict[str, list[SampleContext]] = {"true": [], "written": [], "plain": [], "evident": []}
            given = answers.for_sample(r.epoch, r.sample)
            wrote = {kind: {k.name: g.number for k, g in given.items() if k.kind == kind} for kind in ("forward", "gradient", "parameter_after")}
            batch = pr.update != "online"
            w_state = epoch_written if batch else written
            e_state = epoch_evident if batch else evident
            if typos and not batch:  # a typo the student's own later values show they did not use is not carried on
                w_state, e_state = self.resolve_typos(r.epoch, r.sample, given, w_state, e_state, typos)
            typos = {}
            true_before = truth.floats(r.before)

            made: list[tuple[SampleContext, dict[Any, Any]]] = []

            def path(state: State, name: str, carried: bool = True, hand: bool = True, **kw: Any) -> Path:
                made.append((SampleContext(
                    pr, r.epoch, r.sample, state.params, state.params, worked_out=state.worked_out, kept=state.kept, kept_by=state.kept_by,
                    earlier=tuple(grads[name]), previous=tuple(previous[name]), prior=None if batch else prior[name], **kw,
                ), {}))
                # paths that work the sample from the same numbers share one context and its workings, each done once
                c, cache = next(m for m in made if m[0] == made[-1][0])
                return Path(c, carried, name, hand, cache)

            paths = Paths(
                path(State(true_before, kept=truth.kept_before(index)), "true", carried=False),
                path(w_state, "written", forward=wrote["forward"], gradients=wrote["gradient"], after=wrote["parameter_after"]),
                path(w_state, "plain"),
                # a student who keeps every digit across samples keeps them within one too: no hand rounding
                path(e_state, "evident", hand=False),
                self.options.carry,
            )
            marked: list[Item] = []
            evident_values: dict[Key, float] = {}
            reported: list[tuple[Key, Finding]] = []
            self._named = []
            # Hand rounding of the correct working from the problem's own values only counts where the
            # student's parameters before this sample are not all written: else their own working shows it.
            drifts = not self.options.carry or index == 0 or bool(w_state.worked_out)
            off: list[Key] = []  # the sample's values so far that are not right (the only ones a later value can be tainted by)
            for key, g in given.items():
                paths.settle(key)
                tainted = earlier_bad or any(depends(self.net, key, k) for k in off)
                item, value, carried_as = self.judge(index, key, g, given, paths, tainted, reported, drifts)
                marked.append(item)
                if item.verdict != "right":
                    off.append(key)
                evident_values[key] = value
                if carried_as is not None:
                    paths.carry_on(key, carried_as[0], g.number)
            items.extend(marked)
            earlier_bad = earlier_bad or any(i.verdict != "right" for i in marked)
            typos = {i.key.name: i.expected for i in marked if i.verdict == "wrong" and i.key.kind == "parameter_after" and i.mistake in TYPOS}

            # What the student carries into the next sample.
            paths.settle(Key("parameter_after", ""))
            grads["true"].append(truth.floats(r.pass_.gradients))
            w_worked = paths.written.work(CORRECT) or paths.true.work(CORRECT)
            p_worked = paths.plain.work(CORRECT) or w_worked
            e_worked = paths.evident.work(CORRECT) or w_worked
            assert w_worked is not None and p_worked is not None and e_worked is not None
            grads["written"].append(_floats(w_worked, w_worked.used))
            grads["plain"].append(_floats(p_worked, p_worked.used))
            grads["evident"].append(_floats(e_worked, e_worked.used))
            for path in (paths.true, paths.written, paths.plain, paths.evident):
                previous[path.name].append(path.ctx)
            if not batch:
                prior = {"true": true_before, "written": w_state.params, "plain": w_state.params, "evident": e_state.params}
            if paths.written.ctx.updates_here:
                given_after = wrote["parameter_after"]
                written = State(
                    {n: given_after.get(n, v) for n, v in _floats(w_worked, w_worked.after).items()},
                    frozenset(n for n in self.net.param_names if n not in given_after),
                    *self.kept_written(w_worked.kept, self.kept_by_hand(paths.written, given), w_state, given_after),
                )
                self.hidden_mistakes(given, marked, paths.evident, evident_values)
                evident_after = {k.name: v for k, v in evident_values.items() if k.kind == "parameter_after"}
                evident = State({n: evident_after.get(n, v) for n, v in _floats(e_worked, e_worked.after).items()}, kept=e_worked.kept)

        places = answer_decimals(self.problem, self.options)
        label = f"from the digits written (at most {places} decimal{'s' if places != 1 else ''})" if self.options.tolerance is None else self.options.tolerance.describe()
        return Report(self.problem.source, answers.source, self.options.carry, label, tuple(items))

    def kept_written(
        self, kept: Mapping[str, Any], by_hand: dict[Any, Mapping[str, Any]], before: State, after: Mapping[str, float]
    ) -> tuple[Mapping[str, Any], dict[Any, Mapping[str, Any]]]:
        """Momentum's Δp(n−1) as the student's own sheet has it (written after − written before) wherever both are
        written: a student carries their own step into the next one, right or wrong."""
        if self.problem.optimizer.name != "momentum":
            return kept, by_hand
        own = {n: v - before.params[n] for n, v in after.items() if n in before.params and n not in before.worked_out and n not in self.problem.frozen}
        if not own:
            return kept, by_hand
        rounded = {r: {**k, **{n: round(v, r.decimals) for n, v in own.items()}} for r, k in by_hand.items()}
        return {**kept, **own}, rounded

    def kept_by_hand(self, path: Path, given: Mapping[Key, Given]) -> dict[Any, Mapping[str, Any]]:
        """What the update rule kept (Δp(n−1); Adam's m and v) as the student's own working rounds it, per rounding:
        a hand working carries its rounded state into the next update, not the full-precision one."""
        if self.problem.optimizer.name == "sgd":
            return {}
        out: dict[Any, Mapping[str, Any]] = {}
        for d in sorted({hand_decimals(g) for g in given.values()} - {None}):
            for rounding in roundings(d):
                w = path.work(CORRECT, rounding)
                if w is not None:
                    out[rounding] = w.kept
        return out

    def resolve_typos(
        self, epoch: int, sample: int, given: dict[Key, Given], written: State, evident: State, typos: Mapping[str, float]
    ) -> tuple[State, State]:
        """The states to work this sample from: with the wrongly written parameters as written, or as they should have
        been when the student's own forward values and gradients of this sample agree better with that (a typo)."""
        keys = [(k, g) for k, g in given.items() if k.kind in ("forward", "gradient")]
        if not keys:
            return written, evident

        def agreeing(state: State) -> int:
            ctx = SampleContext(self.problem, epoch, sample, state.params, state.params, worked_out=state.worked_out, kept=state.kept)
            path = Path(ctx, carried=True)
            count = 0
            for k, g in keys:
                value = path.value(CORRECT, k)
                count += value is not None and matches(g, value, path.hands(CORRECT, k, hand_decimals(g)), self.options.tolerance)
            return count

        best = agreeing(written)
        for name, value in typos.items():  # one at a time: keep each version the later values agree with better
            fixed = replace(written, params={**written.params, name: value})
            count = agreeing(fixed)
            if count > best:
                best, written = count, fixed
                evident = replace(evident, params={**evident.params, name: value})
        return written, evident

    def hidden_mistakes(self, given: dict[Key, Given], marked: list[Item], path: Path, evident: dict[Key, float]) -> None:
        """A parameter right to its digits both with and without a mistake named elsewhere in the sample
        evidently had it made too (below the written digits): carry the mistake's value on."""
        workings = [f.working for f in self._named if f.working is not None]
        for item in marked:
            if item.verdict == "wrong" or item.key.kind != "parameter_after" or not workings:
                continue
            g, d = given[item.key], hand_decimals(given[item.key])
            for w in workings:
                value = path.value(w, item.key)
                if value is not None and matches(g, value, path.hands(w, item.key, d), self.options.tolerance, slack=0.0):
                    evident[item.key] = value
                    break

    # --- one value ----------------------------------------------------------------------------

    def judge(
        self,
        index: int,
        key: Key,
        g: Given,
        given: dict[Key, Given],
        paths: Paths,
        tainted: bool,
        reported: list[tuple[Key, Finding]],
        drifts: bool = True,
    ) -> tuple[Item, float, tuple[Working | None] | None]:
        """The item for one written value, the full-precision value it evidently stands for, and how it is
        carried on when the student got it wrong (the working that gives it; None: as written)."""
        tol, d = self.options.tolerance, hand_decimals(g)
        correct = self.truth.value(index, key)
        r = self.truth.run.results[index]
        item = Item(r.epoch, r.sample, key, g, correct, correct, "right", epochs=self.problem.epochs)
        # the student's own paths that give the value, the full-precision ones first (worked out only as far as needed)
        fits = ((p, v) for p in paths.carried if (v := p.value(CORRECT, key)) is not None and matches(g, v, p.hands(CORRECT, key, d), tol))
        # Right to full precision or the sheet's hand rounding; else following the student's own working;
        # else right after all when another hand style gives it (a rarer story than carrying one's own values).
        hands = _Pairs(zip(self.truth.hands(index, key, d), paths.true.hands(CORRECT, key, d)) if drifts else iter(()))
        if matches(g, correct, hands.first(), tol):
            first = next(fits, None)
            return item, correct if first is None else first[1], None
        carried = list(fits)
        follows = self.follows_mistake(item, key, g, d, paths, reported)
        if follows is not None:
            return follows
        if carried:
            evident = carried[0][1]
            path, expected = next(((p, v) for p, v in carried if p is paths.mark), carried[0])
            if not tainted:
                return replace(item, expected=expected), evident, None
            note = f"right given your earlier values; the correct value is {show(correct, precision_for(g.decimals))}"
            note += _drift_note(g, expected, path, key, d, tol)
            return replace(item, expected=expected, verdict="follows", note=note), evident, None
        if any(matches(g, correct, h, tol) for h in hands.rest()) and not (not self.options.carry and self.own(key, g, d, paths)):
            return item, correct, None
        short = self.too_few_digits(item, key, g, paths)
        if short is not None:
            return short
        return self.wrong(item, key, g, d, given, paths, reported)

    def too_few_digits(self, item: Item, key: Key, g: Given, paths: Paths) -> tuple[Item, float, None] | None:
        """Wrong, with its own diagnosis, when only the room its few digits claim (beyond the answer precision) makes it fit."""
        if not g.short or self.options.tolerance is not None:
            return None
        values = [item.correct] + [v for v in (p.value(CORRECT, key) for p in paths.carried) if v is not None]
        expected = next((v for v in values if matches(loose(g), v, None, None)), None)
        if expected is None:
            return None
        places = g.answer_decimals or 0
        name = pretty(key.name) if key.kind == "parameter_after" else key.label()
        note = (
            f"you wrote {g.text}; {name} = {show(expected, precision_for(places + 1))} to {_count(places)} "
            f"decimal{'s' if places != 1 else ''} is {at_place(expected, -places)}"
        )
        item = replace(item, expected=expected, verdict="wrong", note=note, mistake="too_few_digits", mistake_name="too few digits")
        return item, expected, None

    def own(self, key: Key, g: Given, d: int | None, paths: Paths) -> float | None:
        """The value of the student's own working (from their earlier values) that the written one matches, if any."""
        for path in (paths.evident, paths.plain, paths.written):
            value = path.value(CORRECT, key)
            if value is not None and matches(g, value, path.hands(CORRECT, key, d), self.options.tolerance):
                return value
        return None

    def follows_mistake(
        self, item: Item, key: Key, g: Given, d: int | None, paths: Paths, reported: list[tuple[Key, Finding]]
    ) -> tuple[Item, float, tuple[Working | None]] | None:
        """A later step worked consistently with a mistake already named in this sample follows through."""
        for earlier, finding in reported:
            # one story per sample: a mistake made throughout it explains every value it gives, worked from the named one or not
            if finding.working is None or (finding.mistake.local and not depends(self.net, key, earlier)):
                continue
            for path in paths.all:
                value = path.value(finding.working, key)
                if value is not None and matches(g, value, path.hands(finding.working, key, d), self.options.tolerance, slack=0.0):
                    what = "unclear mistake" if finding.mistake.id == "unclear" else finding.mistake.name
                    note = f"follows through from the {what} in {replace(item, key=earlier).step}"
                    return replace(item, expected=value, verdict="follows", note=note), value, (finding.working,)
        return None

    def wrong(
        self,
        item: Item,
        key: Key,
        g: Given,
        d: int | None,
        given: dict[Key, Given],
        paths: Paths,
        reported: list[tuple[Key, Finding]],
    ) -> tuple[Item, float, tuple[Working | None]]:
        tol = self.options.tolerance
        mark = paths.mark
        expected = mark.value(CORRECT, key)
        expected = item.correct if expected is None else expected
        item = replace(item, expected=expected, verdict="wrong")
        worked = mark.work(CORRECT)
        assert worked is not None
        case = Case(key, g, mark, worked, tol, given, self.catalogue)
        # without carrying, a value the student's own earlier values give is built on them, whatever else could give it
        value = None if self.options.carry else self.own(key, g, d, paths)
        finding = SLIP_FINDING if value is not None else diagnose(case, paths.all if self.options.carry else [paths.true])
        if finding.mistake.id == "slip" and not self.options.carry:
            if value is not None:
                note = "right given your earlier values, but marked against the correct working (--no-carry)"
                return replace(item, note=note, mistake="follows_earlier", mistake_name="built on an earlier mistake"), value, (None,)
        if finding.working is not None and not finding.mistake.local:
            reported.append((key, finding))
        if finding.working is not None:
            self._named.append(finding)
        evident = g.number
        if finding.working is not None and finding.path is not None:
            evident = finding.path.value(finding.working, key) or evident
            for path in paths.carried:  # the full-precision paths first: what the mistake gives with every digit kept
                value = path.value(finding.working, key)
                if value is not None and matches(g, value, path.hands(finding.working, key, d), tol, slack=0.0):
                    evident = value
                    break
        item = replace(item, note=finding.detail, mistake=finding.mistake.id, mistake_name=finding.mistake.name)
        return item, evident, (finding.working,)


class _Pairs:
    """The correct value worked by hand in each rounding style (the reference run's and this sample's own, pair by pair),
    each pair made only when a value is not right without it."""

    def __init__(self, pairs: Iterator[tuple[float | None, float | None]]) -> None:
        self._pairs = pairs
        self._taken: list[tuple[float | None, float | None]] = []

    def _pair(self, k: int) -> tuple[float | None, ...]:
        while len(self._taken) <= k:
            pair = next(self._pairs, None)
            if pair is None:
                return ()
            self._taken.append(pair)
        return self._taken[k]

    def first(self) -> Iterator[float | None]:
        yield from self._pair(0)

    def rest(self) -> Iterator[tuple[float | None, ...]]:
        k = 1
        while pair := self._pair(k):
            yield pair
            k += 1


SLIP_FINDING = Finding(SLIP, "")
TYPOS = ("slip", "digits_transposed", "truncated", "too_few_digits")  # writing mistakes a later value may show were not used


def _count(n: int) -> str:
    return ("no", "one", "two", "three", "four", "five", "six")[n] if n <= 6 else str(n)


def _floats(w: Worked, values: Mapping[str, Any]) -> dict[str, float]:
    return {k: w.m.to_float(v) for k, v in values.items()}


def _drift_note(g: Given, expected: float, path: Path, key: Key, d: int | None, tol: Tolerance | None) -> str:
    """Say so when only the rounding of a hand working makes the written value fit."""
    if tol is not None or d is None or abs(g.number - expected) <= half_unit(g) * (1 + 1e-9):
        return ""
    hands = [h for h in path.hands(CORRECT, key, d) if h is not None]
    if not hands:
        return ""
    hand = min(hands, key=lambda h: abs(h - g.number))
    return f" (to full precision {show(expected, d + 2)}; rounding every step to {d} decimals gives {show(hand, d)})"
