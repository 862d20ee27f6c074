"""The network's structure and the sheet's notation: unit, parameter and chain-rule factor names.

Sheet notation (the seed sheet's): units are numbered layer by layer from the inputs (f1..fn are
units 1..n, then the first hidden layer, ...). ``w{i}{j}`` runs from unit number i to the j-th unit
of the next layer (``w{i}_{j}`` once an index reaches 10); ``b{k}`` is the bias of the k-th non-input
unit (``theta{k}``, θk, a threshold on a fixed input −1, with ``"bias": "threshold"``). Hidden units
are H1, H2, ... counted across all hidden layers, with pre-activations α_H1, ...;
a single output unit is o → y with target t, several are o1 → y1 (t1), o2 → y2 (t2), ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bpcalc.functions import LOSSES, Activation, Loss, activation


@dataclass(frozen=True)
class Unit:
    layer: int  # 0 = inputs
    position: int  # 1-based within its layer
    number: int  # 1-based, counted from the first input
    name: str  # f1, H1, y, y1 (the unit's output)
    pre: str | None = None  # alpha_H1, o, o1 (pre-activation); None for inputs
    bias: str | None = None  # b1, ...
    target: str | None = None  # t, t1 for output units


@dataclass(frozen=True)
class Param:
    name: str
    target: Unit
    source: Unit | None = None  # None for a bias

    @property
    def is_bias(self) -> bool:
        return self.source is None


def weight_name(i: int, j: int) -> str:
    return f"w{i}_{j}" if i >= 10 or j >= 10 else f"w{i}{j}"


_GREEK = {"alpha_": "α_", "delta_": "δ_"}


def pretty(name: str) -> str:
    """Display form of a name: b4 → β4, theta4 → θ4, alpha_H1 → α_H1, dL/dalpha_H1 → dL/dα_H1."""
    out = re.sub(r"(?:(?<![A-Za-z])|(?<=/d))b(?=\d)", "β", name)
    out = re.sub(r"(?:(?<![A-Za-z])|(?<=/d))theta(?=\d)", "θ", out)
    for ascii_, greek in _GREEK.items():
        out = out.replace(ascii_, greek)
    return out


def canonical(name: str) -> str:
    """Accept the ways people write a name (β4, ω31, w_{31}, α_H1) and give the file's spelling."""
    out = name.strip()
    for a, b in (("β", "b"), ("θ", "b"), ("ω", "w"), ("α", "alpha"), ("δ", "delta"), ("{", ""), ("}", "")):
        out = out.replace(a, b)
    out = re.sub(r"^alpha(?=H)", "alpha_", out)
    return out


