"""Symbolic chain rule (SymPy), built once per network: each parameter's factors and simplified product.

Deep networks are derived layer by layer through back-propagated deltas (δ_H4 = dL/dα_H4, ...)
kept as symbols, so expressions grow with the network's size and not exponentially with depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, cmp_to_key, lru_cache
from typing import Any, Mapping

import sympy as sp

from bpcalc.errors import BpcalcError
from bpcalc.names import Name
from bpcalc.network import Network, Param

SHEET_NETWORK = Network((2, 3, 1), ("tanh", "sigmoid"), "bce")


@dataclass(frozen=True)
class Factor:
    key: str  # as in Network.chain: "dL/dy", "dH1/dalpha_H1", ...
    sheet: Any  # the derivative as the sheet writes it (exponentials)
    simple: Any  # in terms of the forward pass's own quantities
    symbols: frozenset[str] | None = None  # the names of simple's symbols when known as it is built (a wide Σ δ·w)

    def names(self) -> frozenset[str]:
        """The names of the symbols in ``simple``."""
        return self.symbols if self.symbols is not None else symbol_names(self.simple)


class ChainSum:
    """A gradient written as chains whose products add up to it: one chain, or, for a bias shared by a layer's
    units, one per unit (``paths`` each unit's factors, ``terms`` each unit's simplified product)."""

    factors: tuple[Any, ...]
    product: Any
    paths: tuple[tuple[Any, ...], ...]
    terms: tuple[Any, ...]

    @property
    def chains(self) -> tuple[tuple[Any, ...], ...]:
        """The chains whose products add up to the gradient: ``factors`` alone, or one per unit sharing the parameter."""
        return self.paths or (self.factors,)

    @property
    def products(self) -> tuple[Any, ...]:
        """Each chain's simplified product (see ``chains``)."""
        return self.terms or (self.product,)


@dataclass(frozen=True)
class ParamDerivation(ChainSum):
    param: str
    factors: tuple[Factor, ...]  # every factor of the chain (of each unit's chain, for a shared bias), once each
    product: Any  # the simplified gradient
    deltas: tuple[tuple[str, Any], ...] = ()  # definitions of the δ symbols the product uses, outermost first
    symbols: frozenset[str] | None = None  # the names of every symbol in the product and those definitions
    # a bias shared by a layer's units: the sum over them of each unit's chain; ``paths`` holds each unit's
    # factors and ``terms`` each unit's simplified product (``product`` is their sum, written unit by unit)
    paths: tuple[tuple[Factor, ...], ...] = ()
    terms: tuple[Any, ...] = ()


