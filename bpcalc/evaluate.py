"""Numeric evaluation over the layered structure: forward pass, chain-rule factors, gradients, SGD.

One pass per sample, in the order a sheet works it. The number system ``m`` decides how numbers
are kept: floats with stable forms (default), floats rounded at every displayed step, or exact.
Plain floats with nothing overridden are worked on lists per layer, the names only at the edge.
"""

from __future__ import annotations

import math
from itertools import chain
from math import fsum
from operator import mul
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from bpcalc.arith import FloatMath
from bpcalc.errors import BpcalcError, ProblemError
from bpcalc.network import Network, taker
from bpcalc.problem import Num, Problem, Sample, work_bounded


@dataclass
class Pass:
    """Everything one sample gives at one set of parameters (a plain float pass is an :class:`ArrayPass`: the same, made when read)."""

    forward: dict[str, Any]  # alpha_H1, H1, ..., o, y in computing order
    loss: Any
    factors: dict[str, Any]  # chain-rule factors by key, e.g. "dL/dy", "dH1/dalpha_H1"
    deltas: dict[str, Any]  # dL/d(pre-activation), by pre-activation name
    gradients: dict[str, Any]  # by parameter, in parameter order
    computed: dict[str, Any] = field(default_factory=dict)  # forward values as computed, before any ``given`` replaced them


@dataclass
class Update:
    """One update of every parameter by the problem's rule (SGD: p ← p − η·g; frozen parameters stay)."""

    gradients: dict[str, Any]  # the gradient used (the batch mean in batch mode)
    steps: dict[str, Any]  # η·g
    before: dict[str, Any]
    after: dict[str, Any]
    kept: dict[str, Any] = field(default_factory=dict)  # what the update rule keeps per parameter for the next update
    state: dict[str, dict[str, Any]] = field(default_factory=dict)  # the rule's state shown per parameter: key → {parameter: value}
    prior: dict[str, Any] = field(default_factory=dict)  # what the rule kept before this update, per parameter
    count: int = 0  # this update's number in the run, from 1
    samples: tuple[int, int] = (0, 0)  # the first and last sample (1-based) whose gradients it used
    loss_gradients: dict[str, Any] = field(default_factory=dict)  # the loss's part of ``gradients`` (reduced over the batch)
    decay: dict[str, Any] = field(default_factory=dict)  # λ·w per weight (weight decay only)
    objective: tuple[Any, Any, Any] | None = None  # (the loss reduced over the batch, (λ/2)·Σw², their sum): weight decay only


@dataclass
class SampleResult:
    epoch: int
    sample: int  # 1-based
    inputs: dict[str, Num]
    targets: dict[str, Num]
    pass_: Pass
    before: dict[str, Any]
    after: dict[str, Any]
    update: Update | None = None  # the update made right after this sample, if any
    at: dict[str, Any] | None = None  # the parameters the pass was taken at, where not ``before`` (Nesterov's look-ahead)


@dataclass
class EpochTotal:
    """One epoch's totals: the per-sample losses summed and averaged, and the mean per-sample loss gradient."""

    epoch: int
    loss_sum: Any
    loss_mean: Any
    gradient_mean: dict[str, Any]


@dataclass
class Run:
    problem: Problem
    math: Any
    results: list[SampleResult] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    epochs: list[EpochTotal] = field(default_factory=list)


def _prod(xs: list[Any]) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


Derivative = Callable[[Any, Any, Any], Any]  # (m, z, a) -> da/dz at one unit: its pre-activation z, its output a
LossGradient = Callable[[Any, Any, Any, Any], Any]  # (m, y, t, correct dL/dy) -> the dL/dy taken at one output

STYLES = ("stable", "factors", "delta", "results")
OWN_OUTPUT: dict[str, Callable[[Any, Any], Any]] = {  # σ' and tanh' from the unit's own output, as a δ-style hand working writes them
    "sigmoid": lambda m, a: a * (1 - a),
    "tanh": lambda m, a: 1 - a * a,
}


