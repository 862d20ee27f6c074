"""The network's structure and the sheet's notation: unit, parameter and chain-rule factor names.

Sheet notation (the seed sheet's): units are numbered layer by layer from the inputs (f1..fn are
units 1..n, then the first hidden layer, ...). ``w{i}{j}`` runs from unit number i to the j-th unit
of the next layer (``w{i}_{j}`` once an index reaches 10); ``b{k}`` is the bias of the k-th non-input
unit (``theta{k}``, θk, a threshold on a fixed input −1, with ``"bias": "threshold"``). Hidden units
are H1, H2, ... counted across all hidden layers, with pre-activations α_H1, ...;
a single output unit is o → y with target t, several are o1 → y1 (t1), o2 → y2 (t2), ...
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any, Callable, Mapping

from bpcalc import names as N
from bpcalc.functions import LOSSES, Activation, Loss, activation
from bpcalc.names import SHEET, Name


@dataclass(frozen=True)
class Unit:
    layer: int  # 0 = inputs
    position: int  # 1-based within its layer
    number: int  # 1-based, counted from the first input
    name: str  # f1, H1, y, y1 (the unit's output)
    pre: str | None = None  # alpha_H1, o, o1 (pre-activation); None for inputs
    bias: str | None = None  # b1, ...
    target: str | None = None  # t, t1 for output units
    id: Name | None = None  # the unit as a structured name (its output)

    @cached_property
    def pre_id(self) -> Name | None:
        return N.pre(self.id) if self.id is not None and self.layer else None

    @cached_property
    def delta_id(self) -> Name | None:
        return N.delta(self.id) if self.id is not None and self.layer else None

    @cached_property
    def target_id(self) -> Name | None:
        return N.target(self.id) if self.id is not None and self.target else None


@dataclass(frozen=True)
class Param:
    name: str
    target: Unit
    source: Unit | None = None  # None for a bias
    id: Name | None = None  # the parameter as a structured name

    @property
    def is_bias(self) -> bool:
        return self.source is None


def weight_name(i: int, j: int) -> str:
    return SHEET.key(N.weight(i, j))


def pretty(name: str) -> str:
    """Display form of a key: b4 → β4, alpha_H1 → α_H1, dL/dalpha_H1 → dL/dα_H1 (text the notation cannot read stays)."""
    n = SHEET.parse(name)
    return SHEET.text(n) if n is not None else name


def canonical(name: str) -> str:
    """Accept the ways people write a name (β4, ω31, w_{31}, α_H1) and give the file's spelling."""
    return SHEET.canonical(name)