class Derivation:
    """The chain rule of every parameter of ``network``, built on demand: a parameter's derivation,
    a factor or a δ is made the first time it is asked for and kept (``params[name]``, ``deltas[name]``),
    so one parameter of a deep network costs its own chain and the δs above it, not the whole network.

    ``unit_targets``: the targets of each sample sum to 1 (one-hot, as with softmax and ce), so Σt
    is written as 1 and a softmax δ simplifies to y_k − t_k.
    """

    def __init__(self, network: Network, unit_targets: bool = False) -> None:
        self.network = network
        self.unit_targets = unit_targets
        net = network
        last = len(net.layers) - 1
        self._unit = {u.pre: u for row in net.units[1:] for u in row}  # pre-activation name -> unit
        self._by_name = {u.name: u for row in net.units for u in row}
        # the δs in the order a sheet defines them: the output layer's first, then back layer by layer
        order = [u.pre for li in range(last, 0, -1) for u in net.units[li]]
        self._rank = {delta_name(pre): i for i, pre in enumerate(order)}  # type: ignore[arg-type]
        self._delta_pre = {delta_name(pre): pre for pre in order}  # type: ignore[arg-type]
        self.params: dict[str, ParamDerivation] = _Lazy(self._param, set(net.param_names))
        self.deltas: dict[str, Any] = _Lazy(self._delta, self._rank)  # δ name -> its expression (may use later δs)
        self.factors: dict[str, Factor] = _Lazy(self._factor)
        self._symbols: dict[str, sp.Symbol] = {}
        self._delta_names: dict[str, frozenset[str]] = {}  # δ name -> the names of the symbols its expression uses

    def _s(self, name: str) -> sp.Symbol:
        """The symbol ``name`` (one object per name: a wide layer's δ and weight symbols are each met twice)."""
        s = self._symbols.get(name)
        if s is None:
            s = self._symbols[name] = sp.Symbol(name)
        return s

    @cached_property
    def names(self) -> dict[str, Name]:
        """Every symbol a derivation can use (units, pre-activations, δs, targets, parameters) by its key, as the
        network names them: structured names without parsing thousands of keys."""
        out: dict[str, Name] = {}
        for row in self.network.units:
            for u in row:
                out[u.name] = u.id  # type: ignore[assignment]
                if u.pre is not None:
                    out[u.pre], out[delta_name(u.pre)] = u.pre_id, u.delta_id  # type: ignore[assignment]
                if u.target is not None:
                    out[u.target] = u.target_id  # type: ignore[assignment]
        for p in self.network.params:
            out[p.name] = p.id  # type: ignore[assignment]
        return out

    # --- output layer ---------------------------------------------------------------------------

    def _out(self) -> tuple[Any, list[Any], list[Any], list[Any]]:
        outs = self.network.outputs
        return self.network.activation(len(self.network.layers) - 1), [S(u.name) for u in outs], [S(u.pre) for u in outs], [S(u.target) for u in outs]  # type: ignore[arg-type]

    def _softmax_delta(self, k: int) -> tuple[Any, Any]:
        act, ys, _, ts = self._out()
        loss, n = self.network.loss, len(ys)
        raw = sp.Add(*[loss.symbolic_grad(sp, ys[j], ts[j], n) * act.simple(sp, ys, j, k) for j in range(n)])
        simple = sp.collect(sp.expand(raw), ys[k])
        if self.unit_targets:
            simple = sp.expand(simple.subs(sp.Add(*ts), 1))
        return raw, simple

    # --- on demand ------------------------------------------------------------------------------

    def _factor(self, key: str) -> Factor:
        net = self.network
        top, bottom = key[1:].split("/d", 1)
        act_out, ys, zs, ts = self._out()
        n = len(ys)
        if top == "L" and bottom in self._unit:  # dL/do_k of a softmax output
            raw, simple = self._softmax_delta(net.outputs.index(self._unit[bottom]))
            return Factor(key, raw, simple)
        if top == "L":  # dL/dy (elementwise output) or dL/dH (a hidden unit: Σ w·δ over the layer above)
            u = self._by_name[bottom]
            if u.layer == len(net.layers) - 1:
                k = net.outputs.index(u)
                dldy = net.loss.symbolic_grad(sp, ys[k], ts[k], n)
                return Factor(key, dldy, dldy)
            # built as written (no canonical reordering): cheap for wide layers, and in the units' order
            above, weights = net.units[u.layer + 1], net.wiring.outgoing[u.layer][u.position - 1]
            deltas = [delta_name(v.pre) for v in above]  # type: ignore[arg-type]
            terms = [sp.Mul._from_args((self._s(d), self._s(w)), True) for d, w in zip(deltas, weights)]  # plain symbols commute
            dl = sp.Add._from_args(terms, True) if len(terms) > 1 else terms[0]
            return Factor(key, dl, dl, frozenset(deltas) | frozenset(weights))
        if bottom in self._unit and self._unit[bottom].name == top:  # dH/dα, dy/do: the activation's derivative
            u = self._unit[bottom]
            act = net.activation(u.layer)
            z, a = S(u.pre), S(u.name)  # type: ignore[arg-type]
            return Factor(key, act.sheet(sp, z), act.simple(sp, z, a))
        if top in self._unit:  # dα/dw (the source unit's output) or dα/db (1), or do/dH (a weight)
            u = self._unit[top]
            if bottom in self._by_name:
                w = S(net.weight(self._by_name[bottom], u))
                return Factor(key, w, w)
            p = net.resolve_param(bottom)
            src = sp.Integer(net.bias_input) if p.is_bias else S(p.source.name)  # type: ignore[union-attr]
            return Factor(key, src, src)
        raise KeyError(key)

    def _delta(self, name: str) -> Any:
        expr, self._delta_names[name] = self._delta_and_names(name)
        return expr

    def _delta_and_names(self, name: str) -> tuple[Any, frozenset[str]]:
        net = self.network
        u = self._unit[self._delta_pre[name]]
        if u.layer == len(net.layers) - 1:
            act, ys, zs, ts = self._out()
            k = net.outputs.index(u)
            if not act.elementwise:
                out = self._softmax_delta(k)[1]
            else:
                dldy = net.loss.symbolic_grad(sp, ys[k], ts[k], len(ys))
                out = sp.factor_terms(sp.cancel(dldy * act.simple(sp, zs[k], ys[k])))
            return out, symbol_names(out)
        # Σ w·δ over the layer above times the activation's derivative: its symbols are the two parts' (nothing cancels)
        total = self.factors[f"dL/d{u.name}"]
        slope = net.activation(u.layer).simple(sp, self._s(u.pre), self._s(u.name))  # type: ignore[arg-type]
        out = _times_sum(slope, total.simple)
        return out, (total.names() | symbol_names(slope) if out != 0 else frozenset())

    def _param(self, name: str) -> ParamDerivation:
        net = self.network
        p = net.resolve_param(name)
        shared = net.sharing(p) if net.per_layer and p.is_bias else ()
        # a shared bias: dL/db = Σ over its layer's units of dL/dα_u · dα_u/db, each unit's chain as for its own bias
        paths = tuple(tuple(self.factors[k] for k in net.chain_of(Param(p.name, u, None, p.id))) for u in shared)
        chain = tuple({f.key: f for path in paths for f in path}.values()) if paths else tuple(self.factors[k] for k in net.chain_of(p))
        terms = tuple(_product(path) for path in paths)
        product = (sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]) if terms else _product(chain)
        names = symbol_names(product)
        deltas = self._deltas_used(names)
        symbols = names.union(*(self._delta_names[n] for n, _ in deltas))
        return ParamDerivation(p.name, chain, product, deltas, symbols, paths if len(paths) > 1 else (), terms if len(terms) > 1 else ())

    def _deltas_used(self, names: frozenset[str]) -> tuple[tuple[str, Any], ...]:
        """The δs among an expression's symbols ``names``, and the δs those use, once each, in the sheet's order."""
        rank = self._rank
        todo = sorted((n for n in names if n in rank), key=rank.__getitem__)
        done: set[str] = set()
        seen: list[tuple[str, Any]] = []
        while todo:
            name = todo.pop(0)
            if name in done:
                continue
            done.add(name)
            e = self.deltas[name]
            seen.append((name, e))
            todo.extend(sorted((n for n in self._delta_names[name] if n in rank and n not in done), key=rank.__getitem__))
        return tuple(seen)


