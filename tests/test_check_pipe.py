"""`bpcalc run P --format json | bpcalc check P -` passes for every sample problem, also rounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted(p for p in (ROOT / "samples").glob("*.json") if "answers" not in p.name)


def rounded(data, decimals: int | None, as_text: bool = False):
    """The run JSON with every float rounded (JSON numbers, or strings keeping trailing zeros)."""
    if isinstance(data, float):
        if decimals is None:
            return data
        return f"{data:.{decimals}f}" if as_text else round(data, decimals)
    if isinstance(data, dict):
        return {k: rounded(v, decimals, as_text) for k, v in data.items()}
    if isinstance(data, list):
        return [rounded(v, decimals, as_text) for v in data]
    return data


@pytest.fixture(scope="module")
def runs():
    runner = CliRunner()
    out = {}
    for p in PROBLEMS:
        result = runner.invoke(main, ["run", str(p), "--format", "json"])
        assert result.exit_code == 0, result.output
        out[p] = result.stdout
    return out


def test_there_are_sample_problems():
    assert any(p.name == "q3.json" for p in PROBLEMS)


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_run_piped_into_check_is_all_right(runs, path):
    result = CliRunner().invoke(main, ["check", str(path), "-", "--format", "json"], input=runs[path])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    s = report["summary"]
    assert s["wrong"] == 0 and s["follows"] == 0 and s["right"] == s["checked"] > 0
    assert s["score"] == 1.0


@pytest.mark.parametrize("as_text", [False, True], ids=["numbers", "strings"])
@pytest.mark.parametrize("decimals", [2, 3, 4])
@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_rounded_run_piped_into_check_is_all_right(runs, path, decimals, as_text):
    answers = json.dumps(rounded(json.loads(runs[path]), decimals, as_text))
    result = CliRunner().invoke(main, ["check", str(path), "-", "--format", "plain"], input=answers)
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().splitlines()[-1].startswith("checked ")
    assert ", 0 wrong · score 1.000" in result.stdout


MODES = {
    "batch, 2 epochs": {"update": "batch", "epochs": 2},
    "online, 3 epochs": {"epochs": 3},
    "frozen β4, w11": {"frozen": ["b4", "w11"]},
}


@pytest.mark.parametrize("mode", list(MODES))
def test_other_update_modes_check_clean_and_flag_an_update_mistake(tmp_path, mode):
    problem = json.loads((ROOT / "samples" / "q3.json").read_text())
    problem.update(MODES[mode])
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))
    run = json.loads(CliRunner().invoke(main, ["run", str(path), "--format", "json"]).stdout)
    assert CliRunner().invoke(main, ["check", str(path), "-"], input=json.dumps(run)).exit_code == 0

    # The tables to 4 decimals, with η applied twice to w41 at the first update (made from the run's own
    # before/after: the step taken is before - after = η·g, so twice is before - η·(before - after)).
    lr = problem["learning_rate"]
    first = next(i for i, s in enumerate(run["samples"]) if s["updated"])
    answers = {"samples": []}
    for s in run["samples"]:
        after = dict(s["parameters_after"])
        if s is run["samples"][first]:
            b = s["parameters_before"]["w41"]
            after["w41"] = b - lr * (b - after["w41"])
        answers["samples"].append({"epoch": s["epoch"], "sample": s["sample"], "parameters_after": {k: f"{v:.4f}" for k, v in after.items()}})
    result = CliRunner().invoke(main, ["check", str(path), "-", "--format", "json"], input=json.dumps(answers))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    wrong = [i for i in report["items"] if i["verdict"] == "wrong"]
    s = run["samples"][first]
    assert [(i["epoch"], i["sample"], i["name"], i["mistake"]) for i in wrong] == [(s["epoch"], s["sample"], "w41", "lr_twice")]
    where = f"epoch {s['epoch']}, sample {s['sample']}" if problem.get("epochs", 1) > 1 else f"sample {s['sample']}"
    assert wrong[0]["diagnosis"].startswith(f"w41 after {where} — learning rate applied twice: ")
    if problem.get("update") == "batch":
        assert "mean(dL/dw41)" in wrong[0]["diagnosis"]


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_run_csv_piped_into_check_is_all_right(path):
    """The CSV round trip (issue 7): `run --format csv | check P -` exits 0, every value checked right."""
    runner = CliRunner()
    csv_text = runner.invoke(main, ["run", str(path), "--format", "csv"]).stdout
    result = runner.invoke(main, ["check", str(path), "-", "--format", "json"], input=csv_text)
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)["summary"]
    assert s["wrong"] == 0 and s["right"] == s["checked"] > 0
    # every gradient, forward value and parameter the CSV carries is among those checked
    assert s["checked"] >= sum(1 for line in csv_text.splitlines()[1:] if ",update," not in line)


def test_run_csv_with_a_wrong_value_is_caught():
    path = ROOT / "samples" / "q3.json"
    runner = CliRunner()
    lines = runner.invoke(main, ["run", str(path), "--format", "csv"]).stdout.splitlines()
    # the seed sheet's own mistake: β4 after sample 1 written as 0.646 (the learning rate left out)
    lines = [("1,1,parameter,b4,0.646" if line.startswith("1,1,parameter,b4,") else line) for line in lines]
    result = runner.invoke(main, ["check", str(path), "-", "--format", "json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["wrong"] >= 1
