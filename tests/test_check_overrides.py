"""The checker's variations reach the evaluator as explicit overrides keyed by unit, and the update rule is one object.

Values are hand derivations, written out beside each test.
"""

from __future__ import annotations

import json
import math

from click.testing import CliRunner

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.cli import main
from bpcalc.evaluate import SGD, Overrides, apply_update, evaluate
from bpcalc.problem import build_problem

NET_111 = {"layers": [1, 1, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"}


def _check(tmp_path, problem: dict, answers: str) -> tuple[int, dict]:
    p, a = tmp_path / "p.json", tmp_path / "a.txt"
    p.write_text(json.dumps(problem))
    a.write_text(answers)
    result = CliRunner().invoke(main, ["check", str(p), str(a), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, json.loads(result.output)


def test_saturated_sigmoid_wrong_value_is_marked_not_a_traceback(tmp_path):
    # H1 = tanh(5) = 0.99991, o = 50·H1 ≈ 50, y = σ(50) = 1 − 2e-22; dL/dw21 = (y − t)·H1 = 0.99991 → 1, not 3
    problem = {**{"network": NET_111}, "learning_rate": 0.1, "parameters": {"w11": 1, "b1": 0, "w21": 50, "b2": 0}, "samples": [{"f1": 5, "t": 0}]}
    code, report = _check(tmp_path, problem, "# sample 1\ndL/dw21 = 3\n")
    assert code == 1
    (item,) = report["items"]
    assert item["verdict"] == "wrong"
    assert math.isclose(item["correct"], math.tanh(5), rel_tol=1e-12)


def test_equal_pre_activations_of_different_units_are_not_confused(tmp_path):
    # w11 = b1 = 0: α_H1 = 0, H1 = 0; o = w21·H1 + b2 = 0, y = 0.5 (α_H1 and o have the same value).
    # dL/dw11 = (y − t)·w21·(1 − H1²)·f1 = (0.5 − 1)·1·1·1 = −0.5; no honest rounding gives −0.4.
    problem = {**{"network": NET_111}, "learning_rate": 0.1, "parameters": {"w11": 0, "b1": 0, "w21": 1, "b2": 0}, "samples": [{"f1": 1, "t": 1}]}
    code, report = _check(tmp_path, problem, "# sample 1\ndL/dw11 = -0.4\n")
    assert code == 1
    (item,) = report["items"]
    assert item["verdict"] == "wrong"
    assert item["correct"] == -0.5
    code, report = _check(tmp_path, problem, "# sample 1\ndL/dw11 = -0.5\n")
    assert code == 0 and report["items"][0]["verdict"] == "right"


def _zero_problem():
    return build_problem(
        {"network": NET_111, "learning_rate": 0.1, "parameters": {"w11": 0, "b1": 0, "w21": 1, "b2": 0}, "samples": [{"f1": 1, "t": 1}]},
        "zero",
    )


def _pass(m, overrides=Overrides()):
    pr = _zero_problem()
    params = {k: m.num(v) for k, v in pr.parameters.items()}
    s = pr.samples[0]
    return evaluate(pr.network, m, params, {k: m.num(v) for k, v in s.inputs.items()}, {k: m.num(v) for k, v in s.targets.items()}, overrides=overrides)


def test_derivative_override_is_keyed_by_unit():
    # tanh' at H1 taken as 0.75 (a made-up derivative), σ' at y untouched: δ_y = y − t = −0.5,
    # dL/dw11 = δ_y·w21·0.75·f1 = −0.375; dL/dw21 = δ_y·H1 = 0 and dL/dβ2 = −0.5 unchanged.
    p = _pass(FloatMath(), Overrides(derivatives={"H1": lambda m, z, a: 0.75}))
    assert p.gradients["w11"] == -0.375
    assert p.gradients["b2"] == -0.5
    assert p.factors["dy/do"] == 0.25  # σ'(0) = 1/4


def test_delta_style_takes_derivatives_from_the_units_own_output():
    # forward values given: H1 = 0.1 (α_H1 = 0 as computed). δ style: tanh' = 1 − H1² = 0.99;
    # o = w21·H1 + b2 = 0.1, y = σ(0.1) = 0.52498 → 0.525 (3 decimals), δ_y = y − t = −0.475;
    # δ_H1 = δ_y·w21·0.99 = −0.47025 → −0.470; dL/dw11 = δ_H1·f1 = −0.470
    p = _pass(RoundedMath(3), Overrides(forward={"H1": 0.1}, style="delta"))
    assert p.factors["dH1/dalpha_H1"] == 0.99
    assert p.deltas["o"] == -0.475
    assert p.gradients["w11"] == -0.47


def test_backward_override_carries_deltas_through_the_given_weights():
    # δ_y = −0.5 at y = 0.5; the backward pass through w21 = 2 instead of 1: dL/dw11 = −0.5·2·1·1 = −1
    p = _pass(FloatMath(), Overrides(backward={"w11": 0.0, "b1": 0.0, "w21": 2.0, "b2": 0.0}))
    assert p.gradients["w11"] == -1.0
    assert p.forward["y"] == 0.5  # the forward pass still uses w21 = 1


def test_update_rule_is_one_object_with_frozen_parameters():
    # SGD: w ← w − η·g; 0.5 − 0.1·(−0.646) = 0.5646 → 0.565 rounded to 3 decimals; frozen b stays
    u = apply_update(SGD(), RoundedMath(3), {"w": 0.5, "b": 0.2}, {"w": -0.646, "b": 1.0}, 0.1, frozenset({"b"}))
    assert u.after == {"w": 0.565, "b": 0.2}
    assert u.steps["w"] == -0.065
    assert u.kept == {"w": None, "b": None}
