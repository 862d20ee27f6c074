"""Symbolic chain rule (SymPy), built once per network: each parameter's factors and simplified product.

Deep networks are derived layer by layer through back-propagated deltas (δ_H4 = dL/dα_H4, ...)
kept as symbols, so expressions grow with the network's size and not exponentially with depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp

from bpcalc.errors import BpcalcError
from bpcalc.network import Network, Param

SHEET_NETWORK = Network((2, 3, 1), ("tanh", "sigmoid"), "bce")


@dataclass(frozen=True)
class Factor:
    key: str  # as in Network.chain: "dL/dy", "dH1/dalpha_H1", ...
    sheet: Any  # the derivative as the sheet writes it (exponentials)
    simple: Any  # in terms of the forward pass's own quantities


@dataclass(frozen=True)
class ParamDerivation:
    param: str
    factors: tuple[Factor, ...]
    product: Any  # the simplified gradient
    deltas: tuple[tuple[str, Any], ...] = ()  # definitions of the δ symbols the product uses, outermost first


@dataclass
class Derivation:
    network: Network
    params: dict[str, ParamDerivation] = field(default_factory=dict)
    deltas: dict[str, Any] = field(default_factory=dict)  # δ name -> its expression (may use later δs)


def S(name: str) -> sp.Symbol:
    return sp.Symbol(name)


def delta_name(pre: str) -> str:
    return f"delta_{pre.replace('alpha_', '')}"


@lru_cache(maxsize=32)
def build(net: Network) -> Derivation:
    """Every parameter's chain rule for ``net``; cached, so one build serves every sample and call."""
    d = Derivation(net)
    last = len(net.layers) - 1
    act_out = net.activation(last)
    loss = net.loss
    outs = net.outputs
    n = len(outs)
    ys = [S(u.name) for u in outs]
    zs = [S(u.pre) for u in outs]  # type: ignore[arg-type]
    ts = [S(u.target) for u in outs]  # type: ignore[arg-type]
    factors: dict[str, Factor] = {}

    # Output layer: dL/dy, dy/do and the output deltas.
    if act_out.elementwise:
        for k, u in enumerate(outs):
            dldy = loss.symbolic_grad(sp, ys[k], ts[k], n)
            factors[f"dL/d{u.name}"] = Factor(f"dL/d{u.name}", dldy, dldy)
            factors[f"d{u.name}/d{u.pre}"] = Factor(
                f"d{u.name}/d{u.pre}", act_out.sheet(sp, zs[k]), act_out.simple(sp, zs[k], ys[k])
            )
            d.deltas[delta_name(u.pre)] = sp.factor_terms(sp.cancel(dldy * act_out.simple(sp, zs[k], ys[k])))
    else:
        for k, u in enumerate(outs):
            raw = sp.Add(*[loss.symbolic_grad(sp, ys[j], ts[j], n) * act_out.simple(sp, ys, j, k) for j in range(n)])
            simple = sp.collect(sp.expand(raw), ys[k])
            factors[f"dL/d{u.pre}"] = Factor(f"dL/d{u.pre}", raw, simple)
            d.deltas[delta_name(u.pre)] = simple

    # Hidden layers, from the output back.
    for li in range(last - 1, 0, -1):
        act = net.activation(li)
        nxt = net.units[li + 1]
        for u in net.units[li]:
            z, a = S(u.pre), S(u.name)  # type: ignore[arg-type]
            for k in nxt:
                w = S(net.weight(u, k))
                factors[f"d{k.pre}/d{u.name}"] = Factor(f"d{k.pre}/d{u.name}", w, w)
            dl = sp.Add(*[S(net.weight(u, k)) * S(delta_name(k.pre)) for k in nxt])  # type: ignore[arg-type]
            factors[f"dL/d{u.name}"] = Factor(f"dL/d{u.name}", dl, dl)
            factors[f"d{u.name}/d{u.pre}"] = Factor(f"d{u.name}/d{u.pre}", act.sheet(sp, z), act.simple(sp, z, a))
            d.deltas[delta_name(u.pre)] = dl * act.simple(sp, z, a)  # type: ignore[arg-type]

    for p in net.params:
        tail = f"d{p.target.pre}/d{p.name}"
        src = sp.Integer(net.bias_input) if p.is_bias else S(p.source.name)  # type: ignore[union-attr]
        factors[tail] = Factor(tail, src, src)
    for p in net.params:
        chain = tuple(factors[k] for k in net.chain(p))
        product = _product(net, p, chain, d)
        used = _deltas_used(product, d)
        d.params[p.name] = ParamDerivation(p.name, chain, product, used)
    return d