@dataclass(frozen=True)
class Overrides:
    """What a pass takes instead of the correct working, keyed by name (a marker working on from a student's sheet).

    * ``forward``: forward name → value; replaces that quantity, once computed, for everything
      downstream (``Pass.computed`` keeps what was computed);
    * ``backward``: weight name → the value the backward pass carries deltas back through
      (default: the parameters themselves);
    * ``derivatives``: unit name (H1, y) → the derivative taken at that unit, ``(m, z, a) -> da/dz``;
      a unit whose derivative is overridden never takes the loss's stable δ (y − t);
    * ``loss_gradients``: output name (y, y1) → the dL/dy taken there, ``(m, y, t, correct) -> dL/dy``
      (elementwise outputs; no stable δ there either);
    * ``style``: how the chain is worked — ``stable`` (full precision, stable forms where units
      saturate), ``factors`` (the sheet's way: every chain-rule factor rounded, each gradient the
      rounded product of its factors), ``delta`` (one rounded δ per unit, σ' and tanh' from the
      unit's own output, δ = y − t at once where the loss allows, each gradient δ × input),
      ``results`` (only the results rounded — α, H, o, y, the loss, each gradient — every factor and δ
      kept at full precision, σ' and tanh' from the unit's own written output);
      None: the number system's own (``factors`` when it rounds every step, else ``stable``).
    """

    forward: Mapping[str, Any] = field(default_factory=dict)
    backward: Mapping[str, Any] | None = None
    derivatives: Mapping[str, Derivative] = field(default_factory=dict)
    loss_gradients: Mapping[str, LossGradient] = field(default_factory=dict)
    style: str | None = None

    def style_for(self, m: Any) -> str:
        return self.style or ("factors" if m.hand else "stable")


NO_OVERRIDES = Overrides()


def evaluate(
    net: Network,
    m: Any,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    targets: Mapping[str, Any],
    where: str = "",
    overrides: Overrides = NO_OVERRIDES,
) -> Pass:
    """Forward and backward pass for one sample; all arguments already in the number system ``m``.

    ``overrides`` (see :class:`Overrides`) says what to take instead of the correct working, and how
    the chain is worked and rounded. Plain floats with nothing overridden take :func:`_evaluate_floats`
    (index arrays, the names at the edge); everything else the name-keyed working below. Both give
    the same numbers, float for float.
    """
    if _floats_only(net, m, overrides):
        return _evaluate_floats(net, m, params, inputs, targets, where)
    units = net.units
    last = len(units) - 1
    val: dict[str, Any] = dict(inputs)
    forward: dict[str, Any] = {}
    computed: dict[str, Any] = {}
    given = overrides.forward
    back = params if overrides.backward is None else overrides.backward
    style = overrides.style_for(m)
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    plain = style != "stable"  # a hand working: the plain forms (1 − y, ln y), no stable rewrites
    whole = style in ("delta", "results")  # δ from the unrounded factors (one rounding per δ, or none)
    keep = (lambda x: x) if style == "results" else m.step  # how a factor or δ is kept
    derivative = _derivative(m, overrides, style)

    wiring = net.wiring
    xs: list[Any] = []  # the layer before's outputs, in order
    for li in range(1, last + 1):
        act = net.activation(li)
        xs = [val[s.name] for s in units[li - 1]]
        zs = []
        for u, weights in zip(units[li], wiring.take_in[li]):
            terms = list(map(mul, weights(params), xs))
            if u.bias:  # a threshold θ sits on the fixed input −1
                terms.append(-params[u.bias] if net.threshold else params[u.bias])
            z = computed[u.pre] = m.step(m.fsum(terms))
            z = given.get(u.pre, z)
            forward[u.pre] = z
            zs.append(z)
        if act.elementwise:
            outs = [act.value(m, z) for z in zs]
        else:
            outs = act.value(m, zs)
        for u, a in zip(units[li], outs):
            a = computed[u.name] = m.step(a)
            a = given.get(u.name, a)
            forward[u.name] = val[u.name] = a

    # Output layer and loss.
    outs = units[last]
    zs = [forward[u.pre] for u in outs]
    ys = [forward[u.name] for u in outs]
    ts = [targets[u.target] for u in outs]
    total, ybars, ds = _head(net, m, zs, ys, ts, where, plain, any(u.name in given for u in outs))

    fast = not net.per_layer and style != "factors"  # parameter by parameter from the cached keys (see _unit_gradients)
    factors: dict[str, Any] = wiring.templates[0].copy() if fast else {}  # every key is written below, in this order
    shown, out_deltas = _output_deltas(net, m, zs, ys, ybars, ds, ts, style, overrides, derivative)
    factors.update(zip(wiring.output_keys, shown))
    deltas: dict[str, Any] = dict(zip(wiring.pres[last], out_deltas))

    # Hidden layers, from the output back.
    for li in range(last - 1, 0, -1):
        act = net.activation(li)
        later = [deltas[k.pre] for k in units[li + 1]]
        for u, weights, fkeys, (dh, ha) in zip(units[li], wiring.take_out[li], wiring.back[li], wiring.own[li]):
            ws = weights(back)
            factors.update(zip(fkeys, ws))
            total_back = m.fsum(list(map(mul, ws, later)))
            slope = derivative(u, act, forward[u.pre], forward[u.name])
            dldh, dhda = keep(total_back), keep(slope)
            factors[dh] = dldh
            factors[ha] = dhda
            deltas[u.pre] = keep(total_back * slope if whole else dldh * dhda)

    one = m.num(net.bias_input)  # dα/db = 1; dα/dθ = −1
    if fast:  # the same keys, values and order as the loops below
        gradients: dict[str, Any] = wiring.templates[1].copy()
        _unit_gradients(net, m, val, deltas, one, factors, gradients)
        return Pass(forward, total, factors, deltas, gradients, computed)
    gradients = {}
    for p in net.params:
        factors[f"d{p.target.pre}/d{p.name}"] = one if p.is_bias else val[p.source.name]  # type: ignore[union-attr]
    for p in net.params:
        if net.per_layer and p.is_bias:  # a bias shared by a layer: the sum of its units' gradients
            g = m.step(m.fsum([deltas[u.pre] for u in net.sharing(p)]) * one)
        elif style == "factors":
            g = m.step(_prod([factors[k] for k in net.chain(p)]))
        else:
            g = m.step(deltas[p.target.pre] * (one if p.is_bias else val[p.source.name]))  # type: ignore[union-attr]
        gradients[p.name] = g
    return Pass(forward, total, factors, deltas, gradients, computed)


