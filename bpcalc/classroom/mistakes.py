"""The checker's workings run in reverse: each classic mistake's own working gives the values a student who
makes it would write, and each hand-rounding style the values a careful student rounding every step writes.

This is the one module of the classroom package that reaches inside :mod:`bpcalc.check`: it walks
``diagnose.MISTAKES`` generically (every class, every variant a class works for the problem), so a
mistake class added to the catalogue is picked up here with no change, and ``styles.STYLES`` likewise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from bpcalc.check.diagnose import MISTAKES
from bpcalc.check.model import Key
from bpcalc.check.styles import STYLES, Rounding
from bpcalc.check.working import CORRECT, SampleContext, Working, work_through
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import Run
from bpcalc.problem import Problem


@dataclass(frozen=True)
class MistakeWorking:
    """One variant of one classic mistake: the catalogue's id and name, and which variant."""

    id: str
    name: str
    variant: str  # "" for a mistake with one way of making it; else what the variant touches ("at H1", "chain factor 2")
    working: Working
    local: bool = True  # made in one value (one parameter's gradient or update) rather than throughout a sample

    @property
    def label(self) -> str:
        return self.name + (f" ({self.variant})" if self.variant else "")


_WORDS = {"position": lambda v: f"input {v + 1}", "index": lambda v: f"chain factor {v + 1}", "units": lambda v: f"at {', '.join(v)}"}


def _describe(w: Working) -> str:
    """What a variant touches, from its attributes (whatever a mistake class calls them)."""
    attrs = {k: v for k, v in vars(w).items() if not k.startswith("_") and k not in ("mixins", "activation", "inner")}
    if {"a", "b"} <= attrs.keys():
        attrs["a"] = f"{attrs.pop('a')} and {attrs.pop('b')}"
    parts = []
    for key, value in sorted(attrs.items()):
        if key in _WORDS and value not in ((), ""):
            parts.append(_WORDS[key](value))
        elif isinstance(value, (int, str)) and value != "":
            parts.append(str(value) if key == "a" else f"{key} {value}")
        elif isinstance(value, tuple) and value:
            parts.append(f"{key} {', '.join(map(str, value))}")
    return "; ".join(parts)


def catalogue(problem: Problem) -> list[MistakeWorking]:
    """Every variant of every classic mistake that can be made in this problem, in the catalogue's order."""
    out = []
    for mistake in MISTAKES:
        for w in mistake.variants(problem):
            if w.applies(problem):
                out.append(MistakeWorking(mistake.id, mistake.name, _describe(w), w, getattr(mistake, "local", True)))
    return out


@dataclass(frozen=True)
class SampleWorkings:
    """One sample worked from the correct parameters before it: correctly, and under each mistake."""

    epoch: int
    sample: int
    correct: Mapping[Key, float]
    mistaken: tuple[tuple[MistakeWorking, Mapping[Key, float]], ...]  # only those the working could be done for


def work_samples(problem: Problem, run: Run, workings: list[MistakeWorking]) -> list[SampleWorkings]:
    """Each sample of ``run`` worked again, correctly and under each mistake, from the correct parameters before it."""
    m = run.math
    out = []
    earlier: list[dict[str, float]] = []
    start: dict[str, float] = {}
    for r in run.results:
        before = {k: m.to_float(v) for k, v in r.before.items()}
        if r.sample == 1:
            earlier, start = [], before
        ctx = SampleContext(problem, r.epoch, r.sample, before, start, earlier=tuple(earlier))
        correct = CORRECT.work(ctx).values
        mistaken = []
        for mw in workings:
            values = _work(mw.working, ctx)
            if values is not None:
                mistaken.append((mw, values))
        earlier.append({k: m.to_float(v) for k, v in r.pass_.gradients.items()})
        out.append(SampleWorkings(r.epoch, r.sample, correct, tuple(mistaken)))
    return out


def _work(w: Working, ctx: SampleContext) -> Mapping[Key, float] | None:
    try:
        return w.work(ctx).values
    except (BpcalcError, ArithmeticError, ValueError):
        return None


def gap(a: float, b: float) -> float:
    """How far apart two values are (infinite when one is not finite and they differ)."""
    if math.isfinite(a) and math.isfinite(b):
        return abs(a - b)
    return 0.0 if (a == b or (math.isnan(a) and math.isnan(b))) else math.inf


def changed(values: Mapping[Key, float], correct: Mapping[Key, float]) -> list[tuple[Key, float]]:
    """The values a mistake changes (beyond double rounding noise), with how much."""
    out = []
    for k, c in correct.items():
        d = gap(values[k], c)
        if d > 1e-12 * max(1.0, abs(c) if math.isfinite(c) else 1.0):
            out.append((k, d))
    return out


def place(key: Key) -> str:
    """Where a mistake made in one value shows: a parameter's gradient and its update together, else the value itself."""
    return key.name if key.kind in ("gradient", "parameter_after") else f"{key.kind}:{key.name}"


def widest(values: Mapping[Key, float], others: Mapping[Key, float]) -> tuple[Key, float]:
    key = max(values, key=lambda k: gap(values[k], others[k]))
    return key, gap(values[key], others[key])


def working_ids(problem: Problem) -> frozenset[str]:
    """The ids of the mistakes the checker reproduces by a working (a value it names one of was worked, not guessed)."""
    return frozenset(w.id for w in catalogue(problem))


def hand_workings(problem: Problem, decimals: int) -> dict[str, list[Mapping[Key, float]]]:
    """The problem worked by hand, every step rounded to ``decimals``, in each of the checker's styles (by sample)."""
    out: dict[str, list[Mapping[Key, float]]] = {}
    for style in STYLES:
        try:
            out[style] = work_through(problem, CORRECT, Rounding(decimals, style))
        except (BpcalcError, ArithmeticError, ValueError):
            continue  # a hand working that breaks down (a log of a rounded 0): no values to write
    return out
