"""The classic mistakes a student makes, each switched on at one sample: what it changes in the working."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mpmath import mpf

from student.net import Net, Param, Unit
from student.numbers import Numbers

Key = tuple[str, str]  # (kind, name): ("forward", "alpha_H1"), ("loss", "loss"), ("gradient", "w11"), ("parameter_after", "b4")

# The mistake ids, as bpcalc's JSON names them (the list) and "slip" for a plain arithmetic slip.
UPDATE = ("lr_missing", "lr_twice", "sign_flipped")
DERIVATIVE = ("tanh_one_minus", "tanh_as_dsigmoid", "dsigmoid_as_sigmoid")
WHOLE = ("updated_weights", "target_flipped", "inputs_swapped")
WRITING = ("truncated", "slip")
GRADIENT = ("bias_times_input", "dropped_factor")
ALL = UPDATE + DERIVATIVE + WHOLE + GRADIENT + WRITING


@dataclass(frozen=True)
class Injection:
    """One mistake, made in one sample of one epoch, at the places named (empty: everywhere it can be made)."""

    mistake: str
    epoch: int = 1
    sample: int = 1
    params: tuple[str, ...] = ()  # update mistakes, dropped_factor, bias_times_input
    units: tuple[str, ...] = ()  # derivative mistakes: unit names (H1, y)
    entries: tuple[Key, ...] = ()  # truncated, slip: the written values
    index: int = 0  # dropped_factor: the chain position dropped; bias_times_input: which input of the unit (0-based)
    pair: tuple[str, str] = ("f1", "f2")  # inputs_swapped
    slip: str = "digit"  # slip: last1, last3, digit, swap, sign, shift

    def describe(self) -> str:
        where = ",".join(self.params or self.units or tuple(n for _, n in self.entries)) or "all"
        extra = {"dropped_factor": f" #{self.index}", "bias_times_input": f" x{self.index}", "inputs_swapped": f" {self.pair}", "slip": f" {self.slip}"}
        return f"{self.mistake}@e{self.epoch}s{self.sample}[{where}]{extra.get(self.mistake, '')}"


Injections = Injection | tuple[Injection, ...] | None  # one mistake, several (in different samples), or none


def as_tuple(injections: Injections) -> tuple[Injection, ...]:
    return () if injections is None else (injections,) if isinstance(injections, Injection) else injections


class Hooks:
    """What the injection made in this sample changes in its working (the correct working when there is none)."""

    def __init__(self, injections: Injections, epoch: int, sample: int, net: Net) -> None:
        self.i = next((i for i in as_tuple(injections) if (i.epoch, i.sample) == (epoch, sample)), None)
        self.net = net

    def on(self, *mistakes: str) -> bool:
        return self.i is not None and self.i.mistake in mistakes

    def inputs(self, x: dict[str, mpf]) -> dict[str, mpf]:
        if self.on("inputs_swapped"):
            a, b = self.i.pair  # type: ignore[union-attr]
            x = dict(x)
            x[a], x[b] = x[b], x[a]
        return x

    def targets(self, t: dict[str, mpf]) -> dict[str, mpf]:
        return {k: 1 - v for k, v in t.items()} if self.on("target_flipped") else t

    def derivative(self, u: Unit) -> str:
        """The derivative this unit's activation is (mis)taken as: "" for the right one."""
        if not self.on(*DERIVATIVE) or (self.i.units and u.name not in self.i.units):  # type: ignore[union-attr]
            return ""
        act = self.net.act(u)
        if self.i.mistake in ("tanh_one_minus", "tanh_as_dsigmoid") and act == "tanh":  # type: ignore[union-attr]
            return self.i.mistake  # type: ignore[union-attr]
        if self.i.mistake == "dsigmoid_as_sigmoid" and act == "sigmoid":  # type: ignore[union-attr]
            return self.i.mistake  # type: ignore[union-attr]
        return ""

    def updated_weights(self) -> bool:
        return self.on("updated_weights")

    def _mine(self, q: Param) -> bool:
        return not self.i.params or q.name in self.i.params  # type: ignore[union-attr]

    def dropped(self, q: Param) -> int | None:
        """The chain position left out of dL/dq, if any."""
        return self.i.index if self.on("dropped_factor") and self._mine(q) else None  # type: ignore[union-attr]

    def bias_input(self, q: Param) -> int | None:
        """Which input of its unit a bias gradient is multiplied by, if any."""
        return self.i.index if self.on("bias_times_input") and q.is_bias and self._mine(q) else None  # type: ignore[union-attr]

    def update(self, q: Param, p: mpf, g: mpf, lr: mpf, num: Numbers) -> mpf:
        if self.on(*UPDATE) and self._mine(q):
            if self.i.mistake == "lr_missing":  # type: ignore[union-attr]
                return num.r(p - g)
            if self.i.mistake == "lr_twice":  # type: ignore[union-attr]
                return num.r(p - num.r(lr * lr * g))
            return num.r(p + num.r(lr * g))
        return num.r(p - num.r(lr * g))

    def mode(self, key: Key) -> str:
        return "down" if self.on("truncated") and key in self.i.entries else "round"  # type: ignore[union-attr]

    def slipped(self, key: Key, written: str) -> str:
        if self.on("slip") and key in self.i.entries:  # type: ignore[union-attr]
            return slip(written, self.i.slip)  # type: ignore[union-attr]
        return written


def slip(written: str, kind: str) -> str:
    """A plain arithmetic slip in a written number (a different number with the same decimals)."""
    v = Decimal(written)
    d = max(0, -v.as_tuple().exponent)  # type: ignore[operator]
    unit = Decimal(1).scaleb(-d)
    digits = written.lstrip("+-").replace(".", "")
    lead = next((i for i, c in enumerate(digits) if c != "0"), None)
    if kind == "last1":
        out = v + unit
    elif kind == "last3":
        out = v - 3 * unit
    elif kind == "sign" and v != 0:
        out = -v
    elif kind == "shift":
        out = (v * 10) if v != 0 else 7 * unit
    elif kind == "swap" and lead is not None and lead + 1 < len(digits) and digits[lead] != digits[lead + 1]:
        s = list(digits)
        s[lead], s[lead + 1] = s[lead + 1], s[lead]
        out = _digits(written, "".join(s))
    else:  # "digit": the leading significant digit off by one (or a 3 written into a zero)
        if lead is None:
            out = v + 3 * unit
        else:
            s = list(digits)
            s[lead] = str((int(s[lead]) + 1) % 10) if s[lead] != "9" else "8"
            out = _digits(written, "".join(s))
    q = Decimal(out).quantize(unit)
    return f"{q:.{d}f}"


def _digits(written: str, digits: str) -> Decimal:
    """The written number with its digit string replaced (sign and point kept)."""
    sign = "-" if written.startswith("-") else ""
    point = written.lstrip("+-").find(".")
    body = digits if point < 0 else digits[:point] + "." + digits[point:]
    return Decimal(sign + body)