def _derivative(m: Any, overrides: Overrides, style: str) -> Callable[[Any, Any, Any, Any], Any]:
    """(unit, its activation, z, a) → da/dz as the working takes it: overridden, from the unit's own output, or the stable form."""
    own_output = style in ("delta", "results")  # σ' and tanh' from the unit's own output

    def derivative(u: Any, act: Any, z: Any, a: Any) -> Any:
        own = overrides.derivatives.get(u.name)
        if own is not None:
            return own(m, z, a)
        if own_output and act.name in OWN_OUTPUT:
            return OWN_OUTPUT[act.name](m, a)
        return act.derivative(m, z, a)

    return derivative


def _head(net: Network, m: Any, zs: list[Any], ys: list[Any], ts: list[Any], where: str, plain: bool, outputs_given: bool) -> tuple[Any, list[Any], list[Any]]:
    """The loss at the outputs: (L, each output's 1 − y, each output's y − t), accurate where units saturate unless ``plain``."""
    act = net.activation(len(net.layers) - 1)
    n = len(ys)
    accurate = act.complement is not None and not plain and not outputs_given
    if accurate:
        ybars = [act.complement(m, z) for z in zs] if act.elementwise else act.complement(m, zs)
    else:
        ybars = [1 - y for y in ys]
    # y − t, from the accurate 1 − y where y is near 1 (a saturated σ or softmax output)
    ds = [(1 - t) - yb if accurate and m.name == "float" and y > 0.5 else y - t for y, yb, t in zip(ys, ybars, ts)]
    if outputs_given:  # the given outputs, as written: their logs, not the stable forms through o
        logs = [(m.log(y), m.log(yb)) for y, yb in zip(ys, ybars)]
    else:
        logs = _logs(net, m, zs, ys, ybars, where, plain)
    loss = net.loss
    total = m.fsum([loss.term(m, y, d, ly, l1y, t, n) for y, d, (ly, l1y), t in zip(ys, ds, logs, ts)])
    return m.step(total), ybars, ds


def _output_deltas(
    net: Network, m: Any, zs: list[Any], ys: list[Any], ybars: list[Any], ds: list[Any], ts: list[Any], style: str, overrides: Overrides, derivative: Callable[[Any, Any, Any, Any], Any]
) -> tuple[list[Any], list[Any]]:
    """(the output layer's factors in the pass's order — dL/dy, dy/do per output; dL/do per output of softmax — its δs)."""
    last = len(net.layers) - 1
    act = net.activation(last)
    loss = net.loss
    outs = net.units[last]
    n = len(outs)
    whole = style in ("delta", "results")
    keep = (lambda x: x) if style == "results" else m.step
    shortcut = None if style == "factors" else loss.stable_delta.get(act.name)
    shown: list[Any] = []
    deltas: list[Any] = []
    if act.elementwise:
        for k, u in enumerate(outs):
            grad = loss.grad(m, ys[k], ybars[k], ds[k], ts[k], n)
            taken = overrides.loss_gradients.get(u.name)
            if taken is not None:
                grad = taken(m, ys[k], ts[k], grad)
            slope = derivative(u, act, zs[k], ys[k])
            dldy, dydo = keep(grad), keep(slope)
            shown += (dldy, dydo)
            if shortcut is not None and u.name not in overrides.derivatives and taken is None:
                delta = shortcut(m, ys, ybars, ts, k)
            else:
                delta = grad * slope if whole else dldy * dydo
            deltas.append(keep(delta))
    else:
        dldys = [loss.grad(m, ys[j], ybars[j], ds[j], ts[j], n) for j in range(n)]
        for k in range(n):
            if shortcut is not None:
                delta = shortcut(m, ys, ybars, ts, k)
            else:
                delta = m.fsum([dldys[j] * act.derivative(m, ys, ybars, j, k) for j in range(n)])
            deltas.append(keep(delta))
        shown = deltas
    return shown, deltas


