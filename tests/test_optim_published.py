"""Published worked examples of the update rules beyond plain SGD, reproduced to their printed digits.

Each is a problem file in samples/ naming its source; every number asserted here is the one the
source prints (checked to its digits by reference.assert_printed), never bpcalc's own output.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import reference as R
from bpcalc.evaluate import train
from bpcalc.problem import build_problem
from bpcalc.render.json import run_dict


def run(name: str, **changes: Any) -> dict[str, Any]:
    data = json.loads((R.SAMPLES_DIR / name).read_text())
    data.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del data[key]
    return json.loads(json.dumps(run_dict(train(build_problem(data, name)))))


def test_orr_momentum_on_a_quadratic() -> None:
    """Orr's notes: with momentum 0.1, Dw = -16, 8, -2.4 and w = -6, 2, -0.4 (their step labels repeat; the numbers are right)."""
    got = run("rules/orr_momentum_quadratic.json")
    steps = [s["update"]["steps"]["w11"] for s in got["samples"]]
    after = [s["parameters_after"]["w11"] for s in got["samples"]]
    previous = [s["update"]["previous_step"]["w11"] for s in got["samples"]]
    for value, printed in zip(steps, ["-16", "8", "-2.4"]):
        R.assert_printed(value, printed, "Dw")
    for value, printed in zip(after, ["-6", "2", "-0.4"]):
        R.assert_printed(value, printed, "w")
    for value, printed in zip(previous, ["0", "-16", "8"]):  # the momentum term's Dw(t-1), as the notes substitute it
        R.assert_printed(value, printed, "Dw(t-1)")


def test_orr_without_momentum() -> None:
    """The same notes without momentum: w = -6, 3.6, -2.16."""
    got = run("rules/orr_momentum_quadratic.json", optimizer=None)
    for s, printed in zip(got["samples"], ["-6", "3.6", "-2.16"]):
        R.assert_printed(s["parameters_after"]["w11"], printed, "w")


def test_l2_weight_decay_example() -> None:
    """θ_new = θ - η·∇L - η·λ·θ: 1.0 - 0.01 - 0.001 = 0.989 and 2.0 - 0.02 - 0.002 = 1.978."""
    got = run("rules/l2_weight_decay_two_weights.json")
    u = got["samples"][0]["update"]
    R.assert_printed(u["loss_gradients"]["w11"], "0.1", "∇L w11")
    R.assert_printed(u["loss_gradients"]["w12"], "0.2", "∇L w12")
    R.assert_printed(u["decay"]["w11"], "0.01", "λ·θ w11")
    R.assert_printed(u["decay"]["w12"], "0.02", "λ·θ w12")
    R.assert_printed(got["parameters_final"]["w11"], "0.989", "θ1")
    R.assert_printed(got["parameters_final"]["w12"], "1.978", "θ2")


def test_negnevitsky_xor_with_thresholds() -> None:
    """Negnevitsky §6.4, first iteration: y3 = 0.5250, y4 = 0.8808, y5 = 0.5097, e = -0.5097, δ5 = -0.1274,
    δ3 = 0.0381, δ4 = -0.0147 (the book's δ = y(1 - y)·e is -dL/dnet), and the updated weights and thresholds."""
    got = run("negnevitsky_xor_threshold.json")
    s = got["samples"][0]
    f, d = s["forward"], s["deltas"]
    for key, printed in (("H1", "0.5250"), ("H2", "0.8808"), ("y", "0.5097")):
        R.assert_printed(f[key], printed, key)
    R.assert_printed(-d["o"], "-0.1274", "δ5")
    R.assert_printed(-d["alpha_H1"], "0.0381", "δ3")
    R.assert_printed(-d["alpha_H2"], "-0.0147", "δ4")
    printed = {"w11": "0.5038", "w12": "0.8985", "w21": "0.4038", "w22": "0.9985", "w31": "-1.2067", "w41": "1.0888",
               "theta1": "0.7962", "theta2": "-0.0985", "theta3": "0.3127"}
    for key, value in printed.items():
        R.assert_printed(s["parameters_after"][key], value, key)


@pytest.mark.parametrize("name", ["rules/orr_momentum_quadratic.json", "rules/l2_weight_decay_two_weights.json", "negnevitsky_xor_threshold.json"])
def test_published_samples_against_the_reference(name: str) -> None:
    data = R.load_sample(name)
    got = run(name)
    problems = R.compare_run(got, R.train(data), parts=("loss", "gradients", "parameters_after"))
    assert not problems, R.report(problems)