class _Lazy(dict):  # type: ignore[type-arg]
    """A dict that makes a missing entry with ``make(key)`` and keeps it; ``known`` says which keys it can make."""

    def __init__(self, make: Any, known: Any = None) -> None:
        super().__init__()
        self._make = make
        self._known = known

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._make(key)
        return value

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or (self._known is not None and key in self._known)


def S(name: str) -> sp.Symbol:
    return sp.Symbol(name)


def delta_name(pre: str) -> str:
    return f"delta_{pre.replace('alpha_', '')}"


@lru_cache(maxsize=32)
def build(net: Network, unit_targets: bool = False) -> Derivation:
    """The chain rule for ``net``; cached, so one build serves every sample and call (entries are made on demand)."""
    return Derivation(net, unit_targets)


_CANONICAL = cmp_to_key(sp.Basic.compare)  # the order SymPy keeps a product's factors in


def _times_sum(slope: Any, total: Any) -> Any:
    """``slope * total`` for a sum ``total`` of a layer's δ·w: a wide sum makes SymPy's product slow (it asks the
    sum's assumptions), so when ``slope`` has no number in front and the sum is a sum, the product is put together
    from its factors in SymPy's own order, as ``Mul`` itself would leave them."""
    factors = sp.Mul.make_args(slope)
    if not total.is_Add or any(f.is_Number or not f.is_commutative or f.is_Add and f == total for f in factors):
        return slope * total
    return sp.Mul._from_args(sorted([*factors, total], key=_CANONICAL), True)