def _floats_only(net: Network, m: Any, overrides: Overrides) -> bool:
    """True when a pass can take the index arrays: plain doubles (FloatMath itself, nothing of it replaced), the
    stable working with nothing overridden, a bias per unit (or none), elementwise hidden activations."""
    if type(m) is not FloatMath or vars(m) or net.per_layer:
        return False
    o = overrides
    if o is not NO_OVERRIDES and (o.forward or o.backward is not None or o.derivatives or o.loss_gradients or o.style not in (None, "stable")):
        return False
    return all(net.activation(li).elementwise for li in range(1, len(net.layers) - 1))


def _evaluate_floats(net: Network, m: FloatMath, params: Mapping[str, Any], inputs: Mapping[str, Any], targets: Mapping[str, Any], where: str) -> ArrayPass:
    """The stable float working on lists per layer: what :func:`evaluate` gives, value for value, with the names left to the edge.

    Layer l's parameters come out of ``params`` as one tuple in parameter order, cut into rows (a
    unit's incoming weights, then its bias); its inputs are the layer before's outputs, with 1 (−1 for a
    threshold) for the bias. Sums are ``math.fsum``, exact whatever the order of the terms.
    """
    wiring = net.wiring
    last = len(net.layers) - 1
    one = m.num(net.bias_input)
    x = list(wiring.take_inputs(inputs))
    rows: list[list[tuple[float, ...]]] = [[]]  # [l][j]: unit j's incoming weights, then its bias
    xs: list[list[float]] = [[]]  # [l]: what layer l's rows multiply (the layer before's outputs, then 1 or −1)
    zs: list[list[float]] = [[]]  # [l]: pre-activations
    outs: list[list[float]] = [x]  # [l]: outputs
    for li in range(1, last + 1):
        flat = wiring.take_layer[li](params)
        x1 = x + [one] if wiring.biases[li][0] else x
        stride = len(x1)
        row = [flat[i : i + stride] for i in range(0, len(flat), stride)]
        z = [fsum(map(mul, r, x1)) for r in row]
        act = net.activation(li)
        if li == last:
            x = [act.value(m, v) for v in z] if act.elementwise else act.value(m, z)
        elif act.name == "tanh":
            x = list(map(math.tanh, z))  # m.tanh
        else:
            x = [act.value(m, v) for v in z]
        rows.append(row)
        xs.append(x1)
        zs.append(z)
        outs.append(x)

    ts = list(wiring.take_targets(targets))
    total, ybars, ds = _head(net, m, zs[last], outs[last], ts, where, False, False)
    shown, delta = _output_deltas(net, m, zs[last], outs[last], ybars, ds, ts, "stable", NO_OVERRIDES, _derivative(m, NO_OVERRIDES, "stable"))
    deltas: list[list[float]] = [[] for _ in range(last + 1)]
    deltas[last] = delta
    cols: list[list[tuple[float, ...]]] = [[] for _ in range(last + 1)]  # [l][j]: unit j's outgoing weights
    backs: list[list[float]] = [[] for _ in range(last + 1)]  # [l][j]: dL/d(unit j's output)
    slopes: list[list[float]] = [[] for _ in range(last + 1)]  # [l][j]: its da/dz
    for li in range(last - 1, 0, -1):
        act = net.activation(li)
        col = list(zip(*rows[li + 1]))[: len(zs[li])]
        back = [fsum(map(mul, c, delta)) for c in col]
        if act.name == "tanh":
            slope = list(map(m.dtanh, zs[li]))
        else:
            slope = [act.derivative(m, z, a) for z, a in zip(zs[li], outs[li])]
        delta = list(map(mul, back, slope))
        cols[li], backs[li], slopes[li], deltas[li] = col, back, slope, delta
    grads = [[], *([d * v for d in deltas[li] for v in xs[li]] for li in range(1, last + 1))]  # [l]: in parameter order
    return ArrayPass(net, total, zs, outs, xs, shown, cols, backs, slopes, deltas, grads)


def _filled(blank: dict[str, None], values: Iterable[Any]) -> dict[str, Any]:
    """``blank``'s keys with ``values`` in order (a copy of a made dict, filled in place, costs less than a dict grown key by key)."""
    out = blank.copy()
    out.update(zip(blank, values))
    return out


class _Made:
    """A pass's name-keyed dict, made at its first reading and kept in the instance: a non-data descriptor, so later
    readings find the dict and never come here (functools.cached_property, the same, takes a lock at its first reading)."""

    def __init__(self, make: Callable[[Any], dict[str, Any]]) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.make(obj)
        return value


