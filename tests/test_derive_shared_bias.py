"""derive of a bias shared by a layer's units ("bias": "per_layer"): the sum over the units of each unit's chain.

Numbers come from Mazur's published deltas and from the 110-digit reference (tests/reference.py): a central
difference of the loss in the shared bias itself, every unit of its layer moved together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference as R
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
MAZUR = ROOT / "samples" / "notations" / "mazur_sequential.json"


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def mazur(tmp_path: Path) -> str:
    """Mazur's 2-2-2 network in the sheet's names, his one bias per layer shared (b1 = 0.35, b2 = 0.60)."""
    data = {
        "network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse", "bias": "per_layer"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.15, "w21": 0.2, "w12": 0.25, "w22": 0.3, "w31": 0.4, "w41": 0.45, "w32": 0.5, "w42": 0.55, "b1": 0.35, "b2": 0.6},
        "samples": [{"f1": 0.05, "f2": 0.1, "t1": 0.01, "t2": 0.99}],
    }
    path = tmp_path / "mazur.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_the_chain_is_the_sum_over_the_layers_units(tmp_path: Path) -> None:
    out = cli("derive", "-p", "b1", "--problem", mazur(tmp_path), "--format", "plain", "--width", "120")
    assert "dL/dβ1 = dL/dH1 · dH1/dα_H1 · dα_H1/dβ1 + dL/dH2 · dH2/dα_H2 · dα_H2/dβ1\n" in out
    # each unit's δ written out: (Σ_k δ_ok · w)·σ'(α_H), the same form as its own bias would have
    assert "dL/dβ1 = (δ_o1·w31 + δ_o2·w32)·H1·(1 - H1) + (δ_o1·w41 + δ_o2·w42)·H2·(1 - H2)\n" in out
    assert "dα_H2/dβ1   1" in out
    data = json.loads(cli("derive", "-p", "b1", "--problem", mazur(tmp_path), "--format", "json"))
    assert data["factors"] == ["dL/dH1", "dH1/dalpha_H1", "dalpha_H1/db1", "dL/dH2", "dH2/dalpha_H2", "dalpha_H2/db1"]
    assert data["expression"] == "H1*(1 - H1)*(delta_o1*w31 + delta_o2*w32) + H2*(1 - H2)*(delta_o1*w41 + delta_o2*w42)"
    assert set(data["deltas"]) == {"delta_o1", "delta_o2"}


def test_the_output_layers_shared_bias_is_the_sum_of_mazurs_output_deltas(tmp_path: Path) -> None:
    # Mazur: ∂E/∂net_o1 = 0.74136507 × 0.186815602 = 0.138498562, ∂E/∂net_o2 = −0.038098236, so
    # dE/db2 = 0.138498562 − 0.038098236 = 0.100400326
    data = json.loads(cli("derive", "-p", "b2", "--problem", mazur(tmp_path), "--format", "json"))
    assert data["expression"] == "y1*(1 - y1)*(y1 - t1) + y2*(1 - y2)*(y2 - t2)"
    assert abs(data["samples"][0]["gradient"] - 0.100400326) <= 1e-9  # two 9-decimal roundings: ±5e-10 each


def _shared_fd(problem: dict[str, Any], sample: int) -> dict[str, Any]:
    """dL/db_l by central differences in the reference: the per-unit network with every unit of layer l given b_l."""
    per_unit = json.loads(json.dumps(problem))
    per_unit["network"]["bias"] = True
    net = R.Network(per_unit)
    layers = {f"b{li}": [b for _, b in units] for li, units in enumerate(net.units, start=1)}
    params = {k: R.to_mpf(v) for k, v in problem["parameters"].items()}
    inputs, targets = net.sample_io(problem["samples"][sample])

    def loss(p: dict[str, Any]) -> Any:
        full = {k: v for k, v in p.items() if k not in layers}
        full.update({b: p[shared] for shared, units in layers.items() for b in units})
        return net.loss_at(full, inputs, targets)

    return R.central_differences(loss, params, list(layers))


def _evaluated(expression: str, deltas: dict[str, str], values: dict[str, float]) -> float:
    """derive's gradient (SymPy syntax) with every δ replaced by its definition, then the sample's values put in."""
    import sympy as sp

    expr = sp.sympify(expression)
    definitions = {sp.Symbol(n): sp.sympify(e) for n, e in deltas.items()}
    while expr.free_symbols & set(definitions):
        expr = expr.subs(definitions)
    return float(expr.subs({sp.Symbol(n): v for n, v in values.items() if not n.startswith("delta_")}))


@pytest.mark.parametrize(
    "layers,activations,loss",
    [
        ([2, 3, 2, 1], ["tanh", "tanh", "sigmoid"], "bce"),
        ([3, 2, 3], ["relu", "softmax"], "ce"),
        ([2, 4, 1, 2], ["sigmoid", "leaky_relu", "linear"], "mse"),
    ],
)
def test_shared_bias_gradients_match_the_reference(tmp_path: Path, layers: list[int], activations: list[str], loss: str) -> None:
    from bpcalc.network import Network

    net = Network(tuple(layers), tuple(activations), loss, "per_layer")
    values = [0.31, -0.42, 0.27, 0.55, -0.18, 0.63, -0.29, 0.12, 0.47, -0.36]
    params = {name: values[i % len(values)] * (1 + i / 50) for i, name in enumerate(net.param_names)}
    targets = [{"t": 1}, {"t": 0}] if layers[-1] == 1 else [{f"t{j + 1}": float(j == k % layers[-1]) for j in range(layers[-1])} for k in range(2)]
    samples = [{**{f"f{i + 1}": (0.5, -0.8, 0.3)[i] * (k + 1) for i in range(layers[0])}, **targets[k]} for k in range(2)]
    problem = {
        "network": {"layers": layers, "activations": activations, "loss": loss, "bias": "per_layer"},
        "learning_rate": 0.1,
        "update": "batch",  # every sample's gradient at the same, given parameters
        "parameters": params,
        "samples": samples,
    }
    path = tmp_path / "shared.json"
    path.write_text(json.dumps(problem))
    for li in range(1, len(layers)):
        data = json.loads(cli("derive", "-p", f"b{li}", "--problem", str(path), "--format", "json"))
        assert data["param"] == f"b{li}"
        assert sum(1 for f in data["factors"] if f.endswith(f"/db{li}")) == layers[li]  # one chain per unit of the layer
        for k, s in enumerate(data["samples"]):
            want = _shared_fd(problem, k)[f"b{li}"]
            # the derived expression itself, its δs written out, at the sample's values; and the run's number
            # (softmax with one-hot targets: the output layer's Σ_k (y_k − t_k) is 0, so an absolute floor too)
            got = _evaluated(data["expression"], data["deltas"], s["values"])
            assert R.is_close(got, want, rel=1e-12, abs_tol=1e-15), (li, k, got, want)
            assert R.is_close(s["gradient"], want, abs_tol=1e-15), (li, k, s["gradient"], want)


def test_a_shared_bias_in_latex_and_markdown_adds_the_chains(tmp_path: Path) -> None:
    tex = cli("derive", "-p", "b2", "--problem", mazur(tmp_path), "--format", "latex", "--latex-body")
    chain = "\\frac{\\partial L}{\\partial y_{1}} \\cdot \\frac{\\partial y_{1}}{\\partial o_{1}} \\cdot \\frac{\\partial o_{1}}{\\partial \\beta_{2}}"
    assert f"&= {chain} \\\\\n&\\quad + \\frac{{\\partial L}}{{\\partial y_{{2}}}}" in tex  # a line per chain
    # the values, chain by chain: 0.741 × 0.187 × 1 (Mazur: 0.74136507, 0.186815602) and −0.217 × 0.176 × 1
    assert "&= 0.741 \\times 0.187 \\times 1 \\\\\n&\\quad + (-0.217) \\times 0.176 \\times 1 = 0.100" in tex
    md = cli("derive", "-p", "b2", "--problem", mazur(tmp_path), "--format", "markdown")
    assert "&= y_{1} \\cdot \\left(1 - y_{1}\\right) \\cdot \\left(y_{1} - t_{1}\\right) \\\\\n&\\quad + y_{2}" in md


def test_a_shared_bias_in_its_files_notation() -> None:
    out = cli("derive", "-p", "b1", "--problem", str(MAZUR), "--format", "plain", "--width", "120")
    assert "dE_total/db1 = dE_total/dout_h1 · dout_h1/dnet_h1 · dnet_h1/db1 + dE_total/dout_h2 · dout_h2/dnet_h2 · dnet_h2/db1\n" in out


def test_a_layer_of_one_unit_shares_its_bias_as_its_own(tmp_path: Path) -> None:
    data = {
        "network": {"layers": [1, 1, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "bias": "per_layer"},
        "learning_rate": 0.1,
        "parameters": {"w11": 0.5, "b1": 0.1, "w21": -0.7, "b2": 0.2},
        "samples": [{"f1": 1.0, "t": 1}],
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data))
    out = json.loads(cli("derive", "-p", "b1", "--problem", str(path), "--format", "json"))
    assert out["factors"] == ["dL/dy", "dy/do", "do/dH1", "dH1/dalpha_H1", "dalpha_H1/db1"]
    assert out["expression"] == "w21*(1 - H1**2)*(y - t)"