@dataclass(frozen=True)
class Network:
    layers: tuple[int, ...]
    activations: tuple[str, ...]  # each activation's canonical spelling: "tanh", "leaky_relu(slope=0.1)"
    loss_name: str
    bias: bool | str = True  # True, False, "threshold": θ on a fixed input −1, net = Σ w·x − θ; "per_layer": one bias b{l} shared by layer l

    @property
    def threshold(self) -> bool:
        return self.bias == "threshold"

    @property
    def per_layer(self) -> bool:
        """One bias per layer (Mazur's b1, b2), shared by every unit of it: its gradient is the sum of theirs."""
        return self.bias == "per_layer"

    def sharing(self, param: "Param") -> tuple["Unit", ...]:
        """The units a parameter feeds: every unit of its layer for a shared bias, else its own unit."""
        return self.units[param.target.layer] if param.is_bias and self.per_layer else (param.target,)

    @property
    def bias_input(self) -> int:
        """What a unit's bias multiplies: 1 for a bias b, the fixed input −1 for a threshold θ."""
        return -1 if self.threshold else 1

    def offset(self, k: int) -> Name:
        """The name of the k-th non-input unit's bias: βk, or θk for a threshold."""
        return N.threshold(k) if self.threshold else N.bias(k)

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
                    u = N.input_(p)
                    row.append(Unit(0, p, number, u.key, id=u))
                    continue
                nonin += 1
                b = (N.bias(li).key if self.per_layer else SHEET.key(self.offset(nonin))) if self.bias else None
                if li < last:
                    hidden += 1
                    u = N.hidden(hidden)
                    row.append(Unit(li, p, number, u.key, N.pre(u).key, b, id=u))
                else:
                    u = N.output(None if count == 1 else p)
                    row.append(Unit(li, p, number, u.key, N.pre(u).key, b, N.target(u).key, id=u))
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
        """Every parameter, in the sheet's table order: per unit its incoming weights, then its bias (or threshold)."""
        out = []
        for li in range(1, len(self.layers)):
            for unit in self.units[li]:
                for src in self.units[li - 1]:
                    w = N.weight(src.number, unit.position)
                    out.append(Param(w.key, unit, src, w))
                if unit.bias and not self.per_layer:
                    out.append(Param(unit.bias, unit, None, self.offset(unit.number - self.layers[0])))
            if self.per_layer and self.bias:
                out.append(Param(N.bias(li).key, self.units[li][0], None, N.bias(li)))
        return tuple(out)

    @cached_property
    def wiring(self) -> "Wiring":
        """The evaluator's index structures, built once per network (keys per unit, factor keys)."""
        return Wiring.of(self)

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
        hit = self.param_index.get(name)  # the file's own spelling (every key of a problem's parameters)
        if hit is not None:
            return hit
        c = canonical(name)
        n = SHEET.parse(c)
        if n is not None and n.kind == "threshold" and not self.threshold:
            c = N.bias(*n.index).key  # θk, a usual letter for a bias too, is bk in a network with biases
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

    def chain_names(self, param: Param) -> tuple[Name, ...]:
        """The factors of dL/dparam, left to right, as structured names."""
        return self._chains[param.name]

    @cached_property
    def _chains(self) -> dict[str, tuple[Name, ...]]:
        return {p.name: self._chain_names(p) for p in self.params}

    def _chain_names(self, param: Param) -> tuple[Name, ...]:
        u = param.target
        assert u.id is not None and param.id is not None
        last = len(self.layers) - 1
        pre = N.pre(u.id)
        tail = N.factor(pre, param.id)
        if u.layer == last:
            if self.activation(last).elementwise:
                return (N.factor(N.LOSS, u.id), N.factor(u.id, pre), tail)
            return (N.factor(N.LOSS, pre), tail)
        own = N.factor(u.id, pre)
        if self.single_path(u):
            out = self.outputs[0].id
            assert out is not None
            return (N.factor(N.LOSS, out), N.factor(out, N.pre(out)), N.factor(N.pre(out), u.id), own, tail)
        return (N.factor(N.LOSS, u.id), own, tail)

    def chain(self, param: Param) -> tuple[str, ...]:
        """The factors of dL/dparam, left to right, as keys of the evaluator's ``factors``."""
        return self._chain_keys[param.name]

    def chain_of(self, param: Param) -> tuple[str, ...]:
        """``chain(param)`` worked out for this one parameter, without every parameter's chain (``bpcalc derive``)."""
        return tuple(n.key for n in self._chain_names(param))

    @cached_property
    def _chain_keys(self) -> dict[str, tuple[str, ...]]:
        return {name: tuple(n.key for n in names) for name, names in self._chains.items()}

    @cached_property
    def _backprop(self) -> tuple[Param, ...]:
        return tuple(p for li in range(len(self.layers) - 1, 0, -1) for p in self.params_into(li))

    def backprop_params(self) -> tuple[Param, ...]:
        """Parameters in the order a sheet works the gradients: output layer first, then back layer by layer."""
        return self._backprop


