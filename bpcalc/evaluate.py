"""Numeric evaluation over the layered structure: forward pass, chain-rule factors, gradients, SGD.

One pass per sample, in the order a sheet works it. The number system ``m`` decides how numbers
are kept: floats with stable forms (default), floats rounded at every displayed step, or exact.
"""

from __future__ import annotations

import math
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any, Mapping

from bpcalc.arith import FloatMath
from bpcalc.errors import BpcalcError, ProblemError
from bpcalc.network import Network
from bpcalc.problem import Num, Problem, Sample


@dataclass
class Pass:
    """Everything one sample gives at one set of parameters."""

    forward: dict[str, Any]  # alpha_H1, H1, ..., o, y in computing order
    loss: Any
    factors: dict[str, Any]  # chain-rule factors by key, e.g. "dL/dy", "dH1/dalpha_H1"
    deltas: dict[str, Any]  # dL/d(pre-activation), by pre-activation name
    gradients: dict[str, Any]  # by parameter, in parameter order
    computed: dict[str, Any] = field(default_factory=dict)  # forward values as computed, before any ``given`` replaced them


@dataclass
class Update:
    """One SGD step: p ← p − η·g (frozen parameters stay)."""

    gradients: dict[str, Any]  # the gradient used (the batch mean in batch mode)
    steps: dict[str, Any]  # η·g
    before: dict[str, Any]
    after: dict[str, Any]


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


@dataclass
class Run:
    problem: Problem
    math: Any
    results: list[SampleResult] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)


def _prod(xs: list[Any]) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def evaluate(
    net: Network,
    m: Any,
    params: dict[str, Any],
    inputs: dict[str, Any],
    targets: dict[str, Any],
    where: str = "",
    given: Mapping[str, Any] | None = None,
    backward_params: Mapping[str, Any] | None = None,
) -> Pass:
    """Forward and backward pass for one sample; all arguments already in the number system ``m``.

    ``given`` (forward name → value) replaces a forward quantity, once computed, by that value for
    everything downstream (a marker working on from a student's numbers; ``Pass.computed`` keeps
    what was computed). ``backward_params`` supplies the weights that carry deltas back to the
    hidden layers (default: ``params``).
    """
    units = net.units
    last = len(units) - 1
    val: dict[str, Any] = dict(inputs)
    forward: dict[str, Any] = {}
    computed: dict[str, Any] = {}
    given = given or {}
    back = params if backward_params is None else backward_params

    for li in range(1, last + 1):
        act = net.activation(li)
        prev = units[li - 1]
        zs = []
        for u in units[li]:
            terms = [params[net.weight(s, u)] * val[s.name] for s in prev]
            if u.bias:
                terms.append(params[u.bias])
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
    act = net.activation(last)
    loss = net.loss
    outs = units[last]
    n = len(outs)
    zs = [forward[u.pre] for u in outs]
    ys = [forward[u.name] for u in outs]
    ts = [targets[u.target] for u in outs]
    outputs_given = any(u.name in given for u in outs)
    accurate = act.complement is not None and not m.hand and not outputs_given
    if accurate:
        ybars = [act.complement(m, z) for z in zs] if act.elementwise else act.complement(m, zs)
    else:
        ybars = [1 - y for y in ys]
    # y − t, from the accurate 1 − y where y is near 1 (a saturated σ or softmax output)
    ds = [(1 - t) - yb if accurate and m.name == "float" and y > 0.5 else y - t for y, yb, t in zip(ys, ybars, ts)]
    if outputs_given:  # the given outputs, as written: their logs, not the stable forms through o
        logs = [(m.log(y), m.log(yb)) for y, yb in zip(ys, ybars)]
    else:
        logs = _logs(net, m, zs, ys, ybars, where)
    total = m.fsum([loss.term(m, y, d, ly, l1y, t, n) for y, d, (ly, l1y), t in zip(ys, ds, logs, ts)])
    total = m.step(total)

    factors: dict[str, Any] = {}
    deltas: dict[str, Any] = {}
    stable = None if m.hand else loss.stable_delta.get(act.name)
    if act.elementwise:
        for k, u in enumerate(outs):
            dldy = m.step(loss.grad(m, ys[k], ybars[k], ds[k], ts[k], n))
            dydo = m.step(act.derivative(m, zs[k], ys[k]))
            factors[f"dL/d{u.name}"] = dldy
            factors[f"d{u.name}/d{u.pre}"] = dydo
            delta = stable(m, ys, ybars, ts, k) if stable else dldy * dydo
            deltas[u.pre] = m.step(delta)
    else:
        dldys = [loss.grad(m, ys[j], ybars[j], ds[j], ts[j], n) for j in range(n)]
        for k, u in enumerate(outs):
            if stable:
                delta = stable(m, ys, ybars, ts, k)
            else:
                delta = m.fsum([dldys[j] * act.derivative(m, ys, ybars, j, k) for j in range(n)])
            deltas[u.pre] = factors[f"dL/d{u.pre}"] = m.step(delta)

    # Hidden layers, from the output back.
    for li in range(last - 1, 0, -1):
        act = net.activation(li)
        for u in units[li]:
            nxt = units[li + 1]
            ws = [back[net.weight(u, k)] for k in nxt]
            for k, w in zip(nxt, ws):
                factors[f"d{k.pre}/d{u.name}"] = w
            dldh = m.step(m.fsum([w * deltas[k.pre] for k, w in zip(nxt, ws)]))
            dhda = m.step(act.derivative(m, forward[u.pre], forward[u.name]))
            factors[f"dL/d{u.name}"] = dldh
            factors[f"d{u.name}/d{u.pre}"] = dhda
            deltas[u.pre] = m.step(dldh * dhda)

    one = m.num(1)
    gradients: dict[str, Any] = {}
    for p in net.params:
        factors[f"d{p.target.pre}/d{p.name}"] = one if p.is_bias else val[p.source.name]  # type: ignore[union-attr]
    for p in net.params:
        if m.hand:
            g = m.step(_prod([factors[k] for k in net.chain(p)]))
        else:
            g = deltas[p.target.pre] * (one if p.is_bias else val[p.source.name])  # type: ignore[union-attr]
        gradients[p.name] = g
    return Pass(forward, total, factors, deltas, gradients, computed)


