"""What a careful marker must say about each value of an injected sheet, decided from the student's own working.

A value is *right* when it is what the same student writes without the mistake. Otherwise it is
*wrong* when no correct working gives it, neither from the student's own earlier values (as they
carried them on, or as they wrote them) nor from the problem's: it lies more than half a unit of
its last written digit outside the range of those workings done at full precision and rounded at
every step (both rounding styles). It *follows* when a correct working from the student's own
values gives it, and is *ambiguous* (either verdict will do) when only a correct working from the
problem's values, rounded some other way than this student rounds, gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from mpmath import mpf

from student.mistakes import Injection, Injections, Key, as_tuple
from student.net import Net
from student.numbers import decimal
from student.work import Sample, Unworkable, entry_order, train

HULL_STYLES = ("full", "chain", "delta", "results")
SUBSETS = {
    "params": ("parameter_after",),
    "fgp": ("forward", "gradient", "parameter_after"),
    "all": ("forward", "loss", "gradient", "parameter_after"),
}
Slot = tuple[int, int, Key]  # (epoch, sample, key)
HALF = Decimal("0.5000001")  # half a unit of the last written digit, and a hair for binary noise


@dataclass(frozen=True)
class Truth:
    verdict: str  # right | follows | wrong | ambiguous
    mistakes: tuple[str, ...] = ()  # wrong: the injected mistakes that can show here (made in this sample, or earlier in a batch epoch)
    units: float = 0.0  # wrong: how far outside every correct working, in units of the last written digit


@dataclass
class Sheet:
    """An answer sheet as written (slot → text) and what a marker must say about each value."""

    spec: dict[str, Any]
    style: str
    decimals: int
    injection: Injections
    subset: str
    texts: dict[Slot, str]
    truth: dict[Slot, Truth]
    force: dict[Slot, mpf]

    @property
    def wrong(self) -> list[Slot]:
        return [k for k, t in self.truth.items() if t.verdict == "wrong"]


def _distance(v: Decimal, values: Iterable[mpf], unit: Decimal) -> Decimal:
    """How far ``v`` lies outside the range of ``values``, in units of ``unit``."""
    xs = [decimal(x) for x in values]
    lo, hi = min(xs), max(xs)
    return max(lo - v, v - hi, Decimal(0)) / unit


def _unit(text: str) -> Decimal:
    return Decimal(1).scaleb(Decimal(text).as_tuple().exponent)  # type: ignore[arg-type]


def as_written(texts: dict[Slot, str]) -> dict[Slot, mpf]:
    return {k: mpf(t) for k, t in texts.items()}


def _params(force: dict[Slot, mpf]) -> dict[Slot, mpf]:
    return {k: v for k, v in force.items() if k[2][0] == "parameter_after"}


def _runs(spec: dict[str, Any], decimals: int, injection: Injections, force: dict[Slot, mpf] | None) -> list[list[Sample]]:
    out = []
    for style in HULL_STYLES:
        try:
            out.append(train(spec, style, decimals, injection, force))
        except Unworkable:
            pass
    return out


def _values(runs: list[list[Sample]], index: int, key: Key) -> list[mpf]:
    return [r[index].computed[key] for r in runs if key in r[index].computed]


def make_sheet(spec: dict[str, Any], style: str, decimals: int, injection: Injections, subset: str) -> Sheet:
    """The student's sheet and the marker's ground truth; raises Unworkable where the working breaks down."""
    student = train(spec, style, decimals, injection)
    kinds = SUBSETS[subset]
    keys = [k for k in entry_order(spec) if k[0] in kinds]
    texts: dict[Slot, str] = {}
    force: dict[Slot, mpf] = {}
    for s in student:
        for k in keys:
            texts[(s.epoch, s.sample, k)] = s.text[k]
            force[(s.epoch, s.sample, k)] = s.used[k]
    # the student's own values as they were carried on, and as they were written; or only their
    # parameters, each sample worked through afresh (a student keeping every digit within a sample)
    written = as_written(texts)
    carried = []
    for forced in (force, written, _params(force), _params(written)):
        carried += _runs(spec, decimals, None, forced)
    correct = _runs(spec, decimals, None, None)
    if not carried or not correct:
        raise Unworkable("no correct working")
    clean = train(spec, style, decimals) if injection is not None else student
    truth: dict[Slot, Truth] = {}
    for index, s in enumerate(student):
        for k in keys:
            slot = (s.epoch, s.sample, k)
            v, unit = Decimal(texts[slot]), _unit(texts[slot])
            off = _distance(v, _values(carried, index, k), unit)
            off_correct = _distance(v, _values(correct, index, k), unit)
            if texts[slot] == clean[index].text[k]:
                truth[slot] = Truth("right")  # what this student writes without the mistake
            elif off > HALF and off_correct > HALF:
                made = tuple(i.mistake for i in as_tuple(injection) if i.epoch == s.epoch and i.sample <= s.sample)
                truth[slot] = Truth("wrong", made, float(min(off, off_correct)))
            elif off <= HALF:
                truth[slot] = Truth("follows")
            else:  # changed by the mistake, yet what a correct working rounded some other way could give
                truth[slot] = Truth("ambiguous")
    return Sheet(spec, style, decimals, injection, subset, texts, truth, force)


def reproduces(sheet: Sheet, slot: Slot, mistake: Injection) -> bool:
    """Does ``mistake`` (made in the slot's sample, worked from the student's own written values) give the written value?"""
    e, s, key = slot
    index = (e - 1) * len(sheet.spec["samples"]) + s - 1
    written = as_written(sheet.texts)
    runs = []
    for forced in (sheet.force, written, _params(sheet.force), _params(written)):
        runs += _runs(sheet.spec, sheet.decimals, mistake, forced)
    if not runs:
        return False
    text = sheet.texts[slot]
    if any(r[index].text.get(key) == text for r in runs):
        return True
    return _distance(Decimal(text), _values(runs, index, key), _unit(text)) <= HALF


def variants(spec: dict[str, Any], mistake: str, epoch: int, sample: int, key: Key) -> list[Injection]:
    """Every way ``mistake`` can be made that shows in this sample (to test whether it also explains a value):
    in this sample, or in a batch epoch in an earlier one."""
    samples = range(1, sample + 1) if spec.get("update", "online") == "batch" and key[0] == "parameter_after" else [sample]
    return [v for s in samples for v in _variants(spec, mistake, epoch, s, key)]


def _variants(spec: dict[str, Any], mistake: str, epoch: int, sample: int, key: Key) -> list[Injection]:
    net = Net(spec)
    base = Injection(mistake, epoch, sample)
    if mistake == "dropped_factor":
        return [Injection(mistake, epoch, sample, index=i) for i in range(5)]
    if mistake == "bias_times_input":
        return [Injection(mistake, epoch, sample, index=i) for i in range(max(net.sizes[:-1]))]
    if mistake == "inputs_swapped":
        names = [u.name for u in net.inputs]
        return [Injection(mistake, epoch, sample, pair=(a, b)) for i, a in enumerate(names) for b in names[i + 1 :]]
    if mistake in ("truncated", "digits_transposed"):
        return [Injection(mistake, epoch, sample, entries=(key,))]
    if mistake == "wrong_input":
        return [Injection(mistake, epoch, sample, params=(q.name,), index=i) for q in net.params if q.source is not None
                for i in range(net.sizes[q.source.layer]) if i != q.source.pos - 1]
    if mistake == "weights_swapped":
        return [Injection(mistake, epoch, sample, pair=pair) for pair in swappable(net)]
    if mistake == "rounded_early":
        return [Injection(mistake, epoch, sample, units=(u.name,), index=i) for row in net.units[1:] for u in row for i in (0, 1)]
    return [base]


def swappable(net: Net) -> list[tuple[str, str]]:
    """Weights w_ij and w_ji into the same layer (the pairs a student can read the wrong way round)."""
    names = {q.name: q for q in net.params if not q.is_bias}
    out = []
    for name, q in names.items():
        if len(name) == 3 and name[1] < name[2]:
            other = f"w{name[2]}{name[1]}"
            if other in names and names[other].unit.layer == q.unit.layer:
                out.append((name, other))
    return out