class ArrayPass(Pass):
    """A float pass kept as lists per layer (see :func:`_evaluate_floats`); its name-keyed dicts are made when first read.

    Nothing here is changed after it is made, so each dict, once made, is the pass's for good.
    """

    def __init__(self, net: Network, loss: float, zs: list[list[float]], outs: list[list[float]], xs: list[list[float]], shown: list[float],
                 cols: list[list[tuple[float, ...]]], backs: list[list[float]], slopes: list[list[float]], deltas: list[list[float]], grads: list[list[float]]) -> None:
        self.loss = loss
        self._net, self._zs, self._outs, self._xs, self._shown = net, zs, outs, xs, shown
        self._cols, self._backs, self._slopes, self._deltas, self._grads = cols, backs, slopes, deltas, grads

    def __reduce__(self) -> tuple[type[Pass], tuple[Any, ...]]:
        """Pickled (and copied) as the plain :class:`Pass` of its dicts: the lists hold the network, whose cached wiring does not pickle."""
        return Pass, (self.forward, self.loss, self.factors, self.deltas, self.gradients, self.computed)

    def _forward(self) -> dict[str, Any]:
        last = len(self._zs) - 1
        return _filled(self._net.wiring.blank_forward, chain.from_iterable(chain.from_iterable((self._zs[li], self._outs[li]) for li in range(1, last + 1))))

    def _computed(self) -> dict[str, Any]:
        return dict(self.forward)  # nothing given: as computed

    def _factors(self) -> dict[str, Any]:
        last = len(self._zs) - 1
        values = list(self._shown)
        for li in range(last - 1, 0, -1):
            for col, back, slope in zip(self._cols[li], self._backs[li], self._slopes[li]):
                values += col
                values.append(back)
                values.append(slope)
        for li in range(1, last + 1):
            values += self._xs[li] * len(self._zs[li])
        return _filled(self._net.wiring.templates[0], values)

    def _deltas_by_name(self) -> dict[str, Any]:
        last = len(self._zs) - 1
        return _filled(self._net.wiring.blank_deltas, chain.from_iterable(self._deltas[li] for li in range(last, 0, -1)))

    def _gradients(self) -> dict[str, Any]:
        return _filled(self._net.wiring.templates[1], chain.from_iterable(self._grads))

    forward = _Made(_forward)  # type: ignore[assignment]
    computed = _Made(_computed)  # type: ignore[assignment]
    factors = _Made(_factors)  # type: ignore[assignment]
    deltas = _Made(_deltas_by_name)  # type: ignore[assignment]
    gradients = _Made(_gradients)  # type: ignore[assignment]

    def all_finite(self) -> bool:
        """True when every value of the pass is finite (a sum of floats is finite only if every term is; see :func:`_all_finite`)."""
        last = len(self._zs) - 1
        total = self.loss + sum(self._shown)
        for li in range(1, last + 1):
            total += sum(self._zs[li]) + sum(self._outs[li]) + sum(self._xs[li]) + sum(self._deltas[li]) + sum(self._grads[li])
        for li in range(1, last):
            total += sum(self._backs[li]) + sum(self._slopes[li]) + sum(map(sum, self._cols[li]))
        return math.isfinite(total)


def _unit_gradients(net: Network, m: Any, val: dict[str, Any], deltas: dict[str, Any], one: Any, factors: dict[str, Any], gradients: dict[str, Any]) -> None:
    """Each parameter's factor dα/dp and its gradient δ·dα/dp, layer by layer (params order: per unit its weights, then its bias).

    A layer's units all see the same inputs (and 1 or −1 for a bias): the factors are that row once per
    unit, the gradients each unit's δ times the row.
    """
    units = net.units
    wiring = net.wiring
    rows = []
    for li in range(1, len(units)):
        row = [val[s.name] for s in units[li - 1]]
        if units[li][0].bias:  # every unit of a layer has its own bias, or none does (a shared one is not here)
            row.append(one)
        rows.append(row)
        factors.update(zip(wiring.flat[li][1], row * len(units[li])))
    identity = getattr(m.step, "__func__", None) is FloatMath.step
    for li, row in enumerate(rows, start=1):
        ds = [deltas[u.pre] for u in units[li]]
        products = [d * x for d in ds for x in row]
        gradients.update(zip(wiring.flat[li][0], products if identity else map(m.step, products)))


