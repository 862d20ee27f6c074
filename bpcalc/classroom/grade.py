"""Points for one marked sheet: the checker's report, what was required, and the rubric, put together.

The checker's verdicts are kept; this only adds what is missing and what each value earns:

* right: full points; right but worked on from a wrong value the student wrote in the same sample
  (a forward value or the loss before it, or its own gradient): the rubric's ``right_wrong_method`` share;
* follows through: the rubric's ``follows`` share — none (with ``guard``) when a value it can be
  carried from earned nothing for too few digits (below), or is a wrong value that is **no attempt**: a value no working gives (the checker names no classic
  mistake for it, only an arithmetic slip) that is 0 where the correct value is not 0 to two
  decimals, or that is far from what was expected: off by more than max(2·|expected|, 1);
* wrong or missing: nothing;
* **no marks for missing precision**: a value written with fewer decimals than the answer precision
  (two, or the problem's ``answer_decimals`` where it has one) earns nothing unless it is within
  half a unit of that precision of the value it was marked against (the correct one, or the one
  its follow-through gives) — whatever the checker's tolerance for the digits written: ``0`` for
  0.354, ``1`` for 0.75 or ``0e300`` for −0.1 earn nothing; −0.1 for −0.100 and 0 for 3.9e−06 do.

"Can be carried from": in the same sample, a forward value or the loss before it, or the value's
own gradient; across samples, a parameter written after an earlier sample (in batch mode also
a gradient of an earlier sample of the epoch, for the update at its end).
A value left blank is not in the report at all: nothing is carried from it, and a requirement
counts it missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bpcalc.check import Item, Report
from bpcalc.check.model import Key
from bpcalc.classroom.rubric import DEFAULT, Rubric, Slot
from bpcalc.network import pretty
from bpcalc.problem import Problem

ANSWER_DECIMALS = 2  # the answer precision when the problem names none
ZERO_BELOW = 0.005  # a correct value this small is 0 to two decimals: writing 0 for it is an answer
FAR = 2.0  # off by more than FAR × |expected| (and by more than 1): no reasonable working


@dataclass(frozen=True)
class Mark:
    epoch: int
    sample: int
    key: Key
    verdict: str  # right | follows | wrong | missing
    points: Decimal
    earned: Decimal
    note: str = ""  # why the credit is less than the verdict's (gamed follow-through, wrong method)


@dataclass(frozen=True)
class Grade:
    report: Report
    marks: tuple[Mark, ...]

    def count(self, verdict: str) -> int:
        return sum(1 for m in self.marks if m.verdict == verdict)

    @property
    def earned(self) -> Decimal:
        return sum((m.earned for m in self.marks), Decimal(0))

    @property
    def possible(self) -> Decimal:
        return sum((m.points for m in self.marks), Decimal(0))

    @property
    def score(self) -> float:
        return float(self.earned / self.possible) if self.possible else 1.0

    @property
    def no_credit(self) -> int:
        """Values right or following through that earn nothing: carried from a value that is no attempt, or too few digits."""
        return sum(1 for m in self.marks if m.verdict in ("right", "follows") and m.points and not m.earned)

    @property
    def clean(self) -> bool:
        return not self.count("wrong") and not self.count("missing") and not self.no_credit

    @property
    def missing(self) -> list[Mark]:
        return [m for m in self.marks if m.verdict == "missing"]


def _order(problem: Problem) -> dict[Key, int]:
    net = problem.network
    keys = [Key("forward", n) for n in net.forward_names()] + [Key("loss", "loss")]
    keys += [Key("gradient", n) for n in net.param_names] + [Key("parameter_after", n) for n in net.param_names]
    return {k: i for i, k in enumerate(keys)}


def carried_from(problem: Problem, later: Item, earlier: Item, order: dict[Key, int]) -> bool:
    """Can ``later`` be worked on from ``earlier`` (see the module)?"""
    same = (later.epoch, later.sample) == (earlier.epoch, earlier.sample)
    before = (earlier.epoch, earlier.sample) < (later.epoch, later.sample)
    e, k = earlier.key, later.key
    if same:
        if e.kind in ("forward", "loss"):
            return order[e] < order[k] and not (k.kind == "forward" and e.kind == "loss")
        return e.kind == "gradient" and k.kind == "parameter_after" and e.name == k.name
    if not before:
        return False
    if e.kind == "parameter_after":
        return True
    batch_update = problem.update == "batch" and earlier.epoch == later.epoch and k.kind == "parameter_after"
    return batch_update and e.kind == "gradient" and e.name == k.name


def no_attempt(item: Item, workings: frozenset[str]) -> str:
    """Why a wrong value is no attempt (see the module), or '' when it is one."""
    if item.verdict != "wrong" or item.mistake in workings:
        return ""
    g, expected = float(item.given.value), item.expected
    if g == 0 and abs(item.correct) >= ZERO_BELOW and abs(expected) >= ZERO_BELOW:
        return f"{item.step} was written {item.given.text}"
    if abs(g - expected) > max(FAR * abs(expected), 1.0):
        return f"{item.step} was written {item.given.text}, far from any working ({expected:.3g} expected)"
    return ""


def too_few_digits(item: Item, decimals: int) -> str:
    """Why a value marked right earns nothing for its missing precision (see the module), or ''."""
    if item.given.decimals >= decimals:
        return ""
    g, room = float(item.given.value), 0.5 * 10.0**-decimals * (1 + 1e-9)
    if abs(g - item.correct) <= room or (item.verdict == "follows" and abs(g - item.expected) <= room):
        return ""
    return f"too few digits: you wrote {item.given.text}; to {decimals} decimals it is {item.expected:.{decimals}f}"


def grade(problem: Problem, report: Report, rubric: Rubric = DEFAULT, require: frozenset[Slot] = frozenset(), workings: frozenset[str] = frozenset()) -> Grade:
    """The report scored by ``rubric``, with every slot of ``require`` not written counted missing.

    ``workings``: the ids of the mistakes the checker reproduces by a working (a value it names one
    of is an attempt); see :func:`bpcalc.classroom.mistakes.working_ids`.
    """
    order = _order(problem)
    decimals = getattr(problem, "answer_decimals", None) or ANSWER_DECIMALS
    items = list(report.items)
    short = [too_few_digits(item, decimals) if item.verdict != "wrong" else "" for item in items]
    marks = []
    for i, item in enumerate(items):
        points = rubric.worth(item.key)
        earlier = [e for e in items[:i] if e.verdict == "wrong" and carried_from(problem, item, e, order)]
        coarse = [f"{e.step} was written {e.given.text} (too few digits)" for j, e in enumerate(items[:i]) if short[j] and carried_from(problem, item, e, order)]
        note = ""
        if item.verdict == "right":
            share = Decimal(1)
            same = [e for e in earlier if (e.epoch, e.sample) == (item.epoch, item.sample)]
            if same and rubric.right_wrong_method != 1:
                share = rubric.right_wrong_method
                note = f"right, but not from your own {same[0].step}"
        elif item.verdict == "follows":
            share = rubric.follows
            gamed = [why for e in earlier if (why := no_attempt(e, workings))] + coarse if rubric.guard else []
            if gamed:
                share, note = Decimal(0), f"no credit for following through: {gamed[0]}, which is no attempt"
        else:
            share = Decimal(0)
        if short[i]:
            share, note = Decimal(0), short[i]
        marks.append(Mark(item.epoch, item.sample, item.key, item.verdict, points, points * share, note))
    written = {(i.epoch, i.sample, i.key) for i in items}
    for epoch, sample, key in sorted(require - written, key=lambda s: (s[0], s[1], order[s[2]])):
        marks.append(Mark(epoch, sample, key, "missing", rubric.worth(key), Decimal(0)))
    return Grade(report, tuple(marks))


def mark_step(problem: Problem, m: Mark) -> str:
    where = f"sample {m.sample}" if problem.epochs == 1 else f"epoch {m.epoch}, sample {m.sample}"
    if m.key.kind == "parameter_after":
        return f"{pretty(m.key.name)} after {where}"
    return f"{m.key.label()} in {where}"
