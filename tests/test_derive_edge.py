"""derive as a sheet writes it (no raw SymPy; softmax + ce with one-hot targets gives y − t) and built only as far as asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
RELU = str(ROOT / "samples" / "interview_prep_relu_1_1_1.json")


def cli(*args: str) -> Any:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def softmax_problem(tmp_path: Path, targets: list[tuple[float, float]]) -> str:
    data = {
        "network": {"layers": [1, 1, 2], "activations": ["tanh", "softmax"], "loss": "ce"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.5, "b1": 0, "w21": 1, "b2": 0, "w22": -1, "b3": 0},
        "samples": [{"f1": 1, "t1": a, "t2": b} for a, b in targets],
    }
    p = tmp_path / "softmax.json"
    p.write_text(json.dumps(data))
    return str(p)


@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_relu_derivative_in_words(fmt: str) -> None:
    out = cli("derive", "-p", "w11", "--problem", RELU, "--format", fmt)
    assert "Piecewise" not in out and "True" not in out
    assert "1 if α_H1 > 0, else 0" in out
    # in the product it is one factor, in parentheses
    assert "·(1 if α_H1 > 0, else 0)·" in out


def test_relu_json_keeps_sympy_syntax() -> None:
    import sympy as sp

    data = json.loads(cli("derive", "-p", "w11", "--problem", RELU, "--format", "json"))
    relu = next(f for f in data["factor_forms"] if f["factor"] == "dH1/dalpha_H1")
    z = sp.Symbol("alpha_H1")
    assert sp.sympify(relu["simplified"]) == sp.Piecewise((1, z > 0), (0, True))


def test_softmax_ce_with_one_hot_targets_gives_y_minus_t(tmp_path: Path) -> None:
    p = softmax_problem(tmp_path, [(1, 0), (0, 1)])
    data = json.loads(cli("derive", "-p", "w11", "--problem", p, "--format", "json"))
    assert data["deltas"]["delta_o1"] == "y1 - t1" and data["deltas"]["delta_o2"] == "y2 - t2"
    out = cli("derive", "-p", "w11", "--problem", p, "--format", "plain")
    assert "δ_o1 = y1 - t1" in out and "t1 + t2" not in out
    # by hand: sample 1, H1 = tanh(0.5) = 0.46211716; o1 = H1, o2 = −H1; y1 = 1/(1 + e^(−2·H1)) = 1/1.39682 = 0.71591
    # δ_o1 = y1 − t1 = −0.28409, δ_o2 = y2 − t2 = 0.28409 (softmax with cross-entropy: dL/do_k = y_k − t_k)
    values = data["samples"][0]["values"]
    assert values["delta_o1"] == pytest.approx(values["y1"] - 1, abs=1e-12)
    assert values["delta_o1"] == pytest.approx(-0.28409, abs=1e-5)


def test_softmax_targets_not_summing_to_one_keep_the_general_form(tmp_path: Path) -> None:
    p = softmax_problem(tmp_path, [(0.5, 0.25)])
    data = json.loads(cli("derive", "-p", "w11", "--problem", p, "--format", "json"))
    assert data["deltas"]["delta_o1"] == "y1*(t1 + t2) - t1"
    # without a problem nothing is known of the targets: the general form too
    assert "delta_o1" not in json.loads(cli("derive", "-p", "w21", "--format", "json"))["deltas"]


def test_one_parameter_builds_only_its_chain() -> None:
    from bpcalc.derive import build
    from bpcalc.network import Network

    net = Network((2, 4, 4, 4, 1), ("tanh", "tanh", "tanh", "sigmoid"), "bce")
    build.cache_clear()
    d = build(net)
    pd = d.params["w11"]
    assert list(d.params) == ["w11"]  # no other parameter's chain was built
    assert len(pd.deltas) == 4 + 4 + 1  # the δs above H1: two hidden layers and the output
    assert [name for name, _ in pd.deltas][:2] == ["delta_H5", "delta_H6"]
    assert "delta_H1" in d.deltas and "delta_H99" not in d.deltas  # known δs, made on demand
    top = build(net).params[net.param_names[-2]]  # a weight into the output: σ with bce collapses to y − t, no δ
    assert top.deltas == () and str(top.product) in ("H12*(-t + y)", "H12*(y - t)")