def _logs(net: Network, m: Any, zs: list[Any], ys: list[Any], ybars: list[Any], where: str, plain: bool) -> list[tuple[Any, Any]]:
    """(ln y, ln(1 − y)) per output, accurate where y is near 0 or 1 (``plain``: as a hand working writes them)."""
    act = net.activation(len(net.layers) - 1)
    if plain or not net.loss.needs_probability:
        if net.loss.needs_probability:
            _check_probabilities(net, m, ys, where)
        return [(m.log(y), m.log(yb)) for y, yb in zip(ys, ybars)]
    if act.name == "sigmoid":
        return [(-m.softplus(-z), -m.softplus(z)) for z in zs]
    if act.name == "softmax":
        return [(ly, m.log(yb)) for ly, yb in zip(m.log_softmax(zs), ybars)]
    _check_probabilities(net, m, ys, where)
    return [(m.log(y), m.log1p(-y)) for y in ys]


def _check_probabilities(net: Network, m: Any, ys: list[Any], where: str) -> None:
    for u, y in zip(net.outputs, ys):
        if not (m.is_pos(y) and m.is_pos(1 - y)):
            decimals = getattr(m, "decimals", None)
            if decimals is not None:
                raise BpcalcError(
                    f"{where}rounding every step to {decimals} decimals makes {u.name} = {m.to_float(y):g}, where the"
                    f" {net.loss_name} loss takes ln(0); round to more decimals"
                )
            raise BpcalcError(
                f"{where}the {net.loss_name} loss needs outputs between 0 and 1, but {u.name} = {m.to_float(y):.6g}"
                f" (the {net.activations[-1]} output can leave that range; use sigmoid or softmax)"
            )


class UpdateRule(Protocol):
    """How one parameter moves on its gradient; the one place training and the checker update.

    ``kept`` is what the rule keeps for the parameter between updates (momentum's velocity, Adam's
    moments; None before the first update): a rule returns it anew with every move.
    """

    name: str

    def move(self, m: Any, value: Any, gradient: Any, lr: Any, kept: Any) -> tuple[Any, Any, Any]:
        """(the step as a sheet writes it, the new value, what is kept for the next update)."""
        ...

    def lookahead(self, m: Any, value: Any, kept: Any) -> Any:
        """Where the gradient is taken (Nesterov: p + μ·Δp(n−1); else p itself)."""
        ...

    def state(self, value: Any, before: Any, after: Any) -> dict[str, Any]:
        """The state a sheet shows for the parameter (previous Δp; m, v, m̂, v̂), from what was kept before and after."""
        ...


@dataclass(frozen=True)
class SGD:
    """Plain gradient descent: p ← p − η·g, the step η·g rounded where the working rounds."""

    name: str = "sgd"

    def move(self, m: Any, value: Any, gradient: Any, lr: Any, kept: Any) -> tuple[Any, Any, Any]:
        step = m.step(lr * gradient)
        return step, m.step(value - step), None

    def lookahead(self, m: Any, value: Any, kept: Any) -> Any:
        return value

    def state(self, value: Any, before: Any, after: Any) -> dict[str, Any]:
        return {}


def update_rule(problem: Problem, m: Any | None = None) -> UpdateRule:
    """The problem's update rule, its settings in the number system ``m`` (see :mod:`bpcalc.optim`)."""
    from bpcalc.optim import Adam, Momentum

    m = m or FloatMath()
    opt = problem.optimizer
    if opt.name == "momentum":
        return Momentum(m.num(opt.momentum), opt.nesterov)
    if opt.name == "adam":
        return Adam(m.num(opt.beta1), m.num(opt.beta2), m.num(opt.epsilon))
    return SGD()


def apply_update(
    rule: UpdateRule,
    m: Any,
    params: Mapping[str, Any],
    gradients: Mapping[str, Any],
    lr: Any,
    frozen: frozenset[str],
    kept: Mapping[str, Any] | None = None,
) -> Update:
    """Every parameter moved by ``rule`` on its gradient (frozen ones stay); ``kept``: the rule's state from the last update."""
    kept = kept or {}
    if type(rule) is SGD and not frozen:  # what the loop below gives for plain SGD, a dict at a time
        if getattr(m.step, "__func__", None) is FloatMath.step:  # no rounding
            steps = {name: lr * gradients[name] for name in params}
            after = {name: value - step for (name, value), step in zip(params.items(), steps.values())}
        else:
            steps = {name: m.step(lr * gradients[name]) for name in params}
            after = {name: m.step(value - step) for (name, value), step in zip(params.items(), steps.values())}
        return Update(dict(gradients), steps, dict(params), after, dict.fromkeys(params), {}, dict(kept))
    steps = {}
    after = {}
    state: dict[str, Any] = {}
    for name, value in params.items():
        if name in frozen:
            steps[name] = 0 * value
            after[name] = value
            state[name] = kept.get(name)
        else:
            steps[name], after[name], state[name] = rule.move(m, value, gradients[name], lr, kept.get(name))
    shown: dict[str, dict[str, Any]] = {}
    for name, value in params.items():
        if name not in frozen:
            for key, v in rule.state(value, kept.get(name), state[name]).items():
                shown.setdefault(key, {})[name] = v
    return Update(dict(gradients), steps, dict(params), after, state, shown, dict(kept))


