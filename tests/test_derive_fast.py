"""The derivation's short paths (its printer, its products, its names) give exactly what SymPy and the network give."""

from __future__ import annotations

import random
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from bpcalc.notations import respelled
from bpcalc.render.sheet import SheetPrinter, plain_str, sheet_str


class Reference(SheetPrinter):
    """The sheet printer as it was written first: StrPrinter's products and parentheses, sums as on paper."""

    _print_Mul = StrPrinter._print_Mul
    parenthesize = StrPrinter.parenthesize

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        from sympy.printing.precedence import precedence

        terms = list(expr.args)
        numbers = [t for t in terms if t.is_Number and t > 0]
        positive = [t for t in terms if t not in numbers and not t.could_extract_minus_sign()]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        out = ""
        for i, t in enumerate(numbers + positive + negative):
            if t.could_extract_minus_sign():
                body = self.parenthesize(-t, precedence(expr))
                out += f" - {body}" if i else f"-{body}"
            else:
                body = self.parenthesize(t, precedence(expr))
                out += f" + {body}" if i else body
        return out


def _both(expr: Any) -> tuple[str, str]:
    ours, ref = SheetPrinter(), Reference()
    ours.words = ref.words = False
    return ours.doprint(expr), ref.doprint(expr)


NAMES = ["delta_H3", "delta_H17", "delta_o", "w31", "w3_10", "w19_1", "H1", "H17", "alpha_H1", "f1", "y", "t", "b4", "theta2", "o"]


def _random_expr(rng: random.Random, depth: int) -> Any:
    syms = [sp.Symbol(n) for n in NAMES]
    if depth == 0 or rng.random() < 0.25:
        pick = rng.random()
        if pick < 0.7:
            return rng.choice(syms)
        return rng.choice([sp.Integer(1), sp.Integer(2), sp.Integer(-1), sp.Rational(2, 3), sp.Float(0.1)])
    kind = rng.randrange(6)
    parts = [_random_expr(rng, depth - 1) for _ in range(rng.randrange(2, 5))]
    if kind == 0:
        return sp.Add(*parts)
    if kind == 1:
        return sp.Mul(*parts)
    if kind == 2:  # as derive builds a layer's Σ δ·w: in the units' order, not SymPy's
        terms = [sp.Mul._from_args((rng.choice(syms[:3]), rng.choice(syms[3:6]))) for _ in range(rng.randrange(2, 6))]
        return sp.Add._from_args(tuple(dict.fromkeys(terms))) if len(set(terms)) > 1 else terms[0]
    if kind == 3:
        return sp.Pow(parts[0], rng.choice([2, 3, -1, -2, sp.Rational(1, 2)]))
    if kind == 4:
        return sp.exp(-parts[0])
    return parts[0] - parts[1] * parts[-1]


def test_short_paths_print_as_strprinter_on_random_expressions():
    rng = random.Random(9)
    for _ in range(1500):
        e = _random_expr(rng, 3)
        ours, ref = _both(e)
        assert ours == ref, e


def test_short_paths_print_as_strprinter_on_a_wide_layers_deltas():
    from bpcalc.derive import build
    from bpcalc.network import Network

    for acts in (("tanh", "sigmoid", "sigmoid"), ("sigmoid", "relu", "softmax"), ("linear", "leaky_relu", "sigmoid"), ("scaled_tanh", "bipolar_sigmoid", "linear")):
        loss = "ce" if acts[-1] == "softmax" else "bce" if acts[-1] == "sigmoid" else "mse"
        for layers in ((2, 3, 2, 2), (2, 4, 5, 1), (1, 2, 1, 1), (2, 2, 2, 3)):
            net = Network(layers, acts, loss)
            d = build(net)
            for name in net.param_names:
                pd = d.params[name]
                for e in [pd.product, *(e for _, e in pd.deltas), *(f.simple for f in pd.factors), *(f.sheet for f in pd.factors)]:
                    ours, ref = _both(e)
                    assert ours == ref, (layers, acts, name, e)


def test_short_paths_print_as_strprinter_in_another_notation():
    from bpcalc.derive import build
    from bpcalc.network import Network
    from bpcalc.notations import notation_for

    net = Network((2, 3, 2, 1), ("tanh", "sigmoid", "sigmoid"), "bce")
    d = build(net)
    for notation in ("global", "layered", "sequential"):
        names = notation_for(net, notation)
        for name in net.param_names:
            pd = d.params[name]
            for e in [pd.product, *(e for _, e in pd.deltas)]:
                ours, ref = _both(respelled(e, names))
                assert ours == ref, (notation, name, e)


def test_sheet_and_plain_text_of_a_layers_delta():
    # δ_H1 = (1 − H1²)·(δ_H3·w31 + δ_H4·w32): tanh' times the layer above's δs through H1's weights, in the units' order
    d, w = sp.Symbol, sp.Symbol
    total = sp.Add._from_args((sp.Mul._from_args((d("delta_H4"), w("w31"))), sp.Mul._from_args((d("delta_H3"), w("w32")))))
    e = (1 - sp.Symbol("H1") ** 2) * total
    assert sheet_str(e) == "(1 - H1²)·(δ_H4·w31 + δ_H3·w32)"
    assert plain_str(e) == "(1 - H1**2)*(delta_H4*w31 + delta_H3*w32)"


def test_the_derivations_names_are_the_names_its_keys_spell():
    # Derivation.names (from the network's structured names, for printers) against parsing each key
    from bpcalc.derive import build
    from bpcalc.names import SHEET
    from bpcalc.network import Network

    for net in (
        Network((2, 3, 1), ("tanh", "sigmoid"), "bce"),
        Network((3, 12, 11, 2), ("relu", "tanh", "softmax"), "ce", "threshold"),
        Network((2, 2, 2, 1), ("tanh", "tanh", "sigmoid"), "bce", "per_layer"),
        Network((1, 1, 1), ("linear", "linear"), "mse", False),
    ):
        names = build(net).names
        keys = {p.name for p in net.params} | {k for row in net.units for u in row for k in (u.name, u.pre, u.target) if k}
        assert keys <= set(names)
        assert all(SHEET.parse(k) == n and SHEET.key(n) == k for k, n in names.items())


def test_one_parameters_chain_is_the_networks_chain_for_it():
    from bpcalc.network import Network

    net = Network((2, 3, 2, 1), ("tanh", "sigmoid", "sigmoid"), "bce", "threshold")
    assert all(net.chain_of(p) == net.chain(p) for p in net.params)


def test_a_slope_times_a_layers_sum_is_the_product_sympy_makes():
    from bpcalc.derive import _times_sum
    from bpcalc.functions import activation

    z, a = sp.Symbol("alpha_H1"), sp.Symbol("H1")
    specs = ["tanh", "sigmoid", "relu", "leaky_relu", "linear", "bipolar_sigmoid", "scaled_tanh"]
    specs += ["relu(derivative_at_zero=0.5)", "bipolar_sigmoid(slope=2)", "leaky_relu(slope=0.2)", "scaled_tanh(a=1, b=2)"]
    for spec in specs:
        slope = activation(spec).simple(sp, z, a)
        for width in (1, 2, 3, 16):
            terms = [sp.Mul._from_args((sp.Symbol(f"delta_H{10 + k}"), sp.Symbol(f"w3_{k + 1}"))) for k in range(width)]
            total = sp.Add._from_args(tuple(terms)) if width > 1 else terms[0]
            ours, sympys = _times_sum(slope, total), slope * total
            assert ours == sympys and ours.args == sympys.args and type(ours) is type(sympys), (spec, width)
