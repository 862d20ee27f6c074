"""A whole problem worked the way a student works it by hand, with at most one injected mistake.

Styles: "full" keeps every digit and rounds only when writing; "carry" does too within a sample but
carries the parameters as written into the next one; "chain" rounds every step to the written
decimals and takes each gradient as the product of its rounded chain factors (the sheet's way);
"delta" rounds every step but works a rounded δ per unit (y − t straight away where the loss
allows) and each gradient as δ·input; "results" rounds only what it writes down (α, H, o, y, the loss,
each gradient, each new parameter) and works on from those written numbers, every factor and δ at full
precision from them (1 − H² from the written H). ``force`` replaces a written value, once computed, by the
given one for everything after it: a marker working on from a student's own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from mpmath import mp, mpf

from student.mistakes import Hooks, Injections, Key
from student.net import Net, Param, Unit, number
from student.numbers import Numbers, text

STYLES = ("full", "carry", "chain", "delta", "results")
SHORTCUT = {("sigmoid", "bce"), ("softmax", "ce")}  # δ = y − t at the output


class Unworkable(ArithmeticError):
    """The working breaks down (rounding makes y = 1 under a log, or a value overflows)."""


@dataclass
class Sample:
    """One sample worked: per written value the student's number, its text, and what is carried on."""

    epoch: int
    sample: int
    computed: dict[Key, mpf] = field(default_factory=dict)  # by the formula, from the (forced) values before it
    own: dict[Key, mpf] = field(default_factory=dict)  # the student's number (as written, for a slip)
    text: dict[Key, str] = field(default_factory=dict)
    used: dict[Key, mpf] = field(default_factory=dict)  # carried on (the forced value where forced)


def _sigmoid(z: mpf) -> mpf:
    return 1 / (1 + mp.exp(-z))


def activate(act: str, z: mpf) -> mpf:
    if act == "sigmoid":
        return _sigmoid(z)
    if act == "tanh":
        return mp.tanh(z)
    if act == "relu":
        return z if z > 0 else mpf(0)
    if act == "leaky_relu":
        return z if z > 0 else mpf("0.01") * z
    if act == "linear":
        return z
    raise ValueError(act)


def derivative(act: str, z: mpf, a: mpf, style: str, wrong: str = "") -> mpf:
    """da/dz: from z as the sheet writes it ("chain", "full"), or from the unit's own (rounded) output ("delta", "results")."""
    if wrong == "tanh_one_minus":
        return 1 - a
    if wrong == "tanh_as_dsigmoid":
        return _sigmoid(z) * (1 - _sigmoid(z))
    if wrong == "dsigmoid_as_sigmoid":
        return a
    if wrong == "tanh_without_4":
        return (1 - mp.tanh(z) ** 2) / 4  # e^{-2z}/(1 + e^{-2z})²
    if act == "sigmoid":
        return a * (1 - a) if style in ("delta", "results") else mp.exp(-z) / (1 + mp.exp(-z)) ** 2
    if act == "tanh":
        return 1 - a * a if style in ("delta", "results") else 1 - mp.tanh(z) ** 2
    if act == "relu":
        return mpf(1) if z > 0 else mpf(0)
    if act == "leaky_relu":
        return mpf(1) if z > 0 else mpf("0.01")
    return mpf(1)


def loss_term(loss: str, y: mpf, t: mpf, n: int) -> mpf:
    if loss in ("bce", "ce"):
        if (t != 0 and y <= 0) or (loss == "bce" and t != 1 and y >= 1):
            raise Unworkable("ln 0")
        out = -t * mp.log(y) if t != 0 else mpf(0)
        return out - (1 - t) * mp.log(1 - y) if loss == "bce" and t != 1 else out
    d = y - t
    return {"half_sse": d * d / 2, "sse": d * d, "mse": d * d / n}[loss]


def loss_grad(loss: str, y: mpf, t: mpf, n: int) -> mpf:
    if loss == "bce":
        if y <= 0 or y >= 1:
            raise Unworkable("y(1 - y) = 0")
        return (y - t) / (y * (1 - y))
    if loss == "ce":
        if y <= 0:
            raise Unworkable("y = 0")
        return -t / y
    return {"half_sse": y - t, "sse": 2 * (y - t), "mse": 2 * (y - t) / n}[loss]


def _prod(xs: list[mpf]) -> mpf:
    out = mpf(1)
    for x in xs:
        out *= x
    return out