def sgd(params: dict[str, Any], gradients: dict[str, Any], lr: Any, frozen: frozenset[str], m: Any) -> Update:
    """One plain SGD step over every parameter (see :func:`apply_update`)."""
    return apply_update(SGD(), m, params, gradients, lr, frozen)


EXACT_DIGITS = 1000  # digits (and decimal exponent) of a number that exact arithmetic takes on


def _exact_ready(problem: Problem) -> None:
    """Exact rationals of numbers like 1e-999999999 would not fit in memory: say so, with the place."""
    places: list[tuple[str, Num]] = [("learning_rate", problem.learning_rate)]
    places += [(f"parameters.{k}", v) for k, v in problem.parameters.items()]
    for i, s in enumerate(problem.samples):
        places += [(f"samples[{i}].{k}", v) for k, v in {**s.inputs, **s.targets}.items()]
    for where, v in places:
        sign, digits, exponent = Decimal(v).as_tuple()
        if len(digits) > EXACT_DIGITS or abs(int(exponent)) > EXACT_DIGITS:
            raise ProblemError(
                problem.source, where, f"too many digits for --exact (at most {EXACT_DIGITS} digits and exponents up to ±{EXACT_DIGITS})"
            )


def train(problem: Problem, m: Any | None = None) -> Run:
    """The whole problem: every epoch and sample, online, batch or mini-batch, by its update rule, in the number system ``m``."""
    run = Run(problem, m or FloatMath())
    run.results.extend(iter_train(run))
    return run


def iter_train(run: Run, streamed: bool = False) -> Iterator[SampleResult]:
    """``run``'s problem sample by sample in its number system, each result yielded as it is made (not kept: a
    printer can stream them, and says so by ``streamed``, which allows longer runs); ``run.epochs`` grows as each
    epoch ends and ``run.final`` is set after the last."""
    problem, m = run.problem, run.math
    work_bounded(problem, streamed)
    if m.name == "exact":
        _exact_ready(problem)
    net = problem.network
    params = {k: m.num(v) for k, v in problem.parameters.items()}
    lr = m.num(problem.learning_rate)
    rule = update_rule(problem, m)
    decay = m.num(problem.weight_decay) if problem.weight_decay else None
    kept: dict[str, Any] = {}
    count = len(problem.samples)
    size = problem.batch_size_of()
    updates = 0
    looks_ahead = _looks_ahead(rule)
    names = tuple(params)
    take = taker(names)
    # Every parameter mapping here is made anew and never changed after: results share them, uncopied.
    for epoch in range(1, problem.epochs + 1):
        at = params
        chunk: list[Pass] = []
        losses: list[Any] = []  # this epoch's losses and gradients (in ``names`` order), for its totals: the passes are not kept
        rows: list[tuple[Any, ...]] = []
        for i, sample in enumerate(problem.samples, start=1):
            where = f"{problem.source}: " + (f"epoch {epoch}, sample {i}: " if problem.epochs > 1 else f"sample {i}: ")
            if not chunk:  # the first sample of an update: the pass is taken where the rule says
                at = {k: v if k in problem.frozen else rule.lookahead(m, v, kept.get(k)) for k, v in params.items()} if looks_ahead else params
            p = _evaluate_sample(net, m, at, sample, where)
            result = SampleResult(epoch, i, sample.inputs, sample.targets, p, params, params)
            if at is not params and any(at[k] is not params[k] for k in params):
                result.at = at
            chunk.append(p)
            losses.append(p.loss)
            rows.append(take(p.gradients))
            if len(chunk) == size or i == count:
                updates += 1
                result.update = _update(problem, m, rule, params, at, chunk, lr, decay, kept)
                result.update.count, result.update.samples = updates, (i - len(chunk) + 1, i)
                params, kept = result.update.after, result.update.kept
                result.after = params
                if not _floats_finite(m, result.update.steps, result.update.after):
                    finite(m, {**result.update.steps, **result.update.after}, where + "the update: ")
                chunk = []
            yield result
        total = m.fsum(losses)
        sums = _column_sums(m, names, rows)
        run.epochs.append(EpochTotal(epoch, total, total / count, {n: v / count for n, v in sums.items()}))
    run.final = dict(params)


def _gradient_sums(m: Any, names: tuple[str, ...], passes: list[Pass]) -> dict[str, Any]:
    """Per parameter (in ``names`` order), the sum of its gradient over ``passes``: each pass's gradients taken at once, then column by column."""
    take = taker(names)
    return _column_sums(m, names, [take(p.gradients) for p in passes])


