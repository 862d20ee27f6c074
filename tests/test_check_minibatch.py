"""check marks mini-batch sheets as it marks online and whole-batch ones: each update after the last sample of its batch,
from the batch's mean (or sum) of gradients, the last batch of an epoch shorter; the student's own numbers carried forward.

Every right value here comes from tests/reference.py (the independent mpmath reference); bpcalc's own run output is only
ever the student's sheet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference as R
from bpcalc.cli import main

SAMPLES = [
    {"f1": 1.0, "f2": 0.2, "t": 1},
    {"f1": 0.25, "f2": -0.4, "t": 0},
    {"f1": -0.5, "f2": 0.9, "t": 1},
    {"f1": 0.3, "f2": 0.3, "t": 0},
    {"f1": -0.2, "f2": -0.7, "t": 1},
]
MOMENTUM = {"name": "momentum", "momentum": 0.9}
RULES: dict[str, dict[str, Any]] = {
    "size2": {"batch_size": 2},
    "size3": {"batch_size": 3},
    "size2_sum": {"batch_size": 2, "reduction": "sum"},
    "size3_sum": {"batch_size": 3, "reduction": "sum"},
    "size2_momentum": {"batch_size": 2, "optimizer": MOMENTUM},
    "size3_momentum_sum": {"batch_size": 3, "reduction": "sum", "optimizer": MOMENTUM},
    "size2_nesterov": {"batch_size": 2, "optimizer": {"name": "momentum", "momentum": 0.6, "nesterov": True}},
    "size2_decay": {"batch_size": 2, "weight_decay": 0.1},
}


def _problem(epochs: int = 2, **extra: Any) -> dict[str, Any]:
    """A 2-2-1 tanh/sigmoid net over five samples: batches of 2 are 2 + 2 + 1, of 3 are 3 + 2."""
    return {
        "network": {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"},
        "learning_rate": 0.5,
        "epochs": epochs,
        "update": "minibatch",
        "parameters": {"w11": -0.1, "w21": 0.05, "b1": 0, "w12": 0.1, "w22": -0.1, "b2": 0.2, "w31": 1, "w41": 0.5, "b3": 0},
        "samples": SAMPLES,
        **extra,
    }


ADAM = {  # Adam where the second moment keeps digits when rounded (E = w², gradients of size 1 or more): batches of 2 + 1
    "network": {"layers": [1, 1], "activations": ["linear"], "loss": "sse", "bias": False}, "learning_rate": 0.5, "epochs": 3,
    "optimizer": {"name": "adam"}, "parameters": {"w11": 3}, "samples": [{"f1": 1, "t": 0}, {"f1": 2, "t": 1}, {"f1": -1, "t": 2}],
    "update": "minibatch", "batch_size": 2,
}
PROBLEMS = {**{name: _problem(**extra) for name, extra in RULES.items()}, "adam": ADAM}


def _values(name: str) -> int:
    """How many values a whole sheet has: 3 epochs · 3 samples · 5 (o, y, L, dL/dw11, w11) with Adam; else 2 · 5 · 25."""
    return 3 * 3 * 5 if name == "adam" else 2 * 5 * 25


def _write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _rows(ref: dict[str, Any], decimals: int = 4, first: int = 1) -> list[dict[str, Any]]:
    """The reference's samples as a student's sheet, every value written to ``decimals`` (``first``: the number of the first)."""
    def w(values: dict[str, Any]) -> dict[str, float]:
        return {k: round(float(v), decimals) for k, v in values.items()}

    return [
        {"epoch": s["epoch"], "sample": s["sample"] + first - 1, "forward": w(s["forward"]), "loss": round(float(s["loss"]), decimals),
         "gradients": w(s["gradients"]), "parameters_after": w(s["parameters_after"])}
        for s in ref["samples"]
    ]


def _check(problem: Path, sheet: dict[str, Any] | str, *args: str) -> tuple[int, dict[str, Any]]:
    text = sheet if isinstance(sheet, str) else json.dumps(sheet)
    r = CliRunner().invoke(main, ["check", str(problem), "-", "--format", "json", *args], input=text)
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.output)


def _verdicts(report: dict[str, Any]) -> dict[str, int]:
    out = {"right": 0, "follows": 0, "wrong": 0}
    for item in report["items"]:
        out[item["verdict"]] += 1
    return out


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_reference_sheet_is_all_right(tmp_path: Path, name: str) -> None:
    data = PROBLEMS[name]
    problem = _write(tmp_path, "p.json", data)
    ref = R.train(data)
    code, report = _check(problem, {"samples": _rows(ref)})
    assert code == 0
    counts = _verdicts(report)
    values = _values(name)
    assert counts == {"right": values, "follows": 0, "wrong": 0}
    count = len(data["samples"])
    for item in report["items"]:  # the marker's correct values are the reference's
        s = ref["samples"][(item["epoch"] - 1) * count + item["sample"] - 1]
        section = {"forward": "forward", "gradient": "gradients", "parameter_after": "parameters_after"}.get(item["kind"])
        if section is not None:
            assert R.is_close(item["correct"], float(s[section][item["name"]]), rel=1e-9, abs_tol=1e-12), item


def test_mid_epoch_updates_are_where_the_batches_end() -> None:
    # batches of 2 over 5 samples: updates after samples 2, 4 and 5 (the last batch of one); of 3: after 3 and 5
    for size, updated in ((2, (2, 4, 5)), (3, (3, 5))):
        ref = R.train(_problem(epochs=1, batch_size=size))
        moved = tuple(s["sample"] for s in ref["samples"] if s["parameters_after"] != s["parameters_before"])
        assert moved == updated


@pytest.mark.parametrize("round_steps", [None, 2, 3])
def test_run_output_is_marked_right(tmp_path: Path, round_steps: int | None) -> None:
    runner = CliRunner()
    for name, data in PROBLEMS.items():
        problem = _write(tmp_path, f"{name}.json", data)
        run = runner.invoke(main, ["run", str(problem), "--format", "json"] + ([] if round_steps is None else ["--round-steps", str(round_steps)]))
        assert run.exit_code == 0, run.output
        r = runner.invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "200"], input=run.output)
        assert r.exit_code == 0, (name, r.output)
        n = _values(name)
        assert r.output.rstrip().endswith(f"checked {n}: {n} right, 0 followed through, 0 wrong · score 1.000"), (name, r.output)


def _carried(data: dict[str, Any], rows: list[dict[str, Any]], upto: int) -> list[dict[str, Any]]:
    """The student's samples after sample ``upto`` (the end of a batch), worked by the reference from their own
    parameters as written after it (one epoch; the batches after it start there)."""
    rest = {**data, "parameters": rows[upto - 1]["parameters_after"], "samples": data["samples"][upto:]}
    return _rows(R.train(rest), first=upto + 1)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_one_parameter_wrong_after_a_mid_epoch_update(tmp_path: Path, reduction: str) -> None:
    data = _problem(epochs=1, batch_size=2, reduction=reduction)
    problem = _write(tmp_path, "p.json", data)
    rows = _rows(R.train(data))
    right_w31 = rows[1]["parameters_after"]["w31"]
    rows[1]["parameters_after"]["w31"] = round(right_w31 + 0.05, 4)  # after the first mini-batch's update (sample 2)
    rows[2:] = _carried(data, rows, 2)  # the student works on from their own w31
    code, report = _check(problem, {"samples": rows})
    assert code == 1
    wrong = [i for i in report["items"] if i["verdict"] == "wrong"]
    assert [(i["sample"], i["name"], i["kind"]) for i in wrong] == [(2, "w31", "parameter_after")]
    assert R.is_close(wrong[0]["correct"], right_w31, abs_tol=5e-5)
    follows = {(i["sample"], i["name"]) for i in report["items"] if i["verdict"] == "follows"}
    assert (3, "y") in follows and (4, "w31") in follows and (5, "y") in follows
    assert all(i["verdict"] == "right" for i in report["items"] if i["sample"] <= 2 and i["name"] != "w31")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_update_from_the_wrong_batch_is_wrong(tmp_path: Path, reduction: str) -> None:
    # the second mini-batch is samples 3-4; the student takes b1's update over samples 2-4 instead
    data = _problem(epochs=1, batch_size=2, reduction=reduction)
    problem = _write(tmp_path, "p.json", data)
    ref = R.train(data)
    rows = _rows(ref)
    g = [float(s["gradients"]["b1"]) for s in ref["samples"]]
    combine = (lambda xs: sum(xs) / len(xs)) if reduction == "mean" else sum
    start = float(ref["samples"][3]["parameters_before"]["b1"])
    right, bad = start - 0.5 * combine(g[2:4]), start - 0.5 * combine(g[1:4])
    assert R.is_close(float(ref["samples"][3]["parameters_after"]["b1"]), right, rel=1e-6)  # the reference updates from samples 3-4
    assert abs(bad - right) > 0.02  # far outside the sheet's precision
    rows[3]["parameters_after"]["b1"] = round(bad, 4)
    rows[4:] = _carried(data, rows, 4)
    code, report = _check(problem, {"samples": rows})
    assert code == 1
    wrong = [i for i in report["items"] if i["verdict"] == "wrong"]
    assert [(i["sample"], i["name"], i["kind"]) for i in wrong] == [(4, "b1", "parameter_after")]
    assert R.is_close(wrong[0]["correct"], right, rel=1e-6)
    shown = "β1 = β1 - η·mean(dL/dβ1, samples 3–4)" if reduction == "mean" else "β1 = β1 - η·(sum(dL/dβ1, samples 3–4))"
    assert shown in wrong[0]["diagnosis"]  # the corrected working says which samples the update is over
    follows = {(i["sample"], i["name"]) for i in report["items"] if i["verdict"] == "follows"}
    assert (5, "alpha_H1") in follows and (5, "b1") in follows


def test_an_update_written_before_the_batch_ends_is_wrong(tmp_path: Path) -> None:
    # w11 written as updated after sample 1, whose mini-batch (samples 1-2) is not over
    data = _problem(epochs=1, batch_size=2)
    problem = _write(tmp_path, "p.json", data)
    rows = _rows(R.train(data))
    rows[0]["parameters_after"]["w11"] = rows[1]["parameters_after"]["w11"]
    r = CliRunner().invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "300"], input=json.dumps({"samples": rows}))
    assert r.exit_code == 1, r.output
    out = " ".join(r.output.split())
    assert "w11 is not updated until the end of its mini-batch (samples 1–2): it stays -0.1" in out
    assert "1 wrong" in out


@pytest.mark.parametrize("both, said", [
    (False, "in sample 4, you used 1 - t as the target (t = 1); the target is t = 0"),
    (True, "in every sample of the mini-batch, you used 1 - t as the target (t = 0); the target is t = 1"),
])
def test_a_mistake_in_the_mini_batch_s_samples_is_named(tmp_path: Path, both: bool, said: str) -> None:
    # batches of 3: samples 1-3, then 4-5. The student writes only the parameters after each update, and flips the target
    # of sample 4 (t = 0 taken as 1; with ``both`` sample 5's too) in the second batch: its update is the mean of the two.
    data = _problem(epochs=1, batch_size=3)
    problem = _write(tmp_path, "p.json", data)
    ref = R.train(data)
    p3 = {k: round(float(v), 4) for k, v in ref["samples"][2]["parameters_after"].items()}
    at = {k: R.to_mpf(v) for k, v in p3.items()}
    flipped = {**data, "samples": [*SAMPLES[:3], *({**s, "t": 1 - s["t"]} for s in SAMPLES[3:])]}
    g4, g5 = R.evaluate(flipped, at, 3)["gradients"], R.evaluate(flipped if both else data, at, 4)["gradients"]
    p5 = {k: round(float(v - R.to_mpf(0.5) * (g4[k] + g5[k]) / 2), 4) for k, v in at.items()}
    right4, right5 = R.evaluate(data, at, 3)["gradients"], R.evaluate(data, at, 4)["gradients"]
    w31 = float(at["w31"] - R.to_mpf(0.5) * (right4["w31"] + right5["w31"]) / 2)
    assert abs(p5["w31"] - w31) > 0.002  # the flipped target shows in the update, beyond the sheet's 4 decimals
    sheet = {"samples": [{"sample": 3, "parameters_after": p3}, {"sample": 5, "parameters_after": p5}]}
    r = CliRunner().invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "300"], input=json.dumps(sheet))
    assert r.exit_code == 1, r.output
    out = " ".join(r.output.split())
    assert f"w31 after sample 5 — target used as 1 - t: {said}" in out
    shown = re.search(r"w31 = w31 - η·mean\(dL/dw31, samples 4–5\) = [^=]* = (-?[0-9.]+)", out)
    assert shown is not None and abs(float(shown.group(1)) - w31) < 5e-4, out  # the corrected working ends at the right value
    assert "checked 18: 9 right, 8 followed through, 1 wrong" in out


def test_learning_rate_left_out_of_a_mini_batch_update_is_named(tmp_path: Path) -> None:
    # batches of 2: the first update (after sample 2) made as w31 - mean(dL/dw31) over samples 1-2, without η = 0.5
    data = _problem(epochs=1, batch_size=2)
    problem = _write(tmp_path, "p.json", data)
    ref = R.train(data)
    rows = _rows(ref)[:2]
    g = [float(s["gradients"]["w31"]) for s in ref["samples"][:2]]
    rows[1]["parameters_after"]["w31"] = round(1 - (g[0] + g[1]) / 2, 4)
    code, report = _check(problem, {"samples": rows})
    assert code == 1
    wrong = [i for i in report["items"] if i["verdict"] == "wrong"]
    assert [(i["sample"], i["name"], i["mistake"]) for i in wrong] == [(2, "w31", "lr_missing")]
    assert "= w31 - mean(dL/dw31, samples 1–2)" in wrong[0]["diagnosis"]


def test_run_csv_output_is_marked_right(tmp_path: Path) -> None:
    # run's CSV also writes the chain-rule factors and δ: every one of them right too
    runner = CliRunner()
    for name, data in PROBLEMS.items():
        problem = _write(tmp_path, f"{name}.json", data)
        run = runner.invoke(main, ["run", str(problem), "--format", "csv", "--round-steps", "3"])
        assert run.exit_code == 0, run.output
        r = runner.invoke(main, ["check", str(problem), "-", "--format", "json"], input=run.output)
        assert r.exit_code == 0, (name, r.output)
        report = json.loads(r.output)
        counts = _verdicts(report)
        assert counts["right"] > _values(name) and counts["follows"] == counts["wrong"] == 0, (name, counts)
        assert {i["kind"] for i in report["items"]} >= {"forward", "loss", "factor", "delta", "gradient", "parameter_after"}
