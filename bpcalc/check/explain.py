"""The corrected working of one value, written out with its numbers, as a marker writes it beside a mistake."""

from __future__ import annotations

import math
from typing import Any

from bpcalc.check.model import Key, unit_named
from bpcalc.check.working import SampleContext, Worked, batch_span
from bpcalc.network import pretty
from bpcalc.render.numbers import fmt, given


def precision_for(decimals: int) -> int:
    """Decimals to show in a working beside a value written with ``decimals``."""
    return min(max(decimals, 3), 8)


def show(x: Any, p: int) -> str:
    """A number in a working: as short as it is exact (0.935, -0.1, 25), else to ``p`` decimals."""
    x = float(x)
    if not math.isfinite(x):
        return fmt(x, p)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    short = repr(x)
    if "e" not in short and len(short.split(".")[1]) <= p:
        return short
    return fmt(x, p)


def factor(x: Any, p: int) -> str:
    """A number as a factor: three significant digits at least (0.000603, not 0.001); negative ones in parentheses."""
    v = float(x)
    if math.isfinite(v) and 0 < abs(v) < 1:
        p = min(max(p, 2 - math.floor(math.log10(abs(v)))), p + 4)
    s = show(v, p)
    return f"({s})" if s.startswith("-") else s


def lr_text(ctx: SampleContext) -> str:
    return given(ctx.problem.learning_rate)


def forward_text(ctx: SampleContext, w: Worked, name: str, p: int) -> str:
    """α_H1 = f1·w11 + f2·w21 + β1 = 25·(-0.1) + 4·(0.05) + 0 = -2.300"""
    from bpcalc.render.text import act_formula, pre_formula

    net = ctx.net
    f = w.pass_.forward
    value = show(w.m.to_float(w.pass_.computed[name]), p)
    for li in range(1, len(net.layers)):
        for pos, u in enumerate(net.units[li]):
            if u.pre == name:
                terms = []
                for s in net.units[li - 1]:
                    src = w.inputs[s.name] if s.layer == 0 else f[s.name]
                    terms.append(f"{factor(w.m.to_float(src), p)}·{factor(w.m.to_float(w.params[net.weight(s, u)]), p)}")
                joined = " + ".join(terms)
                if u.bias:
                    joined += f" {'-' if net.threshold else '+'} {factor(w.m.to_float(w.params[u.bias]), p)}"
                return f"{pretty(name)} = {pre_formula(net, li, pos)} = {joined} = {value}"
            if u.name == name:
                formula = act_formula(net, li, pos)
                if net.activations[li - 1] == "softmax":
                    return f"{name} = {formula} = {value}"
                return f"{name} = {formula} = {formula.split('(')[0]}({show(w.m.to_float(f[u.pre]), p)}) = {value}"
    raise KeyError(name)  # pragma: no cover - names come from the network


def loss_text(ctx: SampleContext, w: Worked, p: int) -> str:
    from bpcalc.render.text import loss_formula

    net = ctx.net
    at = ", ".join(
        [f"{u.name} = {show(w.m.to_float(w.pass_.forward[u.name]), p)}" for u in net.outputs]
        + [f"{k} = {show(w.m.to_float(v), p)}" for k, v in w.targets.items()]
    )
    return f"L = {loss_formula(net)} at {at} = {show(w.m.to_float(w.pass_.loss), p)}"


def gradient_text(ctx: SampleContext, w: Worked, name: str, p: int, gradients: dict[str, Any] | None = None) -> str:
    """dL/dw11 = dL/dy · dy/do · ... = (1.712)·0.243·... = 0.383"""
    net = ctx.net
    keys = net.chain(net.param_index[name])
    chain = " · ".join(pretty(k) for k in keys)
    nums = "·".join(factor(w.m.to_float(w.pass_.factors[k]), p) for k in keys)
    value = (gradients or w.gradients)[name]
    return f"dL/d{pretty(name)} = {chain} = {nums} = {show(w.m.to_float(value), p)}"


