"""The checker's data: what a student wrote (entries), what the marker says (items), and the order of steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal

from bpcalc.network import Network, Unit, pretty as _pretty

pretty = lru_cache(maxsize=1024)(_pretty)  # a report names each value twice (its label, its step), one after the other

KINDS = ("forward", "loss", "factor", "delta", "gradient", "parameter_after")  # the order a sheet works one sample
VERDICTS = ("right", "follows", "wrong")


@dataclass(frozen=True, slots=True)
class Key:
    """One checkable quantity of a sample: a forward value, the loss, a gradient or a parameter after it."""

    kind: str
    name: str  # canonical: alpha_H1, y, loss, w11, b4; a factor by its evaluator key (dL/dy, dH1/dalpha_H1); a δ by its unit (H1, y)

    def label(self) -> str:
        if self.kind == "loss":
            return "L"
        if self.kind == "delta":
            return f"δ_{self.name}"
        if self.kind == "gradient":
            return f"∂L/∂{pretty(self.name)}"
        if self.kind == "parameter_after":
            return f"{pretty(self.name)} after"
        return pretty(self.name)


@dataclass(frozen=True, slots=True)
class Given:
    """A number as the student wrote it."""

    text: str  # "0.646", "+0.989"
    value: Decimal
    place: str  # where it was written: "samples[0].parameters_after.b4", "line 7"
    answer_decimals: int | None = None  # the problem's answer precision: the most a value earns, however few digits it has
    exponent: int = field(init=False, repr=False, compare=False)  # of the last digit written (0 for whole numbers)
    number: float = field(init=False, repr=False, compare=False)  # the value as a double

    def __post_init__(self) -> None:
        exponent = self.value.as_tuple().exponent
        object.__setattr__(self, "exponent", exponent if isinstance(exponent, int) else 0)
        object.__setattr__(self, "number", float(self.value))

    def capped(self, answer_decimals: int | None) -> "Given":
        """The same number with the answer precision ``answer_decimals``."""
        return self if answer_decimals == self.answer_decimals else Given(self.text, self.value, self.place, answer_decimals)

    @property
    def short(self) -> bool:
        """Written with fewer decimals than the answer precision (0 for 0.35, 0e300), so its own digits claim more room than it earns."""
        return self.answer_decimals is not None and self.exponent > -self.answer_decimals

    @property
    def decimals(self) -> int:
        """Decimals written (0 for whole numbers); 1e-05 counts as 5."""
        return max(0, -self.exponent)


@dataclass(frozen=True, slots=True)
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
        return dict(self._by_sample().get((epoch, sample), {}))

    def _by_sample(self) -> dict[tuple[int, int], dict[Key, Given]]:
        """The entries grouped by (epoch, sample) in their order, made once (a sheet of S samples is then read in O(S·K))."""
        index = self.__dict__.get("_index")
        if index is None:
            index = {}
            for e in self.entries:
                index.setdefault((e.epoch, e.sample), {})[e.key] = e.given
            object.__setattr__(self, "_index", index)
        return index  # type: ignore[no-any-return]


def step_order(net: Network) -> dict[Key, int]:
    """Every key of one sample, numbered in the order a sheet works them: the forward pass, the loss, the
    chain-rule factors and δ from the output layer back, then per parameter in backpropagation order (the output
    layer's first) its gradient and its update."""
    keys = [Key("forward", n) for n in net.forward_names()]
    keys.append(Key("loss", "loss"))
    keys += backward_keys(net)
    for n in backprop_params(net):  # each gradient, then the update it makes, as the sheet works them
        keys += [Key("gradient", n), Key("parameter_after", n)]
    return {k: i for i, k in enumerate(keys)}


def backprop_params(net: Network) -> list[str]:
    """Parameter names in the order backpropagation reaches them: the output layer's first (w31, w41, w51, β4, w11, ...)."""
    return [p.name for li in range(len(net.layers) - 1, 0, -1) for p in net.params_into(li)]


@lru_cache(maxsize=64)
def backward_keys(net: Network) -> tuple[Key, ...]:
    """The chain-rule factors and δ a sheet can write, from the output layer back."""
    out: list[Key] = []
    last = len(net.layers) - 1
    for li in range(last, 0, -1):
        for u in net.units[li]:
            if li < last:
                out += [Key("factor", f"d{k.pre}/d{u.name}") for k in net.units[li + 1]]
            if li == last and not net.activation(li).elementwise:
                out.append(Key("factor", f"dL/d{u.pre}"))
            else:
                out += [Key("factor", f"dL/d{u.name}"), Key("factor", f"d{u.name}/d{u.pre}")]
            out.append(Key("delta", u.name))
    out += [Key("factor", f"d{p.target.pre}/d{p.name}") for p in net.params]
    return tuple(dict.fromkeys(out))


def unit_named(net: Network, name: str) -> Unit:
    """A non-input unit by its output's name (H1, y)."""
    return next(u for row in net.units[1:] for u in row if u.name == name)


@lru_cache(maxsize=64)
def upstream(net: Network) -> dict[Key, frozenset[Key]]:
    """For each factor, δ and gradient: the factors and δ it is worked from (within one sample)."""
    out: dict[Key, frozenset[Key]] = {}
    last = len(net.layers) - 1
    for li in range(last, 0, -1):
        for u in net.units[li]:
            if li == last:
                own = [Key("factor", f"dL/d{u.pre}")] if not net.activation(li).elementwise else [Key("factor", f"dL/d{u.name}"), Key("factor", f"d{u.name}/d{u.pre}")]
                if not net.activation(li).elementwise:
                    out[own[0]] = frozenset()
                else:
                    out[own[0]] = out[own[1]] = frozenset()
            else:
                back: set[Key] = set()
                for k in net.units[li + 1]:
                    w = Key("factor", f"d{k.pre}/d{u.name}")
                    out[w] = frozenset()
                    back |= {w, Key("delta", k.name)} | out[Key("delta", k.name)]
                dldh = Key("factor", f"dL/d{u.name}")
                out[dldh] = frozenset(back)
                own = [dldh, Key("factor", f"d{u.name}/d{u.pre}")]
                out[own[1]] = frozenset()
            out[Key("delta", u.name)] = frozenset(own).union(*(out[k] for k in own))
    for p in net.params:
        tail = Key("factor", f"d{p.target.pre}/d{p.name}")
        out[tail] = frozenset()
        delta = Key("delta", p.target.name)
        chain = {Key("factor", k) for k in net.chain(p)}
        out[Key("gradient", p.name)] = frozenset({delta} | out[delta] | chain).union(*(out.get(k, frozenset()) for k in chain))
    return out


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
    if later.kind in ("factor", "delta", "gradient"):  # dL/dy is the loss's derivative: worked with the same y and t
        if earlier.kind in ("forward", "loss"):
            return True
        return earlier in upstream(net).get(later, frozenset())
    # a parameter after the update: from its gradient, and so from the forward pass and the gradient's factors
    if earlier.kind in ("forward", "loss") or (earlier.kind == "gradient" and earlier.name == later.name):
        return True
    return earlier in upstream(net).get(Key("gradient", later.name), frozenset())


def _same_unit(net: Network, act: str, pre: str) -> bool:
    return any(u.name == act and u.pre == pre for row in net.units[1:] for u in row)


@dataclass(frozen=True, slots=True)
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
