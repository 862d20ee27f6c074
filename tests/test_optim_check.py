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


ORR = str(ROOT / "samples" / "rules" / "orr_momentum_quadratic.json")  # E = w², η 0.8, μ 0.1, w(0) = 10; one epoch per step


def _sheet(tmp_path: Path, rows: list[tuple[float, float, float, float]]) -> Path:
    """One block per epoch: y = w·1, L = y², dL/dw11 = 2·w, w11 after."""
    sheet = tmp_path / "sheet.txt"
    blocks = [f"# epoch {e}, sample 1\ny = {y:g}\nL = {loss:g}\ndL/dw11 = {g:g}\nw11 = {after:g}\n" for e, (y, loss, g, after) in enumerate(rows, start=1)]
    sheet.write_text("\n".join(blocks))
    return sheet


def _check(problem: str, sheet: Path) -> str:
    r = CliRunner().invoke(main, ["check", problem, str(sheet), "--format", "plain", "--width", "200"])
    assert r.exit_code == 1, r.output
    return " ".join(r.output.split())


def test_momentum_left_out_is_named(tmp_path: Path) -> None:
    # step 1: g = 2·10 = 20, Δw = 0·0.1 − 0.8·20 = −16, w = −6 (right: Δw(0) = 0);
    # step 2 without momentum: g = −12, Δw = −0.8·(−12) = 9.6, w = 3.6 (right: 0.1·(−16) + 9.6 = 8, w = 2);
    # step 3 with momentum again, from the student's own Δw(2) = 9.6: g = 7.2, Δw = 0.96 − 5.76 = −4.8, w = −1.2
    out = _check(ORR, _sheet(tmp_path, [(10, 100, 20, -6), (-6, 36, -12, 3.6), (3.6, 12.96, 7.2, -1.2)]))
    assert "momentum term left out" in out
    assert "the update is Δw11 = μ·Δw11(n-1) - η·(dL/dw11) = 0.1·(-16) - 0.8·(-12) = 8.000; w11 = w11 + Δw11 = -6 + (8.000) = 2.000" in out
    assert "7 right, 4 followed through, 1 wrong" in out  # the third step follows on from the student's own numbers


def test_velocity_from_the_wrong_step_is_named(tmp_path: Path) -> None:
    # step 2 with this step's own −η·g for Δw(n−1): g = −12, Δw = 0.1·9.6 + 9.6 = 10.56, w = 4.56
    # step 3 right from there, with the student's own Δw(2) = 10.56: g = 9.12, Δw = 1.056 − 7.296 = −6.24, w = −1.68
    out = _check(ORR, _sheet(tmp_path, [(10, 100, 20, -6), (-6, 36, -12, 4.56), (4.56, 20.7936, 9.12, -1.68)]))
    assert "velocity taken from the wrong step" in out
    assert "7 right, 4 followed through, 1 wrong" in out


def test_decay_applied_to_a_bias_is_named(tmp_path: Path) -> None:
    # one linear unit y = w·x + b, L = (y − t)²/2, λ 0.1, η 0.5, w = 0.5, b = 0.4, x = 2, t = 1
    problem = tmp_path / "decay.json"
    problem.write_text(json.dumps({
        "network": {"layers": [1, 1], "activations": ["linear"], "loss": "half_sse"}, "learning_rate": 0.5, "weight_decay": 0.1,
        "parameters": {"w11": 0.5, "b1": 0.4}, "samples": [{"f1": 2, "t": 1}],
    }))
    y = 0.5 * 2 + 0.4  # 1.4
    loss = (y - 1) ** 2 / 2  # 0.08
    gw, gb = (y - 1) * 2, (y - 1)  # 0.8, 0.4
    w_after = 0.5 - 0.5 * (gw + 0.1 * 0.5)  # 0.075: the weight's gradient gains λ·w
    b_after = 0.4 - 0.5 * (gb + 0.1 * 0.4)  # 0.18: the decay wrongly on the bias too (right: 0.4 − 0.5·0.4 = 0.2)
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(f"# sample 1\ny = {y:.4f}\nL = {loss:.4f}\ndL/dw11 = {gw:.4f}\ndL/db1 = {gb:.4f}\nw11 = {w_after:.4f}\nb1 = {b_after:.4f}\n")
    out = _check(str(problem), sheet)
    assert "decay applied to a bias" in out
    assert "decay applied to a bias: you wrote 0.1800 = β1 - η·(dL/dβ1 + λ·β1), but weight decay never touches a bias; the update is β1 - η·dL/dβ1 = 0.4" in out
    assert "5 right, 0 followed through, 1 wrong" in out
