"""The sheet's network notation, written from the README alone: units, parameter names and chain factors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mpmath import mpf


@dataclass(frozen=True)
class Unit:
    layer: int  # 0 = inputs
    pos: int  # 1-based within its layer
    number: int  # 1-based over the whole network
    name: str  # f1, H1, y, y1
    pre: str = ""  # alpha_H1, o, o1 ("" for inputs)
    bias: str = ""  # b1, ... or theta1, ... for a threshold ("" without biases)
    target: str = ""  # t, t1 for output units


@dataclass(frozen=True)
class Param:
    name: str
    unit: Unit  # the unit it feeds
    source: Unit | None  # None for a bias (or a threshold)

    @property
    def is_bias(self) -> bool:
        return self.source is None


def weight_name(i: int, j: int) -> str:
    return f"w{i}_{j}" if i >= 10 or j >= 10 else f"w{i}{j}"


def number(x: Any) -> mpf:
    """A problem-file number at its written decimal value."""
    return mpf(str(x))


class Net:
    """A problem's network: units layer by layer, parameters in table order, activations and loss."""

    def __init__(self, spec: dict[str, Any]) -> None:
        n = spec["network"]
        self.sizes: list[int] = list(n["layers"])
        self.acts: list[str] = list(n["activations"])
        self.loss: str = n["loss"]
        self.threshold: bool = n.get("bias", True) == "threshold"  # θ on a fixed input −1: net = Σ w·x − θ
        self.bias: bool = self.threshold or bool(n.get("bias", True))
        self.bias_input: int = -1 if self.threshold else 1  # what a bias multiplies: 1, or the fixed input −1 of a threshold
        self.units: list[list[Unit]] = []
        count = hidden = nonin = 0
        last = len(self.sizes) - 1
        for li, size in enumerate(self.sizes):
            row = []
            for p in range(1, size + 1):
                count += 1
                if li == 0:
                    row.append(Unit(0, p, count, f"f{p}"))
                    continue
                nonin += 1
                b = (f"theta{nonin}" if self.threshold else f"b{nonin}") if self.bias else ""
                if li < last:
                    hidden += 1
                    row.append(Unit(li, p, count, f"H{hidden}", f"alpha_H{hidden}", b))
                elif size == 1:
                    row.append(Unit(li, p, count, "y", "o", b, "t"))
                else:
                    row.append(Unit(li, p, count, f"y{p}", f"o{p}", b, f"t{p}"))
            self.units.append(row)
        self.params: list[Param] = []
        for li in range(1, len(self.sizes)):
            for u in self.units[li]:
                for s in self.units[li - 1]:
                    self.params.append(Param(weight_name(s.number, u.pos), u, s))
                if u.bias:
                    self.params.append(Param(u.bias, u, None))
        self.param = {q.name: q for q in self.params}

    @property
    def last(self) -> int:
        return len(self.sizes) - 1

    @property
    def outputs(self) -> list[Unit]:
        return self.units[-1]

    @property
    def inputs(self) -> list[Unit]:
        return self.units[0]

    def act(self, u: Unit) -> str:
        return self.acts[u.layer - 1]

    def weight(self, s: Unit, u: Unit) -> str:
        return weight_name(s.number, u.pos)

    def forward_names(self) -> list[str]:
        out: list[str] = []
        for row in self.units[1:]:
            out += [u.pre for u in row] + [u.name for u in row]
        return out

    def single_path(self, u: Unit) -> bool:
        """A last-hidden-layer unit that reaches the loss through one elementwise output (the sheet's long chain)."""
        return u.layer == self.last - 1 and len(self.outputs) == 1 and self.acts[-1] != "softmax"

    def chain_names(self, q: Param) -> list[str]:
        """The factors of dL/dq as the README writes them."""
        u = q.unit
        tail = f"d{u.pre}/d{q.name}"
        if u.layer == self.last:
            if self.acts[-1] == "softmax":
                return [f"dL/d{u.pre}", tail]
            return [f"dL/d{u.name}", f"d{u.name}/d{u.pre}", tail]
        if self.single_path(u):
            y = self.outputs[0]
            return [f"dL/d{y.name}", f"d{y.name}/d{y.pre}", f"d{y.pre}/d{u.name}", f"d{u.name}/d{u.pre}", tail]
        return [f"dL/d{u.name}", f"d{u.name}/d{u.pre}", tail]


def load(text: str) -> dict[str, Any]:
    """A problem file, numbers kept as their decimal text."""
    import json

    return json.loads(text, parse_float=Decimal)