def _column_sums(m: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Per name, the sum of its column of ``rows`` (one row of values in ``names`` order per pass)."""
    return dict(zip(names, (m.fsum(list(column)) for column in zip(*rows))))


def _looks_ahead(rule: UpdateRule) -> bool:
    """Whether ``rule`` may take a gradient anywhere but at the parameters themselves (Nesterov's momentum only)."""
    from bpcalc.optim import Adam, Momentum

    if isinstance(rule, Momentum):
        return rule.nesterov
    return not isinstance(rule, (SGD, Adam))


def _floats_finite(m: Any, *values: Mapping[str, Any]) -> bool:
    """True when every value is a finite float, found without naming them (see :func:`_all_finite`); False: ask :func:`finite`."""
    if getattr(m.to_float, "__func__", None) is not FloatMath.to_float:
        return False
    try:
        total = sum(sum(v.values()) for v in values)
    except Exception:  # anything but numbers: the slow check says what it is
        return False
    return type(total) is float and math.isfinite(total)


def _update(
    problem: Problem, m: Any, rule: UpdateRule, params: dict[str, Any], at: dict[str, Any], chunk: list[Pass], lr: Any, decay: Any, kept: dict[str, Any]
) -> Update:
    """The update after a batch of passes (one pass online): the reduced loss gradient, plus λ·w with weight decay, moved by the rule."""
    n = len(chunk)
    if n == 1 and problem.update == "online":
        grads, loss = chunk[0].gradients, chunk[0].loss  # the pass's own (never changed): apply_update copies it
    elif problem.reduction == "sum":
        grads = {k: m.step(v) for k, v in _gradient_sums(m, tuple(params), chunk).items()}
        loss = m.step(m.fsum([p.loss for p in chunk]))
    else:
        grads = {k: m.step(v / n) for k, v in _gradient_sums(m, tuple(params), chunk).items()}
        loss = m.step(m.fsum([p.loss for p in chunk]) / n)
    if decay is None:
        update = apply_update(rule, m, params, grads, lr, problem.frozen, kept)
        update.loss_gradients = grads
        return update
    weights = [q.name for q in problem.network.params if not q.is_bias]
    terms = {k: m.step(decay * at[k]) for k in weights}
    total = {k: m.step(grads[k] + terms[k]) if k in terms else grads[k] for k in params}
    penalty = m.step(decay / 2 * m.fsum([at[k] * at[k] for k in weights])) if weights else 0 * loss
    update = apply_update(rule, m, params, total, lr, problem.frozen, kept)
    update.loss_gradients, update.objective = grads, (loss, penalty, m.step(loss + penalty))
    update.decay = {k: terms[k] if k in terms else 0 * at[k] for k in params}  # 0 for a bias
    return update


def _evaluate_sample(net: Network, m: Any, params: dict[str, Any], sample: Sample, where: str) -> Pass:
    inputs = {k: m.num(v) for k, v in sample.inputs.items()}
    targets = {k: m.num(v) for k, v in sample.targets.items()}
    try:
        result = evaluate(net, m, params, inputs, targets, where)
    except (OverflowError, ZeroDivisionError, ValueError, ArithmeticError):
        raise BpcalcError(f"{where}the numbers leave the range of a double; try smaller inputs or weights") from None
    if not _all_finite(m, result):
        gradients = {f"dL/d{k}": v for k, v in result.gradients.items()}
        deltas = {f"dL/d{k}": v for k, v in result.deltas.items()}
        finite(m, {**result.forward, "L": result.loss, **result.factors, **deltas, **gradients}, where)
    return result


def _all_finite(m: Any, p: Pass) -> bool:
    """True when every float of a float pass is finite, found without naming them; False: ask :func:`finite` (it names the first).

    A sum of floats is finite only if every term is (an inf or nan stays in it); a sum that overflows
    on finite terms only sends the pass to the slow check, which then finds nothing.
    """
    if isinstance(p, ArrayPass):
        return p.all_finite()
    return _floats_finite(m, p.forward, {"L": p.loss}, p.factors, p.deltas, p.gradients)


def finite(m: Any, values: Mapping[str, Any], where: str) -> None:
    """Every value representable as a double (JSON and CSV carry doubles; exact mode too), else one line, exit 2."""
    for name, v in values.items():
        f = m.to_float(v)
        if not math.isfinite(f):
            shown = m.decimal(v, 6) if m.name == "exact" and not math.isnan(f) else str(f)
            shown = shown if len(shown) <= 24 else str(f)
            raise BpcalcError(f"{where}{name} = {shown}: the numbers leave the range of a double; try smaller inputs or weights")