def _logs(net: Network, m: Any, zs: list[Any], ys: list[Any], ybars: list[Any], where: str) -> list[tuple[Any, Any]]:
    """(ln y, ln(1 − y)) per output, accurate where y is near 0 or 1."""
    act = net.activation(len(net.layers) - 1)
    if m.hand or not net.loss.needs_probability:
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
            if m.hand:
                raise BpcalcError(
                    f"{where}rounding every step to {m.decimals} decimals makes {u.name} = {m.to_float(y):g}, where the"
                    f" {net.loss_name} loss takes ln(0); round to more decimals"
                )
            raise BpcalcError(
                f"{where}the {net.loss_name} loss needs outputs between 0 and 1, but {u.name} = {m.to_float(y):.6g}"
                f" (the {net.activations[-1]} output can leave that range; use sigmoid or softmax)"
            )


def sgd(params: dict[str, Any], gradients: dict[str, Any], lr: Any, frozen: frozenset[str], m: Any) -> Update:
    steps: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in params.items():
        if name in frozen:
            steps[name] = 0 * value
            after[name] = value
        else:
            steps[name] = m.step(lr * gradients[name])
            after[name] = m.step(value - steps[name])
    return Update(dict(gradients), steps, dict(params), after)


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
    """The whole problem: every epoch and sample, online or batch, in the number system ``m``."""
    m = m or FloatMath()
    if m.name == "exact":
        _exact_ready(problem)
    net = problem.network
    params = {k: m.num(v) for k, v in problem.parameters.items()}
    lr = m.num(problem.learning_rate)
    run = Run(problem, m)
    count = len(problem.samples)
    for epoch in range(1, problem.epochs + 1):
        start = params
        sums: list[dict[str, Any]] = []
        for i, sample in enumerate(problem.samples, start=1):
            where = f"{problem.source}: " + (f"epoch {epoch}, sample {i}: " if problem.epochs > 1 else f"sample {i}: ")
            p = _evaluate_sample(net, m, start if problem.update == "batch" else params, sample, where)
            result = SampleResult(epoch, i, sample.inputs, sample.targets, p, dict(params), dict(params))
            if problem.update == "online":
                result.update = sgd(params, p.gradients, lr, problem.frozen, m)
                finite(m, {**result.update.steps, **result.update.after}, where + "the update: ")
                params = result.after = result.update.after
            else:
                sums.append(p.gradients)
                if i == count:
                    mean = {n: m.step(m.fsum([g[n] for g in sums]) / count) for n in params}
                    result.update = sgd(params, mean, lr, problem.frozen, m)
                    finite(m, {**result.update.steps, **result.update.after}, where + "the update: ")
                    params = result.after = result.update.after
            run.results.append(result)
    run.final = dict(params)
    return run


def _evaluate_sample(net: Network, m: Any, params: dict[str, Any], sample: Sample, where: str) -> Pass:
    inputs = {k: m.num(v) for k, v in sample.inputs.items()}
    targets = {k: m.num(v) for k, v in sample.targets.items()}
    try:
        result = evaluate(net, m, params, inputs, targets, where)
    except (OverflowError, ZeroDivisionError, ValueError, ArithmeticError):
        raise BpcalcError(f"{where}the numbers leave the range of a double; try smaller inputs or weights") from None
    gradients = {f"dL/d{k}": v for k, v in result.gradients.items()}
    deltas = {f"dL/d{k}": v for k, v in result.deltas.items()}
    finite(m, {**result.forward, "L": result.loss, **result.factors, **deltas, **gradients}, where)
    return result


def finite(m: Any, values: Mapping[str, Any], where: str) -> None:
    """Every value representable as a double (JSON and CSV carry doubles; exact mode too), else one line, exit 2."""
    for name, v in values.items():
        f = m.to_float(v)
        if not math.isfinite(f):
            shown = m.decimal(v, 6) if m.name == "exact" and not math.isnan(f) else str(f)
            shown = shown if len(shown) <= 24 else str(f)
            raise BpcalcError(f"{where}{name} = {shown}: the numbers leave the range of a double; try smaller inputs or weights")