class _Sheet:
    """One sample being worked: the entry bookkeeping (rounding, writing, slips, forcing)."""

    def __init__(self, out: Sample, num: Numbers, decimals: int, hooks: Hooks, force: Mapping[Key, mpf], as_written: bool = False) -> None:
        self.out, self.num, self.d, self.hooks, self.force = out, num, decimals, hooks, force
        self.as_written = as_written  # every entry carried on as written (the "results" style)

    def entry(self, key: Key, raw: mpf, carry_text: bool = False) -> mpf:
        mode = self.hooks.mode(key)
        value = self.num.r(raw, mode)
        self.out.computed[key] = value
        written = self.hooks.slipped(key, text(value, self.d, mode))
        own = mpf(written) if written != text(value, self.d, mode) else value
        self.out.own[key] = own
        self.out.text[key] = written
        used = mpf(written) if carry_text or self.as_written else own
        used = self.force.get(key, used)
        self.out.used[key] = used
        return used


def work_sample(
    net: Net,
    P: Mapping[str, mpf],
    x: Mapping[str, mpf],
    t: Mapping[str, mpf],
    lr: mpf,
    style: str,
    sheet: _Sheet,
    online: bool,
    frozen: frozenset[str],
) -> dict[str, mpf]:
    """Forward pass, loss and gradients of one sample (the entries go to ``sheet``); returns the gradients used."""
    num, hooks = sheet.num, sheet.hooks
    x = hooks.inputs(dict(x))
    t = hooks.targets(dict(t))
    val: dict[str, mpf] = dict(x)
    z: dict[str, mpf] = {}
    for li in range(1, net.last + 1):
        row, act = net.units[li], net.acts[li - 1]
        for u in row:
            s = mp.fsum(P[net.weight(src, u)] * val[src.name] for src in net.units[li - 1])
            if u.bias:
                s += hooks.fixed_input() * P[u.bias]  # a bias on the input 1, a threshold on the fixed input −1
            z[u.name] = sheet.entry(("forward", u.pre), s)
        if act == "softmax":
            top = max(z[u.name] for u in row)
            total = mp.fsum(mp.exp(z[u.name] - top) for u in row)
            raws = {u.name: mp.exp(z[u.name] - top) / total for u in row}
        else:
            raws = {u.name: activate(act, z[u.name]) for u in row}
        for u in row:
            val[u.name] = sheet.entry(("forward", u.name), raws[u.name])
    outs = net.outputs
    n = len(outs)
    sheet.entry(("loss", "loss"), mp.fsum(loss_term(net.loss, val[u.name], t[u.target], n) for u in outs))

    # Backward, layer by layer from the output; each layer's gradients before the layer below.
    factors: dict[str, mpf] = {}
    delta: dict[str, mpf] = {}
    grads: dict[str, mpf] = {}
    out_act = net.acts[-1]
    for u in outs:
        y, tu = val[u.name], t[u.target]
        if out_act == "softmax":
            if net.loss != "ce":
                raise ValueError("softmax is worked with ce only")
            delta[u.name] = factors[f"dL/d{u.pre}"] = num.r(y * mp.fsum(t.values()) - tu)
            continue
        wrong = hooks.derivative(u)
        taken = hooks.loss_gradient(u, loss_grad(net.loss, y, tu, n), y, tu, net.loss)
        early = hooks.on("rounded_early") and u.name in hooks.i.units  # type: ignore[union-attr]
        shortcut = style == "delta" and (out_act, net.loss) in SHORTCUT and not wrong and taken is None and not early
        g_raw = (taken if taken is not None else loss_grad(net.loss, y, tu, n)) if not shortcut else None
        da_raw = hooks.early(u, derivative(out_act, z[u.name], y, style, wrong))
        if g_raw is None:  # δ = y − t, the shortcut a student takes; the factors still as the sheet writes them
            delta[u.name] = num.r(y - tu)
            factors[f"dL/d{u.name}"] = num.r(loss_grad(net.loss, y, tu, n)) if 0 < y < 1 else mpf(0)
        else:
            factors[f"dL/d{u.name}"] = num.r(g_raw)
            delta[u.name] = num.r(g_raw * da_raw) if style == "delta" else num.r(factors[f"dL/d{u.name}"] * num.r(da_raw))
        factors[f"d{u.name}/d{u.pre}"] = num.r(da_raw)
    back = dict(P)
    for li in range(net.last, 0, -1):
        row = net.units[li]
        if li < net.last:
            act = net.acts[li - 1]
            for u in row:
                nxt = net.units[li + 1]
                ws = {k.name: back[net.weight(u, k)] for k in nxt}
                for k in nxt:
                    factors[f"d{k.pre}/d{u.name}"] = ws[k.name]
                s_raw = mp.fsum(ws[k.name] * delta[k.name] for k in nxt)
                da_raw = hooks.early(u, derivative(act, z[u.name], val[u.name], style, hooks.derivative(u)))
                factors[f"dL/d{u.name}"] = num.r(s_raw)
                factors[f"d{u.name}/d{u.pre}"] = num.r(da_raw)
                delta[u.name] = num.r(s_raw * da_raw) if style == "delta" else num.r(factors[f"dL/d{u.name}"] * factors[f"d{u.name}/d{u.pre}"])
        for q in (q for q in net.params if q.unit.layer == li):
            grads[q.name] = sheet.entry(("gradient", q.name), _gradient(net, q, val, factors, delta, style, num, hooks))
        if hooks.updated_weights() and online and li > 1:  # the weights into this layer, already updated, carry δ back
            for q in net.params:
                if q.unit.layer == li and not q.is_bias and q.name not in frozen:
                    back[q.name] = hooks.update(q, P[q.name], grads[q.name], lr, num)
    return grads


