"""Thresholds: "network": {"bias": "threshold"} — each unit's θ on a fixed input −1, net = Σ w·x − θ.

Numbers come from independent sources only:

* the same problem with biases b = −θ, run by bpcalc: every value must agree (the threshold form
  is the bias form with the sign moved), dL/dθ = −dL/db and θ_after = −b_after;
* the mpmath reference (tests/reference.py, which computes net = Σ w·x − θ from its own
  definition and differentiates the loss by 110-digit finite differences in θ), at 1e-9;
* a hand derivation of one step in the sources' convention (below).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mpmath import mp, mpf

import reference as R
import test_reference_gradients as RG
from bpcalc.cli import main

XOR = {
    "title": "2-2-1 sigmoid net with thresholds, one XOR pattern",
    "network": {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse", "bias": "threshold"},
    "learning_rate": 0.1,
    "parameters": {"w11": 0.5, "w21": 0.4, "theta1": 0.8, "w12": 0.9, "w22": 1.0, "theta2": -0.1,
                   "w31": -1.2, "w41": 1.1, "theta3": 0.3},
    "samples": [{"f1": 1, "f2": 1, "t": 0}, {"f1": 0, "f2": 1, "t": 1}],
}


def run(problem: dict, tmp_path: Path, *args: str, name: str = "p.json") -> dict:
    path = tmp_path / name
    path.write_text(json.dumps(problem))
    r = CliRunner().invoke(main, ["run", str(path), "--format", "json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def as_biases(problem: dict) -> dict:
    """The same network with a bias b_k = −θ_k in place of each threshold."""
    p = copy.deepcopy(problem)
    p["network"]["bias"] = True
    p["parameters"] = {(f"b{k[5:]}" if k.startswith("theta") else k): (-v if k.startswith("theta") else v)
                       for k, v in p["parameters"].items()}
    if "frozen" in p:
        p["frozen"] = [f"b{k[5:]}" if k.startswith("theta") else k for k in p["frozen"]]
    return p


def _b(name: str) -> str:
    return f"b{name[5:]}" if name.startswith("theta") else name


@pytest.mark.parametrize("mode", [(), ("--round-steps", "4"), ("--exact",)], ids=["float", "rounded", "exact"])
def test_a_threshold_is_a_negated_bias(mode: tuple[str, ...], tmp_path: Path) -> None:
    problem = {**XOR, "epochs": 2}
    th = run(problem, tmp_path, *mode, name="th.json")
    bi = run(as_biases(problem), tmp_path, *mode, name="bi.json")
    assert th["network"]["bias"] == "threshold" and bi["network"]["bias"] is True
    assert len(th["samples"]) == len(bi["samples"]) == 4
    for t, b in zip(th["samples"], bi["samples"]):
        assert t["forward"] == b["forward"]
        assert t["loss"] == b["loss"]
        assert t["deltas"] == b["deltas"]
        for k, v in t["factors"].items():
            if k.startswith("dalpha") and "/dtheta" in k or k.startswith("do/dtheta"):
                assert v == -1 and b["factors"][k.replace("theta", "b")] == 1, k
            else:
                assert v == b["factors"][k], k
        for part in ("parameters_before", "parameters_after", "gradients"):
            for k, v in t[part].items():
                sign = -1 if k.startswith("theta") else 1
                assert v == sign * b[part][_b(k)] or (v == 0 and b[part][_b(k)] == 0), (part, k)
        for k, v in t["update"]["steps"].items():
            sign = -1 if k.startswith("theta") else 1
            assert v == sign * b["update"]["steps"][_b(k)] or v == b["update"]["steps"][_b(k)] == 0, k


def test_matches_the_reference_on_random_networks(run_json: Any) -> None:
    rng = random.Random(42)
    checked = 0
    for hidden, out, loss in [("tanh", "sigmoid", "bce"), ("sigmoid", "linear", "mse"),
                              ("bipolar_sigmoid", "softmax", "ce"), ("relu", "tanh", "half_sse")]:
        for _ in range(50):
            problem = RG._draw_problem(rng, hidden, out, loss, (1, 2, 3) if out != "softmax" else (2, 3),
                                       bias=True, n_samples=2)
            problem["network"]["bias"] = "threshold"
            problem["parameters"] = {_theta(k): v for k, v in problem["parameters"].items()}
            ref = R.train(problem)
            if RG._well_conditioned(problem, ref):
                break
        problems = R.compare_run(run_json(problem), ref)
        assert not problems, R.report(problems)
        checked += 1
    assert checked == 4


def _theta(name: str) -> str:
    return f"theta{name[1:]}" if name.startswith("b") else name


def test_one_step_by_hand_in_the_sources_convention(tmp_path: Path) -> None:
    # The sources write δ = f'(net)·(t − y) at the output and δ_j = f'(net_j)·Σ w·δ below, and
    # update Δθ = η·(−1)·δ (the threshold's input is −1), Δw = η·x·δ. With L = ½(y − t)² that is
    # gradient descent: dL/dθ = −(dL/dnet) = δ. Worked here from those formulas at 40 digits.
    got = run(XOR, tmp_path)["samples"][0]
    sig = lambda x: 1 / (1 + mp.exp(-x))  # noqa: E731
    with mp.workdps(40):
        p = {k: mpf(str(v)) for k, v in XOR["parameters"].items()}
        x1, x2, t = mpf(1), mpf(1), mpf(0)
        y3 = sig(x1 * p["w11"] + x2 * p["w21"] - p["theta1"])  # σ(0.1)
        y4 = sig(x1 * p["w12"] + x2 * p["w22"] - p["theta2"])  # σ(2.0)
        y5 = sig(y3 * p["w31"] + y4 * p["w41"] - p["theta3"])
        d5 = y5 * (1 - y5) * (t - y5)
        d3 = y3 * (1 - y3) * p["w31"] * d5
        d4 = y4 * (1 - y4) * p["w41"] * d5
        eta = mpf("0.1")
        want = {
            "w11": p["w11"] + eta * x1 * d3, "w21": p["w21"] + eta * x2 * d3, "theta1": p["theta1"] + eta * -1 * d3,
            "w12": p["w12"] + eta * x1 * d4, "w22": p["w22"] + eta * x2 * d4, "theta2": p["theta2"] + eta * -1 * d4,
            "w31": p["w31"] + eta * y3 * d5, "w41": p["w41"] + eta * y4 * d5, "theta3": p["theta3"] + eta * -1 * d5,
        }
        problems = R.compare_mapping(got["parameters_after"], want, "after")
        problems += R.compare_mapping(got["forward"], {"H1": y3, "H2": y4, "y": y5}, "forward")
        problems += R.compare_mapping(got["gradients"], {"theta3": d5, "theta1": d3, "theta2": d4}, "dL/dθ")
    assert not problems, R.report(problems)
    # and to the 4 decimals a hand working shows: y3 = σ(0.1) = 0.5250, y4 = σ(2) = 0.8808, θ3 0.3 → 0.3127
    R.assert_printed(got["forward"]["H1"], "0.5250")
    R.assert_printed(got["forward"]["H2"], "0.8808")
    R.assert_printed(got["parameters_after"]["theta3"], "0.3127")


def test_names_and_spellings(tmp_path: Path) -> None:
    p = copy.deepcopy(XOR)
    p["parameters"]["θ2"] = p["parameters"].pop("theta2")
    p["frozen"] = ["θ3"]
    d = run(p, tmp_path)
    assert list(d["samples"][0]["parameters_after"]) == ["w11", "w21", "theta1", "w12", "w22", "theta2", "w31", "w41", "theta3"]
    assert d["parameters_final"]["theta3"] == 0.3  # frozen
    path = tmp_path / "p.json"
    out = CliRunner().invoke(main, ["run", str(path), "--format", "plain", "--show", "forward", "--sample", "1"]).output
    assert "α_H1       f1·w11 + f2·w21 - θ1   1·(0.500) + 1·(0.400) - 0.800" in out
    assert "f1·w12 + f2·w22 - θ2   1·(0.900) + 1·(1) - (-0.100)" in out
    tex = CliRunner().invoke(main, ["run", str(path), "--format", "latex", "--latex-body", "--sample", "1"]).output
    # α_H1 = 1·0.5 + 1·0.4 − 0.8 = 0.1 and α_H2 = 0.9 + 1 − (−0.1) = 2 (by hand)
    assert "\\alpha_{H_{1}} &= f_{1} w_{11} + f_{2} w_{21} - \\theta_{1} = 1 \\cdot 0.500 + 1 \\cdot 0.400 - 0.800 = 0.100 \\\\" in tex
    assert "\\alpha_{H_{2}} &= f_{1} w_{12} + f_{2} w_{22} - \\theta_{2} = 1 \\cdot 0.900 + 1 \\cdot 1 - (-0.100) = 2.000 \\\\" in tex
    md = CliRunner().invoke(main, ["run", str(path), "--format", "markdown", "--sample", "1", "--show", "forward"]).output
    assert "| $f_{1} w_{12} + f_{2} w_{22} - \\theta_{2}$ | $1 \\cdot 0.900 + 1 \\cdot 1 - (-0.100)$ | 2.000 |" in md
    derive = CliRunner().invoke(main, ["derive", "-p", "θ3", "--problem", str(path), "--format", "json"])
    assert derive.exit_code == 0, derive.output
    assert json.loads(derive.output)["param"] == "theta3"


@pytest.mark.parametrize("change,place,message", [
    (lambda d: d["parameters"].update(b1=d["parameters"].pop("theta1")), "parameters.b1", "unknown parameter; the 2-2-1 network has w11, w21, theta1"),
    (lambda d: d["network"].update(bias="thresholds"), "network.bias", 'expected true or false (or "threshold": θ on a fixed input −1), got "thresholds"'),
    (lambda d: d["parameters"].pop("theta3"), "parameters.theta3", "missing"),
])
def test_bad_threshold_problems(change: Any, place: str, message: str, tmp_path: Path) -> None:
    p = copy.deepcopy(XOR)
    change(p)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(p))
    r = CliRunner().invoke(main, ["run", str(path)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [r.stderr.strip()] and r.stderr.startswith(f"bpcalc: {path}: {place}: {message}"), r.stderr


def test_schema_knows_thresholds() -> None:
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "bpcalc" / "problem.schema.json").read_text())
    jsonschema.validate(XOR, schema)
    bad = copy.deepcopy(XOR)
    bad["network"]["bias"] = "thresholds"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_the_gradient_chain_of_a_threshold_has_the_factor_minus_one(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(XOR))
    # by hand: y = σ(0.525·(−1.2) + 0.881·1.1 − 0.3) = σ(0.039) = 0.510, dy/do = y(1 − y) = 0.250,
    # dL/dθ3 = (y − t)·y(1 − y)·(−1) = −0.127
    out = CliRunner().invoke(main, ["run", str(path), "--format", "plain", "--sample", "1", "--show", "gradients", "--width", "120"]).output
    assert "θ3          dL/dy · dy/do · do/dθ3                            (0.510) × (0.250) × (-1)                           -0.127" in out
    tex = CliRunner().invoke(main, ["run", str(path), "--format", "latex", "--latex-body", "--sample", "1", "--show", "gradients"]).output
    assert (
        "\\frac{\\partial L}{\\partial \\theta_{3}} &= \\frac{\\partial L}{\\partial y} \\cdot \\frac{\\partial y}{\\partial o} \\cdot \\frac{\\partial o}{\\partial \\theta_{3}} \\\\\n"
        "&= \\left(y - t\\right) \\cdot \\frac{e^{-o}}{\\left(1 + e^{-o}\\right)^{2}} \\cdot (-1) \\\\\n"
        "&= 0.510 \\times 0.250 \\times (-1) \\\\\n"
        "&= -0.127\n"
    ) in tex


def test_derive_shows_the_threshold_factor(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(XOR))
    out = CliRunner().invoke(main, ["derive", "-p", "theta3", "--problem", str(path), "--format", "plain"]).output
    # o = H1·w31 + H2·w41 − θ3, so do/dθ3 = −1 and dL/dθ3 = −(y − t)·y·(1 − y) (by hand)
    assert "do/dθ3   -1" in out
    assert "dL/dθ3 = -y·(1 - y)·(y - t)" in out
    # dL/dθ1 = (y − t)·y(1 − y)·w31·H1(1 − H1)·(−1) (by hand), the −1 in parentheses among the factors
    tex = CliRunner().invoke(main, ["derive", "-p", "θ1", "--problem", str(path), "--format", "latex", "--latex-body"]).output
    assert "&= \\left(y - t\\right) \\cdot y \\left(1 - y\\right) \\cdot w_{31} \\cdot H_{1} \\left(1 - H_{1}\\right) \\cdot (-1) \\\\\n" in tex
    assert "&= -y \\cdot \\left(1 - y\\right) \\cdot \\left(y - t\\right) \\cdot w_{31} \\cdot H_{1} \\cdot \\left(1 - H_{1}\\right)\n" in tex


def test_check_explains_a_pre_activation_with_its_threshold(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(XOR))
    (tmp_path / "a.txt").write_text("# sample 1\nalpha_H1 = 1.7\n")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "p.json"), str(tmp_path / "a.txt"), "--format", "json"])
    assert r.exit_code == 1, r.output
    item = json.loads(r.output)["items"][0]
    # α_H1 = 1·0.5 + 1·0.4 − 0.8 = 0.1 (by hand); 1.7 is wrong
    assert item["verdict"] == "wrong" and item["expected"] == pytest.approx(0.1)
    assert "α_H1 = f1·w11 + f2·w21 - θ1 = 1·0.5 + 1·0.4 - 0.8 = 0.100" in item["diagnosis"]