def _product(net: Network, p: Param, chain: tuple[Factor, ...], d: Derivation) -> Any:
    """The simplified gradient: dL/dy·dy/do collapse to the output delta (y − t for σ with bce)."""
    out = sp.Mul(*[f.simple for f in chain])
    if out.is_Mul and any(e.is_Pow and e.exp.is_negative for e in out.args):
        out = sp.factor_terms(sp.cancel(out))
    return out


def _deltas_used(expr: Any, d: Derivation) -> tuple[tuple[str, Any], ...]:
    seen: list[tuple[str, Any]] = []
    todo = sorted((s.name for s in expr.free_symbols if s.name.startswith("delta_")), key=_delta_order(d))
    done: set[str] = set()
    while todo:
        name = todo.pop(0)
        if name in done:
            continue
        done.add(name)
        e = d.deltas[name]
        seen.append((name, e))
        todo.extend(sorted((s.name for s in e.free_symbols if s.name.startswith("delta_")), key=_delta_order(d)))
    return tuple(seen)


def _delta_order(d: Derivation) -> Any:
    order = {name: i for i, name in enumerate(d.deltas)}
    return lambda name: order.get(name, 0)


def free_names(expr: Any) -> list[str]:
    return sorted(s.name for s in expr.free_symbols)


def chain_order(pd: ParamDerivation) -> list[str]:
    """The symbols of a gradient and its δ definitions, in the order the chain meets them: y, t, w31, H1, f1."""
    exprs = [pd.product] + [e for _, e in pd.deltas]
    names = {s.name for e in exprs for s in e.free_symbols}

    def rank(name: str) -> tuple[int, int, str]:
        for i, f in enumerate(pd.factors):
            if name in {s.name for s in f.simple.free_symbols}:
                # within a factor: outputs before targets (y − t), as the sheet writes them
                return (i, 1 if name.startswith("t") else 0, name)
        return (len(pd.factors), 0, name)

    return sorted(names, key=rank)


@dataclass
class DeriveResult:
    """What `bpcalc derive` shows: one parameter's derivation, and its value at each sample."""

    network: Network
    param: ParamDerivation
    problem: Any = None
    run: Any = None
    samples: list[dict[str, Any]] = field(default_factory=list)  # {"values": {...}, "gradient": x, "epoch", "sample"}
    raw: list[dict[str, Any]] = field(default_factory=list)  # the same, in the run's number system (for renderers)
    notation: Any = None  # the Notation names are spelled in (None: the sheet's)


def derivation_for(name: str, problem_path: str | None, math: Any = None, notation: str | None = None) -> DeriveResult:
    """The derivation of one parameter, evaluated at a problem's samples (in the number system ``math``) when one is given."""
    problem = None
    if problem_path is not None:
        from bpcalc.problem import load_problem

        problem = load_problem(problem_path)
        net = problem.network
    else:
        net = SHEET_NETWORK
    from bpcalc.notations import notation_for, param_keys, resolve

    used = notation or (problem.notation if problem is not None else "sheet")
    try:
        param = resolve(net, used, name)
    except KeyError:
        raise BpcalcError(f"unknown parameter {name!r}; this network has {', '.join(param_keys(net, used))}") from None
    if net.per_layer and param.is_bias:
        raise BpcalcError(f"{name} is shared by every unit of its layer: its gradient is the sum of their δ, not one chain (see run --show gradients)")
    d = build(net)
    pd = d.params[param.name]
    result = DeriveResult(net, pd, problem, notation=notation_for(net, used))
    if problem is not None:
        from bpcalc.evaluate import train

        run = train(problem, math)
        result.run = run
        names = chain_order(pd)
        for r in run.results:
            known: dict[str, Any] = {**r.inputs, **r.targets, **r.before, **r.pass_.forward}
            for pre, v in r.pass_.deltas.items():
                known[delta_name(pre)] = v
            values = {k: float(known[k]) for k in names}
            result.samples.append(
                {"epoch": r.epoch, "sample": r.sample, "values": values, "gradient": float(r.pass_.gradients[param.name])}
            )
            result.raw.append(
                {"epoch": r.epoch, "sample": r.sample, "values": {k: known[k] for k in names}, "gradient": r.pass_.gradients[param.name]}
            )
    return result
