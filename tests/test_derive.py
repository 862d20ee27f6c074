"""`derive`: the sheet's chain rule, symbolically, and its agreement with the numeric evaluator."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from click.testing import CliRunner

from bpcalc.cli import main
from bpcalc.derive import build, delta_name
from bpcalc.evaluate import evaluate
from bpcalc.arith import FloatMath
from bpcalc.network import Network

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")

y, t, o, f1, f2 = sp.symbols("y t o f1 f2")


def derive_json(*args: str) -> dict[str, Any]:
    r = CliRunner().invoke(main, ["derive", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


# The seed sheet's question 3, written out by hand from the sheet (its general formulas are right):
#   dL/dw11 = (y−t)/(y(1−y)) × e^{−o}/(1+e^{−o})² × ω31 × 4e^{−2α_H1}/(1+e^{−2α_H1})² × f1
# and with σ'(o) = y(1−y), tanh'(α) = 1 − H², the product is (y − t)·ω31·(1 − H1²)·f1.
SHEET = {
    "w11": ("w31", "H1", "f1"), "w21": ("w31", "H1", "f2"), "b1": ("w31", "H1", None),
    "w12": ("w41", "H2", "f1"), "w22": ("w41", "H2", "f2"), "b2": ("w41", "H2", None),
    "w13": ("w51", "H3", "f1"), "w23": ("w51", "H3", "f2"), "b3": ("w51", "H3", None),
}


@pytest.mark.parametrize("param", list(SHEET))
def test_hidden_parameters_match_the_sheet(param: str) -> None:
    w, h, f = SHEET[param]
    d = derive_json("--param", param)
    hand = (y - t) * sp.Symbol(w) * (1 - sp.Symbol(h) ** 2) * (sp.Symbol(f) if f else 1)
    assert sp.simplify(sp.sympify(d["expression"]) - hand) == 0
    alpha = f"alpha_{h}"
    tail = f"d{alpha}/d{param}"
    assert d["factors"] == ["dL/dy", "dy/do", f"do/d{h}", f"d{h}/d{alpha}", tail]
    forms = {x["factor"]: x for x in d["factor_forms"]}
    a = sp.Symbol(alpha)
    # the sheet's exponential forms, exactly as written on it
    assert sp.simplify(sp.sympify(forms["dy/do"]["sheet"]) - sp.exp(-o) / (1 + sp.exp(-o)) ** 2) == 0
    assert sp.simplify(sp.sympify(forms[f"d{h}/d{alpha}"]["sheet"]) - 4 * sp.exp(-2 * a) / (1 + sp.exp(-2 * a)) ** 2) == 0
    assert sp.simplify(sp.sympify(forms["dL/dy"]["sheet"]) - (y - t) / (y * (1 - y))) == 0
    # and the sheet form is the simplified one once y = σ(o), H = tanh(α)
    sig = 1 / (1 + sp.exp(-o))
    assert sp.simplify(sp.sympify(forms["dy/do"]["sheet"]) - sp.sympify(forms["dy/do"]["simplified"]).subs(y, sig)) == 0
    ht = sp.tanh(a)
    diff = sp.sympify(forms[f"d{h}/d{alpha}"]["sheet"]) - sp.sympify(forms[f"d{h}/d{alpha}"]["simplified"]).subs(sp.Symbol(h), ht)
    assert abs(float(diff.subs(a, 0.37))) < 1e-15


@pytest.mark.parametrize("param,h", [("w31", "H1"), ("w41", "H2"), ("w51", "H3"), ("b4", None)])
def test_output_parameters_match_the_sheet(param: str, h: str | None) -> None:
    d = derive_json("--param", param)
    hand = (y - t) * (sp.Symbol(h) if h else 1)
    assert sp.simplify(sp.sympify(d["expression"]) - hand) == 0
    assert d["factors"] == ["dL/dy", "dy/do", f"do/d{param}"]


def test_expression_and_latex_read_as_on_paper() -> None:
    d = derive_json("--param", "w11")
    assert d["expression"] == "f1*w31*(1 - H1**2)*(y - t)"
    r = CliRunner().invoke(main, ["derive", "--param", "w11"])
    assert "dL/dw11 = (y - t)·w31·(1 - H1²)·f1" in r.output


def test_values_at_each_sample_reproduce_the_gradient() -> None:
    d = derive_json("--param", "w11", "--problem", Q3)
    assert [s["sample"] for s in d["samples"]] == [1, 2]
    expr = sp.sympify(d["expression"])
    for s in d["samples"]:
        assert set(s["values"]) == {x.name for x in expr.free_symbols}
        value = float(expr.subs(s["values"]))
        assert value == pytest.approx(s["gradient"], rel=1e-12)
    # sample 1: f1 = 100, t = 1, w31 = 1 from the sheet; mpmath (40 digits) gives dL/dw11 = -3.9333329809292265e-06
    assert d["samples"][0]["values"]["f1"] == 100 and d["samples"][0]["values"]["t"] == 1
    assert d["samples"][0]["gradient"] == pytest.approx(-3.9333329809292265e-06, rel=1e-9)


def _problem(layers: list[int], acts: list[str], loss: str) -> dict[str, Any]:
    net = Network(tuple(layers), tuple(acts), loss)
    rng = random.Random(7)
    params = {n: round(rng.uniform(-0.8, 0.8), 3) for n in net.param_names}
    sample = {f"f{i}": round(rng.uniform(-1, 1), 2) for i in range(1, layers[0] + 1)}
    if layers[-1] == 1:
        sample["t"] = 1
    else:
        for k in range(1, layers[-1] + 1):
            sample[f"t{k}"] = 1 if k == 1 else 0
    return {"network": {"layers": layers, "activations": acts, "loss": loss}, "learning_rate": 0.5,
            "parameters": params, "samples": [sample]}


def test_deep_network_derives_through_deltas(tmp_path: Path) -> None:
    layers = [2, 8, 8, 8, 8, 1]
    p = tmp_path / "deep.json"
    p.write_text(json.dumps(_problem(layers, ["tanh"] * 4 + ["sigmoid"], "bce")))
    d = derive_json("--param", "w11", "--problem", str(p))
    # dL/dw11 = f1·(1 − H1²)·Σ_k w_{3,k} δ_{H(8+k)}: linear in the size of the layer above
    assert len(d["expression"]) < 300
    assert d["expression"].count("delta_H") == 8
    assert set(d["deltas"]) >= {"delta_H9", "delta_H17", "delta_H25", "delta_o"}
    expr = sp.sympify(d["expression"])
    s = d["samples"][0]
    assert float(expr.subs(s["values"])) == pytest.approx(s["gradient"], rel=1e-12)


def _full_expression(d: Any, name: str) -> Any:
    """Substitute the δ definitions until only forward-pass symbols remain."""
    expr = d.params[name].product
    for _ in range(10):
        deltas = [s for s in expr.free_symbols if s.name.startswith("delta_")]
        if not deltas:
            return expr
        expr = expr.subs({s: d.deltas[s.name] for s in deltas})
    raise AssertionError("deltas did not resolve")


NETWORKS = [
    ([2, 3, 1], ["tanh", "sigmoid"], "bce"),
    ([3, 2, 2], ["sigmoid", "sigmoid"], "half_sse"),
    ([2, 3, 3], ["relu", "softmax"], "ce"),
    ([2, 2, 3, 1], ["leaky_relu", "tanh", "linear"], "mse"),
    ([1, 2, 2, 2], ["sigmoid", "tanh", "sigmoid"], "sse"),
]


@pytest.mark.parametrize("layers,acts,loss", NETWORKS)
def test_symbolic_and_numeric_agree(layers: list[int], acts: list[str], loss: str) -> None:
    """Two independent paths — the SymPy chain rule and the layered evaluator — give the same gradients."""
    net = Network(tuple(layers), tuple(acts), loss)
    d = build(net)
    problem = _problem(layers, acts, loss)
    m = FloatMath()
    params = {k: float(v) for k, v in problem["parameters"].items()}
    sample = problem["samples"][0]
    inputs = {k: float(v) for k, v in sample.items() if k.startswith("f")}
    targets = {k: float(v) for k, v in sample.items() if k.startswith("t")}
    p = evaluate(net, m, params, inputs, targets)
    values = {**params, **inputs, **targets, **p.forward}
    for name in net.param_names:
        expr = _full_expression(d, name)
        got = float(expr.subs({sp.Symbol(k): v for k, v in values.items()}))
        assert got == pytest.approx(p.gradients[name], rel=1e-10, abs=1e-14), name
    for pre, v in p.deltas.items():
        assert delta_name(pre) in d.deltas