@dataclass(frozen=True)
class Wiring:
    """Keys the evaluator reads and writes, per layer (index 0: the inputs) and per unit, spelt once.

    * ``incoming[l][j]``: the keys of unit j's incoming weights, in the order of the layer before;
    * ``outgoing[l][j]``: the keys of the weights from unit j to each unit of layer l + 1 (empty at the last);
    * ``back[l][j]``: the factor keys ``d{pre of k}/d{unit}`` for those same weights;
    * ``own[l][j]``: the factor keys ``dL/d{unit}`` and ``d{unit}/d{pre}``; ``whole[j]``: ``dL/d{pre}`` per output;
    * ``tails[l][j]``: the factor keys ``d{pre}/d{weight}`` of unit j's incoming weights, and of its own bias (or None);
    * ``biases[l][j]``: unit j's own bias key (None: it has none, or shares its layer's);
    * ``names[l]``, ``pres[l]``: the units' outputs and pre-activations; ``targets``: the outputs' targets.
    """

    incoming: tuple[tuple[tuple[str, ...], ...], ...]
    outgoing: tuple[tuple[tuple[str, ...], ...], ...]
    back: tuple[tuple[tuple[str, ...], ...], ...]
    own: tuple[tuple[tuple[str, str], ...], ...]
    whole: tuple[str, ...]
    tails: tuple[tuple[tuple[tuple[str, ...], str | None], ...], ...]
    biases: tuple[tuple[str | None, ...], ...]  # [l][j]: unit j's own bias key (None: none, or one shared by the layer)
    elementwise_out: bool  # the output activation is elementwise (not softmax)
    names: tuple[tuple[str, ...], ...]  # [l]: the units' outputs (f1, H1, y)
    pres: tuple[tuple[str, ...], ...]  # [l]: the units' pre-activations (alpha_H1, o); () for the inputs
    targets: tuple[str, ...]  # the outputs' targets (t, t1)

    @staticmethod
    def of(net: Network) -> "Wiring":
        units = net.units
        last = len(units) - 1
        incoming = tuple(tuple(tuple(net.weight(s, u) for s in units[li - 1]) for u in units[li]) if li else () for li in range(last + 1))
        outgoing = tuple(tuple(tuple(net.weight(u, k) for k in units[li + 1]) for u in units[li]) if li < last else () for li in range(last + 1))
        back = tuple(tuple(tuple(f"d{k.pre}/d{u.name}" for k in units[li + 1]) for u in units[li]) if li < last else () for li in range(last + 1))
        own = tuple(tuple((f"dL/d{u.name}", f"d{u.name}/d{u.pre}") for u in row) for row in units)
        whole = tuple(f"dL/d{u.pre}" for u in units[last])
        tails = tuple(
            tuple(
                (tuple(f"d{u.pre}/d{w}" for w in incoming[li][j]), f"d{u.pre}/d{u.bias}" if u.bias and not net.per_layer else None)
                for j, u in enumerate(units[li])
            )
            if li
            else ()
            for li in range(last + 1)
        )
        biases = tuple(tuple(u.bias if u.bias and not net.per_layer else None for u in row) for row in units)
        names = tuple(tuple(u.name for u in row) for row in units)
        pres = tuple(tuple(u.pre for u in row if u.pre) for row in units)
        targets = tuple(u.target for u in units[last] if u.target)
        return Wiring(incoming, outgoing, back, own, whole, tails, biases, net.activation(last).elementwise, names, pres, targets)

    @cached_property
    def flat(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """Per layer: (its parameters' keys, their factors ``d{pre}/d{p}`` keys), unit by unit: its weights, then its bias."""
        return tuple(
            (
                tuple(k for keys, u_bias in zip(self.incoming[li], self.biases[li]) for k in (*keys, *((u_bias,) if u_bias else ()))),
                tuple(k for tail, bias in self.tails[li] for k in (*tail, *((bias,) if bias else ()))),
            )
            for li in range(len(self.incoming))
        )

    @cached_property
    def templates(self) -> tuple[dict[str, None], dict[str, None]]:
        """Empty (None-valued) factors and gradients of a pass, keys in the order the evaluator writes them (no shared bias).

        Factors: per output dL/dy, dy/do (dL/do for softmax); per hidden layer from the last, per unit
        its d{pre of k}/d{unit} then dL/d{unit}, d{unit}/d{pre}; then every d{pre}/d{p} in parameter
        order. A copy filled in place costs less than a dict grown key by key.
        """
        last = len(self.incoming) - 1
        factors = list(self.output_keys)
        for li in range(last - 1, 0, -1):
            for keys, pair in zip(self.back[li], self.own[li]):
                factors += [*keys, *pair]
        for li in range(1, last + 1):
            factors += self.flat[li][1]
        return dict.fromkeys(factors), dict.fromkeys(k for li in range(1, last + 1) for k in self.flat[li][0])

    @cached_property
    def output_keys(self) -> tuple[str, ...]:
        """The output layer's factor keys in a pass's order: dL/dy, dy/do per output (dL/do per output of softmax)."""
        return self.whole if not self.elementwise_out else tuple(k for pair in self.own[-1] for k in pair)

    @cached_property
    def blank_forward(self) -> dict[str, None]:
        """A pass's forward keys (None-valued) in computing order: per layer its pre-activations, then its outputs."""
        return dict.fromkeys(k for li in range(1, len(self.names)) for k in (*self.pres[li], *self.names[li]))

    @cached_property
    def blank_deltas(self) -> dict[str, None]:
        """The pre-activations whose δ a pass keeps (None-valued), in the order it works them: the outputs, then back layer by layer."""
        return dict.fromkeys(k for li in range(len(self.pres) - 1, 0, -1) for k in self.pres[li])

    @cached_property
    def take_layer(self) -> tuple[Callable[[Mapping[str, Any]], tuple[Any, ...]], ...]:
        """Per layer (index 0: none), a function of a parameter mapping giving its parameters in ``flat`` order:
        unit by unit, its incoming weights, then its own bias."""
        return tuple(taker(keys) for keys, _ in self.flat)

    @cached_property
    def take_inputs(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """A function of a sample's inputs giving their values in unit order."""
        return taker(self.names[0])

    @cached_property
    def take_targets(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """A function of a sample's targets giving their values in output order."""
        return taker(self.targets)

    @cached_property
    def take_in(self) -> tuple[tuple[Callable[[Mapping[str, Any]], tuple[Any, ...]], ...], ...]:
        """Per unit, a function of a parameter mapping giving the values of its incoming weights (``incoming`` order)."""
        return tuple(tuple(taker(keys) for keys in row) for row in self.incoming)

    @cached_property
    def take_out(self) -> tuple[tuple[Callable[[Mapping[str, Any]], tuple[Any, ...]], ...], ...]:
        """Per unit, a function of a parameter mapping giving the values of its outgoing weights (``outgoing`` order)."""
        return tuple(tuple(taker(keys) for keys in row) for row in self.outgoing)


def taker(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """mapping → the values at ``keys`` as a tuple (itemgetter, which gives a bare value for one key, made to give a 1-tuple)."""
    if not keys:
        return lambda values: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda values: (values[key],)
    return itemgetter(*keys)


def latex_name(name: str) -> str:
    """LaTeX for a key, as the sheet writes it: w31 → w_{31}, b4 → \\beta_{4}, alpha_H1 → \\alpha_{H_{1}}."""
    n = SHEET.parse(name)
    return SHEET.latex(n) if n is not None else name