def _product(chain: tuple[Factor, ...]) -> Any:
    """The simplified gradient: dL/dy·dy/do collapse to the output delta (y − t for σ with bce)."""
    out = sp.Mul(*[f.simple for f in chain])
    if out.is_Mul and any(e.is_Pow and e.exp.is_negative for e in out.args):
        out = sp.factor_terms(sp.cancel(out))
    return out


def free_names(expr: Any) -> list[str]:
    return sorted(s.name for s in expr.free_symbols)


def symbol_names(expr: Any) -> frozenset[str]:
    return frozenset(s.name for s in expr.free_symbols)


def chain_order(pd: ParamDerivation) -> list[str]:
    """The symbols of a gradient and its δ definitions, in the order the chain meets them: y, t, w31, H1, f1."""
    if pd.symbols is not None:
        names: Any = pd.symbols
    else:
        names = {s.name for e in [pd.product, *(e for _, e in pd.deltas)] for s in e.free_symbols}
    in_factor = [f.names() for f in pd.factors]

    def rank(name: str) -> tuple[int, int, str]:
        for i, syms in enumerate(in_factor):
            if name in syms:
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
    names: Mapping[str, Name] = field(default_factory=dict)  # the structured name of each symbol's key (see Derivation.names)


def _unit_targets(problem: Any) -> bool:
    """A softmax output whose targets sum to 1 in every sample (one-hot): then Σt = 1 in its δ."""
    net = problem.network
    if net.activation(len(net.layers) - 1).elementwise:
        return False
    return all(sum(s.targets.values()) == 1 for s in problem.samples)


def derivation_for(name: str, problem_path: Any, math: Any = None, notation: str | None = None) -> DeriveResult:
    """The derivation of one parameter, evaluated at a problem's samples (in the number system ``math``) when one is given.

    ``problem_path`` is a problem file's path (or - for stdin), a loaded Problem, a bare Network
    (no samples), or None for the seed sheet's network.
    """
    problem = None
    if isinstance(problem_path, Network):
        net = problem_path
    elif problem_path is not None:
        from bpcalc.problem import load_problem

        problem = load_problem(problem_path) if isinstance(problem_path, str) else problem_path
        net = problem.network
    else:
        net = SHEET_NETWORK
    from bpcalc.notations import notation_for, param_keys, resolve

    used = notation or (problem.notation if problem is not None else "sheet")
    try:
        param = resolve(net, used, name)
    except KeyError:
        names = param_keys(net, used)
        listed = ", ".join(names) if len(names) <= 24 else ", ".join(names[:20]) + f", ... ({len(names)} in all)"
        raise BpcalcError(f"unknown parameter {name!r}; this network has {listed}") from None
    d = build(net, problem is not None and _unit_targets(problem))
    pd = d.params[param.name]
    result = DeriveResult(net, pd, problem, notation=notation_for(net, used), names=d.names)
    if problem is not None:
        from bpcalc.evaluate import train
        from bpcalc.modes import check_size

        check_size(problem, None, "json", math)
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