@dataclass(frozen=True)
class Network:
    layers: tuple[int, ...]
    activations: tuple[str, ...]  # each activation's canonical spelling: "tanh", "leaky_relu(slope=0.1)"
    loss_name: str
    bias: bool | str = True  # True, False, or "threshold": θ on a fixed input −1, net = Σ w·x − θ

    @property
    def threshold(self) -> bool:
        return self.bias == "threshold"

    @property
    def bias_input(self) -> int:
        """What a unit's bias multiplies: 1 for a bias b, the fixed input −1 for a threshold θ."""
        return -1 if self.threshold else 1

    @cached_property
    def units(self) -> tuple[tuple[Unit, ...], ...]:
        out: list[tuple[Unit, ...]] = []
        number = 0
        hidden = 0
        nonin = 0
        last = len(self.layers) - 1
        for li, count in enumerate(self.layers):
            row = []
            for p in range(1, count + 1):
                number += 1
                if li == 0:
                    row.append(Unit(0, p, number, f"f{p}"))
                    continue
                nonin += 1
                b = (f"theta{nonin}" if self.threshold else f"b{nonin}") if self.bias else None
                if li < last:
                    hidden += 1
                    row.append(Unit(li, p, number, f"H{hidden}", f"alpha_H{hidden}", b))
                elif count == 1:
                    row.append(Unit(li, p, number, "y", "o", b, "t"))
                else:
                    row.append(Unit(li, p, number, f"y{p}", f"o{p}", b, f"t{p}"))
            out.append(tuple(row))
        return tuple(out)

    @property
    def inputs(self) -> tuple[Unit, ...]:
        return self.units[0]

    @property
    def outputs(self) -> tuple[Unit, ...]:
        return self.units[-1]

    @property
    def input_names(self) -> list[str]:
        return [u.name for u in self.inputs]

    @property
    def target_names(self) -> list[str]:
        return [u.target for u in self.outputs if u.target]

    def activation(self, layer: int) -> Activation:
        return activation(self.activations[layer - 1])

    @property
    def loss(self) -> Loss:
        return LOSSES[self.loss_name]

    @cached_property
    def params(self) -> tuple[Param, ...]:
        """Every parameter, in the sheet's table order: per unit its incoming weights, then its bias."""
        out = []
        for li in range(1, len(self.layers)):
            for unit in self.units[li]:
                for src in self.units[li - 1]:
                    out.append(Param(weight_name(src.number, unit.position), unit, src))
                if unit.bias:
                    out.append(Param(unit.bias, unit))
        return tuple(out)

    @cached_property
    def param_index(self) -> dict[str, Param]:
        return {p.name: p for p in self.params}

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    def params_into(self, layer: int) -> list[Param]:
        return [p for p in self.params if p.target.layer == layer]

    def weight(self, source: Unit, target: Unit) -> str:
        return weight_name(source.number, target.position)

    def forward_names(self) -> list[str]:
        """Forward quantities in the order they are computed: α_H1, H1, ..., o, y."""
        out: list[str] = []
        for row in self.units[1:]:
            for u in row:
                out.append(u.pre)  # type: ignore[arg-type]
            for u in row:
                out.append(u.name)
        return out

    def resolve_param(self, name: str) -> Param:
        """A parameter by any of its spellings; KeyError if there is none."""
        c = canonical(name.replace("θ", "theta") if self.threshold else name)
        if c in self.param_index:
            return self.param_index[c]
        squeezed = c.replace("_", "")
        hits = [p for p in self.params if p.name.replace("_", "") == squeezed]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(name)

    # --- the chain rule, as the sheet writes it -------------------------------------------------

    def single_path(self, unit: Unit) -> bool:
        """True when a hidden unit reaches the loss through one elementwise output unit only."""
        last = len(self.layers) - 1
        return (
            unit.layer == last - 1
            and len(self.outputs) == 1
            and self.activation(last).elementwise
        )

    def chain(self, param: Param) -> tuple[str, ...]:
        """The factors of dL/dparam, left to right, as keys of the evaluator's ``factors``."""
        u = param.target
        last = len(self.layers) - 1
        tail = f"d{u.pre}/d{param.name}"
        if u.layer == last:
            if self.activation(last).elementwise:
                return (f"dL/d{u.name}", f"d{u.name}/d{u.pre}", tail)
            return (f"dL/d{u.pre}", tail)
        own = f"d{u.name}/d{u.pre}"
        if self.single_path(u):
            out = self.outputs[0]
            return (f"dL/d{out.name}", f"d{out.name}/d{out.pre}", f"d{out.pre}/d{u.name}", own, tail)
        return (f"dL/d{u.name}", own, tail)


def latex_name(name: str) -> str:
    """LaTeX for a name, as the sheet writes it: w31 → w_{31}, b4 → \\beta_{4}, alpha_H1 → \\alpha_{H_{1}}."""
    m = re.fullmatch(r"(alpha|delta)_(H|o)(\d*)", name)
    if m:
        inner = m.group(2) + (f"_{{{m.group(3)}}}" if m.group(3) else "")
        return f"\\{m.group(1)}_{{{inner}}}"
    m = re.fullmatch(r"w(\d+)_?(\d+)", name)
    if m:
        sep = "," if "_" in name else ""
        return f"w_{{{m.group(1)}{sep}{m.group(2)}}}"
    m = re.fullmatch(r"([bfHyot]|theta)(\d+)", name)
    if m:
        base = {"b": "\\beta", "theta": "\\theta"}.get(m.group(1), m.group(1))
        return f"{base}_{{{m.group(2)}}}"
    return name