def update_text(ctx: SampleContext, w: Worked, name: str, p: int) -> str:
    """w11 = w11 - η·dL/dw11 = -0.1 - 0.1·(0.383) = -0.138"""
    pr = ctx.problem
    P = pretty(name)
    before = show(w.m.to_float(w.before[name]), p)
    after = show(w.m.to_float(w.after[name]), p)
    if name in pr.frozen:
        return f"{P} is frozen: it stays {before}"
    if not ctx.updates_here:
        if pr.update == "minibatch":
            first, last = batch_span(pr, ctx.sample)
            return f"{P} is not updated until the end of its mini-batch (samples {first}–{last}): it stays {before}"
        return f"{P} is not updated until the end of the epoch (batch updates): it stays {before}"
    batch = pr.update != "online"
    decayed = bool(pr.weight_decay) and not ctx.net.param_index[name].is_bias
    over = batch_samples(ctx)
    if pr.optimizer.name == "sgd" and not decayed and pr.reduction == "mean":
        if batch:
            g = factor(w.m.to_float(w.applied[name]), p)
            return f"{P} = {P} - η·mean(dL/d{P}{over}) = {before} - {lr_text(ctx)}·{_paren(g)} = {after}"
        g = factor(w.m.to_float(w.used[name]), p)
        return f"{P} = {P} - η·dL/d{P} = {before} - {lr_text(ctx)}·{_paren(g)} = {after}"
    gname = (f"{pr.reduction}(dL/d{P}{over})" if batch else f"dL/d{P}") + (f" + λ·{P}" if decayed else "")
    g = factor(w.m.to_float(w.applied[name]), p)
    if pr.optimizer.name == "momentum":
        prev = ctx.kept.get(name)
        prev_text = factor(0.0 if prev is None else w.m.to_float(prev), p)
        step = show(w.m.to_float(w.after[name]) - w.m.to_float(w.before[name]), p)
        return (
            f"Δ{P} = μ·Δ{P}(n-1) - η·({gname}) = {given(pr.optimizer.momentum)}·{_paren(prev_text)} - {lr_text(ctx)}·{_paren(g)} = {step};"
            f" {P} = {P} + Δ{P} = {before} + {_paren(step)} = {after}"
        )
    if pr.optimizer.name == "adam":
        return f"{P} = {P} - η·m̂/(√v̂ + ε), from {gname} = {g}: {before} → {after}"
    return f"{P} = {P} - η·({gname}) = {before} - {lr_text(ctx)}·{_paren(g)} = {after}"


def batch_samples(ctx: SampleContext) -> str:
    """Mini-batches: which samples a batch's mean or sum is over (', samples 3–4'); else nothing (the epoch's)."""
    if ctx.problem.update != "minibatch":
        return ""
    first, last = batch_span(ctx.problem, ctx.sample)
    return f", samples {first}–{last}" if last > first else f", sample {first}"


def _paren(s: str) -> str:
    return s if s.startswith("(") else f"({s})"


def backward_text(ctx: SampleContext, w: Worked, key: Key, p: int) -> str:
    """δ_H1 = dL/dH1 · dH1/dα_H1 = 0.112·0.990 = 0.111; dL/dy = -2.825 (at y = 0.354, t = 1)."""
    net = ctx.net
    f = w.pass_.factors
    if key.kind == "delta":
        u = unit_named(net, key.name)
        value = show(w.m.to_float(w.pass_.deltas[u.pre]), p)
        if f"dL/d{u.name}" in f and f"d{u.name}/d{u.pre}" in f:
            a, b = f"dL/d{u.name}", f"d{u.name}/d{u.pre}"
            return f"δ_{u.name} = {pretty(a)} · {pretty(b)} = {factor(w.m.to_float(f[a]), p)}·{factor(w.m.to_float(f[b]), p)} = {value}"
        return f"δ_{u.name} = dL/d{pretty(u.pre or '')} = {value}"
    value = show(w.m.to_float(f[key.name]), p)
    top, bottom = key.name[1:].split("/d", 1)
    at = [n for n in (bottom, top) if n in w.pass_.forward]
    if top == "L":
        at += [k for k in w.targets]
    where = ", ".join(f"{pretty(n)} = {show(w.m.to_float(w.pass_.forward[n] if n in w.pass_.forward else w.targets[n]), p)}" for n in at)
    return f"{pretty(key.name)} = {value}" + (f" (at {where})" if where else "")


def item_text(ctx: SampleContext, w: Worked, key: Key, p: int) -> str:
    """The correct working of one value; a parameter's update shows its gradient first unless the student gave it."""
    if key.kind in ("factor", "delta"):
        return backward_text(ctx, w, key, p)
    if key.kind == "forward":
        return forward_text(ctx, w, key.name, p)
    if key.kind == "loss":
        return loss_text(ctx, w, p)
    if key.kind == "gradient":
        return gradient_text(ctx, w, key.name, p)
    update = update_text(ctx, w, key.name, p)
    if key.name in ctx.gradients or key.name in ctx.problem.frozen or not ctx.updates_here or ctx.problem.update != "online":
        return update
    return f"{gradient_text(ctx, w, key.name, p)}; {update}"
