"""check names a classic mistake of threshold sheets: the threshold added (net = Σ w·x + θ) rather than subtracted.

The student's values are worked here by hand (plain Python floats, straight from the definitions), never taken from bpcalc.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEGNEVITSKY = str(ROOT / "samples" / "negnevitsky_xor_threshold.json")


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_threshold_added_is_named(tmp_path: Path) -> None:
    # Negnevitsky's first XOR step worked with net = Σ w·x + θ: α3 = 0.5 + 0.4 + 0.8, α4 = 0.9 + 1.0 − 0.1
    a1, a2 = 0.5 + 0.4 + 0.8, 0.9 + 1.0 - 0.1
    h1, h2 = sigma(a1), sigma(a2)
    o = -1.2 * h1 + 1.1 * h2 + 0.3
    y = sigma(o)
    delta = (y - 0) * y * (1 - y)  # dL/do for L = (y − t)²/2
    sheet = tmp_path / "sheet.txt"
    lines = [f"alpha_H1 = {a1:.4f}", f"alpha_H2 = {a2:.4f}", f"H1 = {h1:.4f}", f"H2 = {h2:.4f}", f"o = {o:.4f}", f"y = {y:.4f}",
             f"dL/dtheta3 = {delta:.4f}"]  # dnet/dθ taken as +1
    sheet.write_text("# sample 1\n" + "\n".join(lines) + "\n")
    r = CliRunner().invoke(main, ["check", NEGNEVITSKY, str(sheet), "--format", "plain", "--width", "200"])
    assert r.exit_code == 1, r.output
    assert "threshold sign flipped: you added the thresholds (net = Σ w·x + θ)" in r.output
    assert "α_H1 = f1·w11 + f2·w21 - θ1 = 1·0.5 + 1·0.4 - 0.8 = 0.100" in " ".join(r.output.split())  # (notes fold to the width)
    assert "0 right" in r.output and "1 wrong" in r.output  # one story: the rest follows through from it


def test_check_refuses_mini_batches(tmp_path: Path) -> None:
    problem = tmp_path / "mini.json"
    problem.write_text(json.dumps({**_net_problem(), "update": "minibatch", "batch_size": 2}))
    sheet = tmp_path / "sheet.txt"
    sheet.write_text("# sample 1\ny = 0.5\n")
    r = CliRunner().invoke(main, ["check", str(problem), str(sheet)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [f"bpcalc: {problem}: check marks online and whole-batch sheets so far, not sheets with mini-batches"]


def _net_problem(**extra: Any) -> dict[str, Any]:
    """A 2-2-1 sigmoid net over three samples and two epochs: small enough to check fast, large enough for every rule."""
    return {
        "network": {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"},
        "learning_rate": 0.5,
        "epochs": 2,
        "parameters": {"w11": -0.1, "w21": 0.05, "b1": 0, "w12": 0.1, "w22": -0.1, "b2": 0.2, "w31": 1, "w41": 0.5, "b3": 0},
        "samples": [{"f1": 1.0, "f2": 0.2, "t": 1}, {"f1": 0.25, "f2": -0.4, "t": 0}, {"f1": -0.5, "f2": 0.9, "t": 1}],
        **extra,
    }


RULES = {
    "momentum": {"optimizer": {"name": "momentum", "momentum": 0.9}},
    "nesterov": {"optimizer": {"name": "momentum", "momentum": 0.6, "nesterov": True}},
    "decay": {"weight_decay": 0.1},
    "momentum_decay": {"optimizer": {"name": "momentum", "momentum": 0.5}, "weight_decay": 0.05},
    "batch_momentum": {"update": "batch", "optimizer": {"name": "momentum", "momentum": 0.9}},
    "batch_sum": {"update": "batch", "reduction": "sum"},
    "batch_decay": {"update": "batch", "weight_decay": 0.1},
}
ADAM = {  # Adam where the second moment keeps digits when rounded (E = w², a gradient of size 1 or more)
    "adam": {"parameters": {"w11": 3}},
    "adam_decay": {"parameters": {"w11": 3}, "samples": [{"f1": 1, "t": 0}, {"f1": 2, "t": 1}], "weight_decay": 0.1},
    "batch_adam": {"parameters": {"w11": 3}, "samples": [{"f1": 1, "t": 0}, {"f1": 2, "t": 1}], "update": "batch"},
}


def _problems(tmp_path: Path) -> list[Path]:
    out = []
    for name, extra in RULES.items():
        out.append(tmp_path / f"{name}.json")
        out[-1].write_text(json.dumps(_net_problem(**extra)))
    for name, extra in ADAM.items():
        base = {"network": {"layers": [1, 1], "activations": ["linear"], "loss": "sse", "bias": False}, "learning_rate": 0.5, "epochs": 4,
                "optimizer": {"name": "adam"}, "samples": [{"f1": 1, "t": 0}]}
        out.append(tmp_path / f"{name}.json")
        out[-1].write_text(json.dumps({**base, **extra}))
    return out + [ROOT / "samples" / "rules" / "orr_momentum_quadratic.json", ROOT / "samples" / "rules" / "l2_weight_decay_two_weights.json"]


@pytest.mark.parametrize("round_steps", [None, 2, 3, 4])
def test_run_output_of_every_rule_is_marked_right(tmp_path: Path, round_steps: int | None) -> None:
    runner = CliRunner()
    for problem in _problems(tmp_path):
        run = runner.invoke(main, ["run", str(problem), "--format", "json"] + ([] if round_steps is None else ["--round-steps", str(round_steps)]))
        assert run.exit_code == 0, run.output
        r = runner.invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "200"], input=run.output)
        assert r.exit_code == 0, (problem.name, r.output)
        assert " 0 wrong" in r.output and " 0 followed through" in r.output, (problem.name, r.output)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "momentum_decay", "batch_momentum", "batch_decay"])
def test_a_value_made_wrong_is_caught(tmp_path: Path, name: str) -> None:
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(_net_problem(**RULES[name])))
    runner = CliRunner()
    run = json.loads(runner.invoke(main, ["run", str(problem), "--format", "json", "--round-steps", "3"]).output)
    last = run["samples"][-1]
    assert "parameters_after" in last, sorted(last)
    last["parameters_after"]["w31"] += 0.05  # one parameter after the last update, off by 0.05
    run["parameters_final"]["w31"] += 0.05
    r = runner.invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "200"], input=json.dumps(run))
    assert r.exit_code == 1, r.output
    assert "1 wrong" in r.output and "w31 after" in r.output
