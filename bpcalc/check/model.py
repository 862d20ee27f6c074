"""The checker's data: what a student wrote (entries), what the marker says (items), and the order of steps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bpcalc.network import Network, pretty

KINDS = ("forward", "loss", "gradient", "parameter_after")  # the order a sheet works one sample
VERDICTS = ("right", "follows", "wrong")


@dataclass(frozen=True)
class Key:
    """One checkable quantity of a sample: a forward value, the loss, a gradient or a parameter after it."""

    kind: str
    name: str  # canonical: alpha_H1, y, loss, w11, b4

    def label(self) -> str:
        if self.kind == "loss":
            return "L"
        if self.kind == "gradient":
            return f"∂L/∂{pretty(self.name)}"
        if self.kind == "parameter_after":
            return f"{pretty(self.name)} after"
        return pretty(self.name)


@dataclass(frozen=True)
class Given:
    """A number as the student wrote it."""

    text: str  # "0.646", "+0.989"
    value: Decimal
    place: str  # where it was written: "samples[0].parameters_after.b4", "line 7"

    @property
    def decimals(self) -> int:
        """Decimals written (0 for whole numbers); 1e-05 counts as 5."""
        exponent = self.value.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True)
class Entry:
    epoch: int
    sample: int
    key: Key
    given: Given


@dataclass(frozen=True)
class Answers:
    source: str
    entries: tuple[Entry, ...]  # in step order, see ``order``

    def for_sample(self, epoch: int, sample: int) -> dict[Key, Given]:
        return {e.key: e.given for e in self.entries if e.epoch == epoch and e.sample == sample}


def step_order(net: Network) -> dict[Key, int]:
    """Every key of one sample, numbered in the order a sheet works them."""
    keys = [Key("forward", n) for n in net.forward_names()]
    keys.append(Key("loss", "loss"))
    keys += [Key("gradient", n) for n in net.param_names]
    keys += [Key("parameter_after", n) for n in net.param_names]
    return {k: i for i, k in enumerate(keys)}


def forward_layer(net: Network, name: str) -> tuple[int, bool]:
    """(layer, is the activation) of a forward quantity."""
    for row in net.units[1:]:
        for u in row:
            if u.pre == name:
                return u.layer, False
            if u.name == name:
                return u.layer, True
    raise KeyError(name)


def depends(net: Network, later: Key, earlier: Key) -> bool:
    """True when ``later`` is worked from ``earlier`` within one sample (structurally)."""
    if earlier == later:
        return False
    if later.kind == "forward":
        if earlier.kind != "forward":
            return False
        (ly, la), (ey, ea) = forward_layer(net, later.name), forward_layer(net, earlier.name)
        if ly != ey:
            return ly > ey
        if la and not ea:  # H1 from α_H1, and with softmax every output from every o
            return net.activation(ly).elementwise is False or _same_unit(net, later.name, earlier.name)
        return False
    if later.kind == "loss":
        return earlier.kind == "forward"
    if later.kind == "gradient":  # dL/dy is the loss's derivative: worked with the same y and t
        return earlier.kind in ("forward", "loss")
    # a parameter after the update: from its gradient, and so from the forward pass
    return earlier.kind in ("forward", "loss") or (earlier.kind == "gradient" and earlier.name == later.name)


def _same_unit(net: Network, act: str, pre: str) -> bool:
    return any(u.name == act and u.pre == pre for row in net.units[1:] for u in row)


@dataclass(frozen=True)
class Item:
    """The marker's word on one value the student wrote."""

    epoch: int
    sample: int
    key: Key
    given: Given
    expected: float  # what was marked against: the correct value, or the value given the student's own earlier ones
    correct: float  # the correct value (from the problem's own parameters)
    verdict: str  # right | follows | wrong
    note: str = ""  # what the marker writes beside it (the working, for a mistake); empty when right
    mistake: str = ""  # id of the classic mistake named (or "slip"); empty unless wrong
    mistake_name: str = ""
    epochs: int = 1  # how many epochs the problem has (steps name the epoch when there are several)

    @property
    def diagnosis(self) -> str:
        """The note with its step and, for a mistake, its name: 'β4 after sample 1 — learning rate left out: ...'."""
        if self.verdict == "wrong":
            return f"{self.step} — {self.mistake_name}: {self.note}"
        return self.note

    @property
    def step(self) -> str:
        where = f"sample {self.sample}" if self.epochs == 1 else f"epoch {self.epoch}, sample {self.sample}"
        if self.key.kind == "parameter_after":
            return f"{pretty(self.key.name)} after {where}"
        return f"{self.key.label()} in {where}"


@dataclass(frozen=True)
class Summary:
    checked: int
    right: int
    follows: int
    wrong: int

    @property
    def score(self) -> float:
        """Share of the checked values that earn credit (right, or right given the student's earlier values)."""
        return (self.right + self.follows) / self.checked if self.checked else 1.0


@dataclass(frozen=True)
class Report:
    problem_source: str
    answers_source: str
    carry: bool
    tolerance: str  # "from the written digits" or the explicit one
    items: tuple[Item, ...]

    @property
    def summary(self) -> Summary:
        count = {v: sum(1 for i in self.items if i.verdict == v) for v in VERDICTS}
        return Summary(len(self.items), count["right"], count["follows"], count["wrong"])

    @property
    def first_mistake(self) -> Item | None:
        return next((i for i in self.items if i.verdict == "wrong"), None)