def _gradient(net: Net, q: Param, val: dict[str, mpf], factors: dict[str, mpf], delta: dict[str, mpf], style: str, num: Numbers, hooks: Hooks) -> mpf:
    u = q.unit
    x = mpf(hooks.fixed_input()) if q.is_bias else val[q.source.name]  # type: ignore[union-attr]
    w = hooks.wrong_input(q)
    if w is not None:
        x = val[net.units[u.layer - 1][w].name]
    j = hooks.bias_input(q)
    if j is not None:
        prev = net.units[u.layer - 1]
        x = val[prev[j].name] if j < len(prev) else x
    names = net.chain_names(q)
    chain = [factors[k] for k in names[:-1]] + [x]
    drop = hooks.dropped(q)
    if drop is not None and drop < len(chain):
        return num.r(_prod([c for i, c in enumerate(chain) if i != drop]))
    if style == "delta":
        return num.r(delta[u.name] * x)
    return num.r(_prod(chain))


def train(
    spec: dict[str, Any],
    style: str,
    decimals: int,
    injection: Injections = None,
    force: Mapping[tuple[int, int, Key], mpf] | None = None,
) -> list[Sample]:
    """Every sample of every epoch, worked in ``style`` and written to ``decimals``."""
    net = Net(spec)
    num = Numbers(decimals if style in ("chain", "delta") else None)
    lr = number(spec["learning_rate"])
    online = spec.get("update", "online") == "online"
    frozen = frozenset(spec.get("frozen", []))
    samples = spec["samples"]
    P = {k: number(v) for k, v in spec["parameters"].items()}
    force = force or {}
    previous: dict[str, mpf] | None = None
    out: list[Sample] = []
    for epoch in range(1, int(spec.get("epochs", 1)) + 1):
        start = dict(P)
        used_grads: list[dict[str, mpf]] = []
        for s, smp in enumerate(samples, start=1):
            res = Sample(epoch, s)
            hooks = Hooks(injection, epoch, s, net)
            here = {k: v for (e, i, k), v in force.items() if (e, i) == (epoch, s)}
            sheet = _Sheet(res, num, decimals, hooks, here, as_written=style == "results")
            x = {u.name: number(smp[u.name]) for u in net.inputs}
            t = {u.target: number(smp[u.target]) for u in net.outputs}
            before = P if online else start
            if online and hooks.not_carried() and previous is not None:
                before = previous  # the last update not carried: worked (and updated) from where the last sample started
            previous = before
            try:
                grads = work_sample(net, hooks.swapped(before), x, t, lr, style, sheet, online, frozen)
            except (ZeroDivisionError, OverflowError, ValueError) as e:
                raise Unworkable(str(e)) from None
            used_grads.append({n: res.used[("gradient", n)] for n in grads})
            last = s == len(samples)
            after: dict[str, mpf] = {}
            for q in net.params:
                if q.name in frozen or (not online and not last):
                    raw = P[q.name]
                elif online:
                    raw = hooks.update(q, before[q.name], used_grads[-1][q.name], lr, num)
                else:
                    mean = num.r(mp.fsum(g[q.name] for g in used_grads) / len(samples))
                    raw = hooks.update(q, start[q.name], mean, lr, num)
                after[q.name] = sheet.entry(("parameter_after", q.name), raw, carry_text=style == "carry")
            P = after
            out.append(res)
    return out


def entry_order(spec: dict[str, Any]) -> list[Key]:
    """Every written value of one sample, in the order a sheet works them."""
    net = Net(spec)
    keys: list[Key] = [("forward", n) for n in net.forward_names()] + [("loss", "loss")]
    keys += [("gradient", q.name) for q in net.params] + [("parameter_after", q.name) for q in net.params]
    return keys


def units_with(net: Net, act: str) -> list[Unit]:
    return [u for row in net.units[1:] for u in row if net.act(u) == act]
