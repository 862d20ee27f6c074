"""The classic mistakes a student makes, each switched on at one sample: what it changes in the working."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mpmath import mp, mpf

from student.net import Net, Param, Unit
from student.numbers import Numbers

Key = tuple[str, str]  # (kind, name): ("forward", "alpha_H1"), ("loss", "loss"), ("gradient", "w11"), ("parameter_after", "b4")

# The mistake ids, as bpcalc's JSON names them (the list) and "slip" for a plain arithmetic slip.
UPDATE = ("lr_missing", "lr_twice", "sign_flipped")
DERIVATIVE = ("tanh_one_minus", "tanh_as_dsigmoid", "dsigmoid_as_sigmoid")
WHOLE = ("updated_weights", "target_flipped", "inputs_swapped")
WRITING = ("truncated", "slip")
GRADIENT = ("bias_times_input", "dropped_factor")
# Nine more (issue 8): each as a student makes it, worked here without bpcalc.
MORE = (
    "bias_not_updated",  # every bias left as it was
    "tanh_without_4",  # tanh' written e^{-2α}/(1 + e^{-2α})², without its factor 4
    "dldy_sign_flipped",  # dL/dy with its sign flipped
    "sse_gradient_for_ce",  # y − t taken as dL/dy for cross-entropy
    "update_not_carried",  # the sample worked (and updated) from the parameters the previous sample was worked at
    "wrong_input",  # one weight's gradient taken with another unit of its source layer as input (``index``: its position)
    "weights_swapped",  # two weights w_ij, w_ji read the wrong way round (``pair``)
    "digits_transposed",  # two neighbouring digits transposed when copying a written value
    "rounded_early",  # one factor rounded to one decimal before use: dL/dy (index 0) or a unit's derivative (index 1)
)
ALL = UPDATE + DERIVATIVE + WHOLE + GRADIENT + WRITING + MORE
# Problems with thresholds only: θ added rather than subtracted (net = Σ w·x + θ, so dnet/dθ = +1).
THRESHOLD = ("threshold_sign_flipped",)


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
        extra = {"dropped_factor": f" #{self.index}", "bias_times_input": f" x{self.index}", "inputs_swapped": f" {self.pair}", "slip": f" {self.slip}",
                 "weights_swapped": f" {self.pair}", "wrong_input": f" x{self.index}", "rounded_early": f" #{self.index}"}
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
        if not self.on(*DERIVATIVE, "tanh_without_4") or (self.i.units and u.name not in self.i.units):  # type: ignore[union-attr]
            return ""
        act = self.net.act(u)
        if self.i.mistake in ("tanh_one_minus", "tanh_as_dsigmoid", "tanh_without_4") and act == "tanh":  # type: ignore[union-attr]
            return self.i.mistake  # type: ignore[union-attr]
        if self.i.mistake == "dsigmoid_as_sigmoid" and act == "sigmoid":  # type: ignore[union-attr]
            return self.i.mistake  # type: ignore[union-attr]
        return ""

    def fixed_input(self) -> int:
        """What a bias (or threshold) multiplies: 1, the fixed input −1 of a threshold, or +1 where its sign is flipped."""
        return 1 if self.on("threshold_sign_flipped") and self.net.threshold else self.net.bias_input

    def updated_weights(self) -> bool:
        return self.on("updated_weights")

    def loss_gradient(self, u: Unit, g: mpf, y: mpf, t: mpf, loss: str) -> mpf | None:
        """The dL/dy this output is (mis)taken as, or None for the right one."""
        if self.on("dldy_sign_flipped"):
            return -g
        if self.on("sse_gradient_for_ce") and loss in ("bce", "ce"):
            return y - t
        if self.on("rounded_early") and self.i.index == 0 and u.name in self.i.units:  # type: ignore[union-attr]
            return one_decimal(g)
        return None

    def early(self, u: Unit, da: mpf) -> mpf:
        """A unit's derivative, rounded to one decimal where that is the mistake."""
        if self.on("rounded_early") and self.i.index == 1 and u.name in self.i.units:  # type: ignore[union-attr]
            return one_decimal(da)
        return da

    def not_carried(self) -> bool:
        return self.on("update_not_carried")

    def swapped(self, P: dict[str, mpf]) -> dict[str, mpf]:
        """The parameters as substituted: two weights read the wrong way round where that is the mistake."""
        if not self.on("weights_swapped"):
            return P
        a, b = self.i.pair  # type: ignore[union-attr]
        P = dict(P)
        P[a], P[b] = P[b], P[a]
        return P

    def wrong_input(self, q: Param) -> int | None:
        """The position (in its source layer) of the unit taken as this weight's input, if wrong."""
        return self.i.index if self.on("wrong_input") and q.name in self.i.params else None  # type: ignore[union-attr]

    def _mine(self, q: Param) -> bool:
        return not self.i.params or q.name in self.i.params  # type: ignore[union-attr]

    def dropped(self, q: Param) -> int | None:
        """The chain position left out of dL/dq, if any."""
        return self.i.index if self.on("dropped_factor") and self._mine(q) else None  # type: ignore[union-attr]

    def bias_input(self, q: Param) -> int | None:
        """Which input of its unit a bias gradient is multiplied by, if any."""
        return self.i.index if self.on("bias_times_input") and q.is_bias and self._mine(q) else None  # type: ignore[union-attr]

    def update(self, q: Param, p: mpf, g: mpf, lr: mpf, num: Numbers) -> mpf:
        if self.on("bias_not_updated") and q.is_bias:
            return num.r(p)
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
        if self.on("digits_transposed") and key in self.i.entries:  # type: ignore[union-attr]
            return transposed(written)
        return written


def one_decimal(x: mpf) -> mpf:
    return mpf(str(Decimal(mp.nstr(x, 30, strip_zeros=False, min_fixed=-50, max_fixed=50)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)))


def transposed(written: str) -> str:
    """The first two neighbouring digits that differ, from the leading significant one, written the other way round."""
    sign = "-" if written.startswith("-") else ""
    body = written.lstrip("+-")
    digits = [i for i, c in enumerate(body) if c.isdigit()]
    lead = next((k for k, i in enumerate(digits) if body[i] != "0"), None)
    if lead is None:
        return written
    for k in range(lead, len(digits) - 1):
        i, j = digits[k], digits[k + 1]
        if body[i] != body[j]:
            chars = list(body)
            chars[i], chars[j] = chars[j], chars[i]
            return sign + "".join(chars)
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
