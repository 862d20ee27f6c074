"""Is a problem good to work by hand? Five checks, each with the values that fail it and why.

* ``saturation`` — every sigmoid and tanh pre-activation within ±``Bounds.saturation`` (default 3:
  there σ'(3) = 0.045 and tanh'(3) = 0.0099; beyond it a unit's derivative rounds towards 0 and
  the updates through it teach nothing);
* ``relu`` — no relu or leaky-relu pre-activation at exactly 0 (where the derivative is only a
  convention) and no such unit below 0 in every sample (dead: its weights never learn);
* ``updates`` — every update changes its parameter at the display precision (default 3 decimals);
  an update that is exactly 0 because a relu unit is off in that sample is not counted (no update
  is what relu teaches there);
* ``hand_rounding`` — the whole problem worked by hand, every step rounded to 3 decimals, in each
  way the checker knows (every chain-rule factor rounded, as ``bpcalc run --round-steps 3`` does;
  one rounded δ per unit), is marked right everywhere by ``bpcalc check``;
* ``mistakes`` — every classic mistake the checker names (every variant of every class in its
  catalogue), made throughout any one sample (worked from the correct parameters before it),
  produces a value of that sample more than one unit of the display precision from the correct
  one, and a value more than one unit from what every other mistake gives. One unit apart is the
  least that tells two values apart at that precision: no value written to it lies within the
  checker's half a unit of both. With ``every_value`` (``--every-value``) a mistake made in one
  value (an update or a gradient) must show so at each parameter it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping

from bpcalc.check.model import Key
from bpcalc.classroom.mistakes import MistakeWorking, SampleWorkings, catalogue, changed, gap, hand_workings, place, work_samples
from bpcalc.evaluate import Run, train
from bpcalc.network import pretty
from bpcalc.problem import Problem
from bpcalc.render.numbers import fmt

CHECKS = ("saturation", "relu", "updates", "hand_rounding", "mistakes")
CHEAP = ("saturation", "relu", "updates")
SATURATING = ("sigmoid", "tanh")
RELUS = ("relu", "leaky_relu")
MOST_REASONS = 6  # reasons listed per check; the count says how many there are


@dataclass(frozen=True)
class Bounds:
    """The limits the checks hold a problem to."""

    saturation: float = 3.0  # |pre-activation| of a sigmoid or tanh unit
    precision: int = 3  # display decimals: updates must show, mistakes must be told apart at them
    hand_decimals: int = 3  # the hand working rounds every step to these
    every_value: bool = False  # a mistake made in one value (an update, a gradient) must show in each value, not only somewhere


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    summary: str  # one line: what was checked, or what failed
    reasons: tuple[str, ...] = ()  # each value that fails, and why
    count: int = 0  # how many reasons there are in all (only the first MOST_REASONS are kept)


@dataclass(frozen=True)
class Quality:
    source: str
    findings: tuple[Finding, ...]
    bounds: Bounds = field(default_factory=Bounds)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def failed(self) -> list[str]:
        return [f.check for f in self.findings if not f.ok]


def _where(problem: Problem, epoch: int, sample: int) -> str:
    return f"sample {sample}" if problem.epochs == 1 else f"epoch {epoch}, sample {sample}"


def _finding(check: str, reasons: list[str], ok_text: str, bad_text: str) -> Finding:
    if not reasons:
        return Finding(check, True, ok_text)
    return Finding(check, False, bad_text.format(n=len(reasons)), tuple(reasons[:MOST_REASONS]), len(reasons))


def saturation(problem: Problem, run: Run, bounds: Bounds) -> Finding:
    net, m = problem.network, run.math
    reasons, largest = [], 0.0
    units = [u for li, row in enumerate(net.units) if li for u in row if net.activations[li - 1] in SATURATING]
    for r in run.results:
        for u in units:
            pre = u.pre or ""
            z = m.to_float(r.pass_.forward[pre])
            largest = max(largest, abs(z))
            if not abs(z) <= bounds.saturation:
                act = net.activations[u.layer - 1]
                d = m.to_float(m.dtanh(z) if act == "tanh" else m.dsigmoid(z))
                fn = "σ" if act == "sigmoid" else "tanh"
                reasons.append(
                    f"{fn}({pretty(pre)} = {fmt(z, bounds.precision)}) in {_where(problem, r.epoch, r.sample)}: "
                    f"saturated, |{pretty(pre)}| > {bounds.saturation:g} and {fn}' = {fmt(d, bounds.precision)}"
                )
    if not units:
        return Finding("saturation", True, "no sigmoid or tanh unit")
    return _finding(
        "saturation", reasons,
        f"every sigmoid/tanh pre-activation within ±{bounds.saturation:g} (largest |value| {fmt(largest, bounds.precision)})",
        "{n} saturated pre-activation(s)" + f" (|value| > {bounds.saturation:g})",
    )


def relu(problem: Problem, run: Run, bounds: Bounds) -> Finding:
    net, m = problem.network, run.math
    units = [u for li, row in enumerate(net.units) if li for u in row if net.activations[li - 1] in RELUS]
    if not units:
        return Finding("relu", True, "no relu unit")
    reasons = []
    for u in units:
        pre = u.pre or ""
        zs = [(r, m.to_float(r.pass_.forward[pre])) for r in run.results]
        for r, z in zs:
            if abs(z) < 1e-9:
                reasons.append(f"{pretty(pre)} = 0 in {_where(problem, r.epoch, r.sample)}: the relu derivative at 0 is only a convention")
        if all(z < 0 for _, z in zs):
            reasons.append(f"{u.name} is dead: {pretty(pre)} < 0 in every sample, so its weights never learn")
    return _finding("relu", reasons, "no relu pre-activation at 0, no dead relu unit", "{n} relu unit problem(s)")


def updates(problem: Problem, run: Run, bounds: Bounds) -> Finding:
    m, p = run.math, bounds.precision
    reasons, count = [], 0
    relu_off = "relu" in problem.network.activations
    for r in run.results:
        if r.update is None:
            continue
        for name in problem.network.param_names:
            if name in problem.frozen:
                continue
            if relu_off and m.to_float(r.update.gradients[name]) == 0.0:
                continue  # a relu unit off in this sample: no update is what it teaches
            count += 1
            before, after = m.to_float(r.update.before[name]), m.to_float(r.update.after[name])
            if _shown(before, p) == _shown(after, p):
                step = m.to_float(r.update.steps[name])
                reasons.append(
                    f"{pretty(name)} after {_where(problem, r.epoch, r.sample)}: {_shown(before, p)} → {_shown(after, p)} "
                    f"(η·g = {fmt(step, p)}): the update does not show to {p} decimals"
                )
    return _finding("updates", reasons, f"all {count} updates show to {p} decimals", "{n} update(s)" + f" invisible to {p} decimals")


def _shown(x: float, precision: int) -> str:
    text = f"{x:.{precision}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


STYLE_WORDS = {"sheet": "every chain-rule factor rounded, as run --round-steps does", "delta": "one rounded δ per unit"}


def hand_answers(problem: Problem, worked: list[Mapping[Key, float]], decimals: int) -> str:
    """A hand working's values (by sample) as an answers file (run-JSON shape), each written to ``decimals``."""
    sections = {"forward": "forward", "gradient": "gradients", "parameter_after": "parameters_after"}
    samples = []
    count = len(problem.samples)
    for index, values in enumerate(worked):
        entry: dict[str, object] = {"epoch": index // count + 1, "sample": index % count + 1}
        for key, v in values.items():
            if key.kind == "loss":
                entry["loss"] = _shown(v, decimals)
            elif key.kind in sections:  # the values a sheet holds (a checker may work more, such as each factor)
                entry.setdefault(sections[key.kind], {})[key.name] = _shown(v, decimals)  # type: ignore[union-attr]
        samples.append(entry)
    return json.dumps({"samples": samples})


def hand_rounding(problem: Problem, run: Run, bounds: Bounds) -> Finding:
    """The problem worked by hand in each of the checker's rounding styles, marked by the checker: all right?"""
    from bpcalc.check import check, parse_answers

    d = bounds.hand_decimals
    reasons, count = [], 0
    for style, worked in hand_workings(problem, d).items():
        answers = parse_answers(hand_answers(problem, worked, d), f"the problem worked to {d} decimals", problem, "sheet")
        report = check(problem, answers)
        count += len(report.items)
        reasons += [
            f"{i.step}: by hand ({STYLE_WORDS.get(style, style)}) {i.given.text}, correct {fmt(i.correct, d + 2)} — {i.verdict} by the checker"
            for i in report.items
            if i.verdict != "right"
        ]
    if not count:
        return Finding("hand_rounding", False, f"worked by hand to {d} decimals it breaks down", (), 1)
    return _finding(
        "hand_rounding", reasons,
        f"every value worked by hand to {d} decimals is marked right ({count} values, {len(STYLE_WORDS)} ways of rounding)",
        "{n} value(s)" + f" worked by hand to {d} decimals fall outside the checker's tolerance",
    )


def mistakes(problem: Problem, run: Run, bounds: Bounds) -> Finding:
    workings = catalogue(problem)
    unit = 10.0 ** -bounds.precision
    reasons: list[str] = []
    for s in work_samples(problem, run, workings):
        where = _where(problem, s.epoch, s.sample)
        made = _visible(s, unit, where, reasons, bounds.every_value)
        order = {k: i for i, k in enumerate(s.correct)}
        moved = [frozenset(k for k, c in s.correct.items() if values[k] != c) for _, values in made]  # the rest is the correct value
        # where each mistake moves furthest from the correct working: two mistakes apart there need no wider look
        tops = [max(keys, key=lambda k: gap(values[k], s.correct[k]), default=None) for keys, (_, values) in zip(moved, made)]
        for i, (a, av) in enumerate(made):
            for j in range(i + 1, len(made)):
                b, bv = made[j]
                if a.id == b.id:
                    continue
                if not bounds.every_value and any(k is not None and gap(av[k], bv[k]) > unit for k in (tops[i], tops[j])):
                    continue
                _apart(a, av, b, bv, s.correct, unit, where, bounds, reasons, (order, moved[i] | moved[j]))
    classes = len({w.id for w in workings})
    return _finding(
        "mistakes", reasons,
        f"{len(workings)} workings of {classes} classic mistakes, each visible and told apart at {bounds.precision} decimals in every sample",
        "{n} mistake(s) not visible or not told apart" + f" at {bounds.precision} decimals",
    )


def _groups(values: Mapping[Key, float], correct: Mapping[Key, float], local: bool) -> dict[str, list[Key]]:
    """The places a mistake changes: for one made in one value, each parameter (its gradient and update) or value
    apart; for one made throughout a sample, the whole sample as one."""
    out: dict[str, list[Key]] = {}
    for key, _ in changed(values, correct):
        out.setdefault(place(key) if local else "", []).append(key)
    return out


def _visible(s: SampleWorkings, unit: float, where: str, reasons: list[str], every_value: bool) -> list[tuple[MistakeWorking, Mapping[Key, float]]]:
    """The mistakes that change something in this sample; a place where one changes nothing by more than a unit is a reason."""
    made = []
    for mw, values in s.mistaken:
        local = mw.local and every_value
        groups = _groups(values, s.correct, local)
        if not groups:
            continue  # not a mistake that can be made here (an update mistake where no update follows)
        for keys in groups.values():
            key = max(keys, key=lambda k: gap(values[k], s.correct[k]))
            most = gap(values[key], s.correct[key])
            if most <= unit:
                at = f" at {_name(key)}" if local else ""
                reasons.append(f"{mw.label}{at} in {where}: changes no value by more than {unit:g} (most: {_name(key)} by {most:.1e})")
        made.append((mw, values))
    return made


def _apart(a: MistakeWorking, av: Mapping[Key, float], b: MistakeWorking, bv: Mapping[Key, float], correct: Mapping[Key, float],
           unit: float, where: str, bounds: Bounds, reasons: list[str], moved: tuple[dict[Key, int], frozenset[Key]] | None = None) -> None:
    """Two mistakes must differ by more than a unit somewhere in the sample (with ``every_value``: in each place a
    mistake made in one value and the other both change). ``moved``: the keys' order and the keys where either
    mistake is not the correct value; elsewhere they agree, so the widest gap is looked for among those only."""
    precision = bounds.precision
    a_local, b_local = a.local and bounds.every_value, b.local and bounds.every_value
    if a_local or b_local:
        ga, gb = _groups(av, correct, a_local), _groups(bv, correct, b_local)
        local, other = (ga, gb) if a_local else (gb, ga)
        touched = {k for keys in other.values() for k in keys}
        places = [keys for keys in local.values() if touched & set(keys)]
    elif moved is not None:  # the widest gap over every key: among the keys either mistake moves, else 0 at the first key
        order, keys = moved
        widest = max(sorted(keys, key=order.__getitem__), key=lambda k: gap(av[k], bv[k]), default=None)
        places = [[widest if widest is not None and gap(av[widest], bv[widest]) > 0 else next(iter(correct))]]
    else:
        places = [list(correct)]
    for keys in places:
        key = max(keys, key=lambda k: gap(av[k], bv[k]))
        if gap(av[key], bv[key]) <= unit:
            at = f" at {_name(key)}" if a_local or b_local else f" (widest at {_name(key)})"
            reasons.append(
                f"{a.label} and {b.label}{at} in {where}: within {fmt(gap(av[key], bv[key]), precision + 1)} of each other, "
                f"not told apart at {precision} decimals"
            )


def _name(key: Key) -> str:
    return key.label()


RUNNERS = {"saturation": saturation, "relu": relu, "updates": updates, "hand_rounding": hand_rounding, "mistakes": mistakes}


def assess(problem: Problem, bounds: Bounds = Bounds(), stop_early: bool = False) -> Quality:
    """Every check on ``problem``; with ``stop_early`` the costly ones are skipped once a check fails (for searching)."""
    run = train(problem)
    findings: list[Finding] = []
    for name in CHECKS:
        if stop_early and findings and not all(f.ok for f in findings):
            break
        try:
            findings.append(RUNNERS[name](problem, run, bounds))
        except (ArithmeticError, ValueError) as e:
            findings.append(Finding(name, False, f"cannot be checked: {e}", (), 1))
    return Quality(problem.source, tuple(findings), bounds)

