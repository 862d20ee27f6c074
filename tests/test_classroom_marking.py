"""Marking a class: many files in one process, the gradebook, --require, the rubric, the follow-through guard,
Gradescope's results.json and --variants. Student files are written from the mpmath reference with mistakes
injected at known places, so every count asserted is known by construction."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference
from bpcalc.cli import main

PROBLEM = {
    "title": "2-3-1 hand-friendly",
    "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
    "learning_rate": 0.1,
    "parameters": {"w11": 0.4, "w21": 0.35, "b1": -0.1, "w12": 0.2, "w22": -0.05, "b2": 0, "w13": -0.25, "w23": -0.15,
                   "b3": 0.2, "w31": -0.35, "w41": 0.6, "w51": -0.7, "b4": 0.2},
    "samples": [{"f1": 3, "f2": -1, "t": 1}, {"f1": 2, "f2": 1, "t": 1}],
}
PER_SAMPLE = 8 + 1 + 13 + 13  # forward values, the loss, gradients, parameters after
REF = reference.train(PROBLEM)


def text(x: Any, d: int = 4) -> str:
    return str(Decimal(str(x)).quantize(Decimal(1).scaleb(-d)))


def sheet(change: Any = None, parts: tuple[str, ...] = ("forward", "loss", "gradients", "parameters_after")) -> dict[str, Any]:
    """A student's answers written from the reference to 4 decimals; ``change(samples)`` injects a mistake."""
    samples = []
    for s in REF["samples"]:
        entry: dict[str, Any] = {"sample": s["sample"]}
        if "forward" in parts:
            entry["forward"] = {k: text(v) for k, v in s["forward"].items()}
        if "loss" in parts:
            entry["loss"] = text(s["loss"])
        if "gradients" in parts:
            entry["gradients"] = {k: text(v) for k, v in s["gradients"].items()}
        if "parameters_after" in parts:
            entry["parameters_after"] = {k: text(v) for k, v in s["parameters_after"].items()}
        samples.append(entry)
    if change is not None:
        change(samples)
    return {"samples": samples}


def b4_lr_left_out(samples: list[dict[str, Any]]) -> None:
    s = REF["samples"][1]
    samples[1]["parameters_after"]["b4"] = text(s["parameters_before"]["b4"] - s["gradients"]["b4"])


def b4_slip(samples: list[dict[str, Any]]) -> None:
    samples[1]["parameters_after"]["b4"] = text(REF["samples"][1]["parameters_after"]["b4"] + Decimal("0.5"))


def gamed(samples: list[dict[str, Any]]) -> None:
    """∂L/∂w31 written 0 in sample 2, and w31 'updated' from it: before − 0.1·0."""
    samples[1]["gradients"]["w31"] = "0.0000"
    samples[1]["parameters_after"]["w31"] = samples[0]["parameters_after"]["w31"]


def carried_slip(samples: list[dict[str, Any]]) -> None:
    """∂L/∂w31 off by 0.3 in sample 2 (a slip, an attempt), and w31 updated from it correctly."""
    g = Decimal(text(REF["samples"][1]["gradients"]["w31"])) + Decimal("0.3")
    samples[1]["gradients"]["w31"] = str(g)
    before = Decimal(samples[0]["parameters_after"]["w31"])
    samples[1]["parameters_after"]["w31"] = text(before - Decimal("0.1") * g)


def write(tmp: Path, name: str, data: Any) -> Path:
    path = tmp / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def klass(tmp_path: Path) -> tuple[Path, Path]:
    problem = write(tmp_path, "problem.json", PROBLEM)
    d = tmp_path / "class"
    d.mkdir()
    write(d, "a_clean.json", sheet())
    write(d, "b_lr.json", sheet(b4_lr_left_out))
    write(d, "c_slip.json", sheet(b4_slip))
    write(d, "d_gamed.json", sheet(gamed))
    write(d, "e_partial.json", sheet(parts=("parameters_after",)))
    write(d, "f_carried.json", sheet(carried_slip))
    return problem, d


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {Path(r["name"]).name: r for r in csv.DictReader(f)}


def test_gradebook_of_a_class(klass: tuple[Path, Path], tmp_path: Path) -> None:
    problem, d = klass
    book = tmp_path / "grades.csv"
    r = invoke(["check", problem, d, "--gradebook", book])
    assert r.exit_code == 1, r.output
    g = rows(book)
    n = 2 * PER_SAMPLE
    expect = {  # (right, follows, wrong, missing, score)
        "a_clean.json": (n, 0, 0, 0, "1.000"),
        "b_lr.json": (n - 1, 0, 1, 0, f"{(n - 1) / n:.3f}"),
        "c_slip.json": (n - 1, 0, 1, 0, f"{(n - 1) / n:.3f}"),
        "d_gamed.json": (n - 2, 1, 1, 0, f"{(n - 2) / n:.3f}"),  # the follow-through from the written 0 earns nothing
        "e_partial.json": (26, 0, 0, 0, "1.000"),  # today's default: only what was written counts
        "f_carried.json": (n - 2, 1, 1, 0, f"{(n - 1) / n:.3f}"),  # the value carried from a slip earns its point
    }
    assert set(g) == set(expect)
    for name, (right, follows, wrong, missing, score) in expect.items():
        row = g[name]
        assert (int(row["right"]), int(row["follows"]), int(row["wrong"]), int(row["missing"]), row["score"]) == (right, follows, wrong, missing, score), name
    assert g["b_lr.json"]["first_mistake"] == "β4 after sample 2"
    assert g["b_lr.json"]["diagnosis"].startswith("learning rate left out: ")
    assert g["c_slip.json"]["diagnosis"].startswith("arithmetic slip: ")
    assert g["d_gamed.json"]["first_mistake"] == "∂L/∂w31 in sample 2" and g["d_gamed.json"]["no_credit"] == "1"
    assert g["f_carried.json"]["no_credit"] == "0"
    assert g["a_clean.json"]["first_mistake"] == g["a_clean.json"]["diagnosis"] == ""


def test_class_table_and_exit_codes(klass: tuple[Path, Path]) -> None:
    problem, d = klass
    r = invoke(["check", problem, d / "a_clean.json", d / "e_partial.json", "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "marked 2 files: 2 clean, 0 with a value wrong or missing · mean score 1.000"
    # the same clean file, required to be complete, is not clean any more
    r = invoke(["check", problem, d / "e_partial.json", "--require", "forward,gradients", "--format", "plain"])
    assert r.exit_code == 1
    assert "missing 44: α_H1 in sample 1," in r.output  # 2 × (8 forward + loss + 13 gradients)
    assert r.output.splitlines()[-1] == f"points 26 of 70 · score {26 / 70:.3f}"


def test_bad_file_gets_its_row_and_exit_2(klass: tuple[Path, Path], tmp_path: Path) -> None:
    problem, d = klass
    bad = write(d, "z_bad.txt", "this is no answers file\n")
    book = tmp_path / "g.csv"
    r = invoke(["check", problem, d, "--gradebook", book])
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bpcalc: {bad}: ") and "Traceback" not in r.stderr
    row = rows(book)["z_bad.txt"]
    assert row["score"] == "" and row["diagnosis"].startswith("bad input: ")
    assert rows(book)["a_clean.json"]["score"] == "1.000"  # the others are marked all the same


def test_require_names_and_sections(klass: tuple[Path, Path], tmp_path: Path) -> None:
    problem, d = klass
    book = tmp_path / "g.csv"
    invoke(["check", problem, d / "e_partial.json", d / "a_clean.json", "--require", "y,loss,dL/dw11,updates", "--gradebook", book])
    g = rows(book)
    assert g["e_partial.json"]["missing"] == str(2 * 3)  # y, L and ∂L/∂w11 in each sample; updates all written
    assert g["a_clean.json"]["missing"] == "0"
    r = invoke(["check", problem, d / "a_clean.json", "--require", "forward,zz"])
    assert r.exit_code == 2 and "--require: unknown name 'zz'" in r.stderr


def test_rubric_points_and_shares(klass: tuple[Path, Path], tmp_path: Path) -> None:
    problem, d = klass
    rubric = write(tmp_path, "rubric.json", {"points": {"gradient": 2}, "follows": 0.5})
    book = tmp_path / "g.csv"
    invoke(["check", problem, d / "f_carried.json", d / "d_gamed.json", "--rubric", rubric, "--gradebook", book])
    g = rows(book)
    most = 2 * (8 + 1 + 13 * 2 + 13)  # 96
    # f: the wrong gradient (2 points) earns nothing, w31 after follows through for half its point
    assert (g["f_carried.json"]["points"], g["f_carried.json"]["max_points"]) == ("93.5", str(most))
    # d: the gradient written 0 earns nothing and neither does the w31 carried from it
    assert g["d_gamed.json"]["points"] == str(most - 3)
    off = write(tmp_path, "off.json", {"guard": False})
    invoke(["check", problem, d / "d_gamed.json", "--rubric", off, "--gradebook", book])
    assert rows(book)["d_gamed.json"]["points"] == str(2 * PER_SAMPLE - 1)


@pytest.mark.parametrize(
    "rubric,message",
    [
        ({"pionts": {}}, "pionts: unknown key; expected one of points, follows, right_wrong_method, guard, require"),
        ({"points": {"bias": 2}}, "points.bias: unknown kind; expected one of forward, loss, gradient, parameter_after"),
        ({"follows": 2}, "follows: expected a share from 0 to 1, got 2"),
        ({"guard": "yes"}, "guard: expected true or false"),
    ],
)
def test_bad_rubric(klass: tuple[Path, Path], tmp_path: Path, rubric: Any, message: str) -> None:
    problem, d = klass
    path = write(tmp_path, "r.json", rubric)
    r = invoke(["check", problem, d / "a_clean.json", "--rubric", path])
    assert r.exit_code == 2 and r.stderr.strip() == f"bpcalc: {path}: {message}"


def test_gradescope_results(klass: tuple[Path, Path]) -> None:
    problem, d = klass
    r = invoke(["check", problem, d / "f_carried.json", "--format", "gradescope"])
    assert r.exit_code == 1
    res = json.loads(r.output)
    n = 2 * PER_SAMPLE
    assert (res["score"], res["max_score"]) == (n - 1.0, float(n))  # one wrong; the carried one earns its point
    assert [t["name"] for t in res["tests"]] == [
        "Sample 1: forward pass", "Sample 1: gradients", "Sample 1: parameters after the update",
        "Sample 2: forward pass", "Sample 2: gradients", "Sample 2: parameters after the update",
    ]
    assert sum(t["score"] for t in res["tests"]) == res["score"] and sum(t["max_score"] for t in res["tests"]) == res["max_score"]
    grads = res["tests"][4]
    assert (grads["score"], grads["max_score"], grads["status"]) == (12.0, 13.0, "failed")
    assert "∂L/∂w31: you wrote" in grads["output"] and "✗ wrong: arithmetic slip" in grads["output"]
    assert all(t["status"] == "passed" for i, t in enumerate(res["tests"]) if i != 4)
    assert all(set(t) == {"name", "score", "max_score", "status", "output", "visibility"} for t in res["tests"])
    both = json.loads(invoke(["check", problem, d / "a_clean.json", d / "f_carried.json", "--format", "gradescope"]).output)
    assert set(both) == {str(d / "a_clean.json"), str(d / "f_carried.json")}
    assert both[str(d / "a_clean.json")]["score"] == float(n)


def test_one_process_json(klass: tuple[Path, Path]) -> None:
    problem, d = klass
    data = json.loads(invoke(["check", problem, d, "--format", "json"]).output)
    assert [Path(f["name"]).name for f in data["files"]] == sorted(p.name for p in d.iterdir())
    assert data["files"][0]["report"]["summary"]["right"] == 2 * PER_SAMPLE


def test_variants_manifest_matches_each_file(tmp_path: Path) -> None:
    base = write(tmp_path, "problem.json", PROBLEM)
    out = tmp_path / "v"
    assert invoke(["variants", base, "--count", "2", "--seed", "3", "--out", out]).exit_code == 0
    d = tmp_path / "answers"
    d.mkdir()
    for vid, name in (("v01", "v01-alice.json"), ("v02", "bob_v02.json")):
        problem = json.loads((out / f"{vid}.json").read_text())
        ref = reference.train(problem)
        answers = {"samples": [{"sample": s["sample"], "parameters_after": {k: text(v) for k, v in s["parameters_after"].items()}} for s in ref["samples"]]}
        write(d, name, answers)
    book = tmp_path / "g.csv"
    r = invoke(["check", base, d, "--variants", out / "manifest.csv", "--gradebook", book])
    assert r.exit_code == 0, r.stderr
    g = rows(book)
    assert (g["v01-alice.json"]["variant"], g["v01-alice.json"]["score"], g["v01-alice.json"]["right"]) == ("v01", "1.000", "26")
    assert (g["bob_v02.json"]["variant"], g["bob_v02.json"]["score"]) == ("v02", "1.000")
    # marked against the base problem instead, the same files are wrong
    assert invoke(["check", base, d / "v01-alice.json"]).exit_code == 1
    write(d, "carol.json", {"samples": []})
    r = invoke(["check", base, d, "--variants", out / "manifest.csv", "--gradebook", book])
    assert r.exit_code == 2 and f"{d / 'carol.json'}: no variant of {out / 'manifest.csv'} matches this file" in r.stderr


def test_csv_cells_cannot_start_a_formula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bpcalc.classroom.gradebook import cell

    assert cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert cell("+1") == "'+1" and cell("-2") == "'-2" and cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("\tx") == "\\tx" and cell("a\x1b[2Jb") == "a\\x1b[2Jb" and cell("β4 after sample 1") == "β4 after sample 1"
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "problem.json", PROBLEM)
    write(tmp_path, "=cmd.json", sheet())
    r = invoke(["check", "problem.json", "=cmd.json", "--gradebook", "-"])
    assert r.exit_code == 0
    row = list(csv.reader(io.StringIO(r.output)))[1]
    assert row[0] == "'=cmd.json"


def test_guard_rule_on_synthetic_items() -> None:
    """The no-attempt rule, on items built by hand: 0 for a value that is not 0 to two decimals, or far off, when no
    classic mistake is named; a named mistake is always an attempt."""
    from bpcalc.check import Item
    from bpcalc.check.model import Given, Key
    from bpcalc.classroom.grade import no_attempt

    def item(given: str, expected: float, mistake: str = "slip") -> Item:
        return Item(1, 1, Key("forward", "y"), Given(given, Decimal(given), "y"), expected, expected, "wrong", mistake=mistake, mistake_name="x")

    assert no_attempt(item("0", 0.354), frozenset()) == "y in sample 1 was written 0"
    assert no_attempt(item("0", 0.004), frozenset()) == ""  # 0 to two decimals: an answer
    assert no_attempt(item("7.5", 0.354), frozenset()).startswith("y in sample 1 was written 7.5, far from any working")
    assert no_attempt(item("0.9", 0.354), frozenset()) == ""  # off, but no further than a slip goes
    assert no_attempt(item("0", 0.354, "lr_missing"), frozenset({"lr_missing"})) == ""
    assert no_attempt(item("0.0000", 0.354), frozenset()) == "y in sample 1 was written 0.0000"


def test_right_value_with_a_wrong_method(tmp_path: Path) -> None:
    """y of sample 2 written 0.2 off, then the loss, every gradient and every update right as if y were right:
    with "right_wrong_method": 0.5 those 27 values earn half their point each."""
    problem = write(tmp_path, "problem.json", PROBLEM)

    def y_off(samples: list[dict[str, Any]]) -> None:
        samples[1]["forward"]["y"] = text(REF["samples"][1]["forward"]["y"] - Decimal("0.2"))

    answers = write(tmp_path, "s.json", sheet(y_off))
    rubric = write(tmp_path, "r.json", {"right_wrong_method": 0.5})
    book = tmp_path / "g.csv"
    r = invoke(["check", problem, answers, "--rubric", rubric, "--gradebook", book])
    assert r.exit_code == 1
    row = rows(book)["s.json"]
    assert (row["right"], row["wrong"], row["points"]) == (str(2 * PER_SAMPLE - 1), "1", str(2 * PER_SAMPLE - 1 - Decimal("13.5")))


@pytest.mark.parametrize("style", ["whole", "0e300"])
def test_no_marks_for_missing_precision(tmp_path: Path, style: str) -> None:
    """Sample 1's parameters after written as whole numbers (or all 0e300): a value earns its point only when it is
    within 0.005 of the correct one (the reference's), whatever the checker's tolerance for the digits written."""
    problem = write(tmp_path, "problem.json", PROBLEM)
    after = REF["samples"][0]["parameters_after"]
    written = {k: (str(int(Decimal(str(v)).to_integral_value())) if style == "whole" else "0e300") for k, v in after.items()}
    answers = write(tmp_path, "s.json", {"samples": [{"sample": 1, "parameters_after": written}]})
    earned = sum(1 for k, v in after.items() if abs(Decimal(written[k]) - Decimal(str(v))) <= Decimal("0.005"))
    book = tmp_path / "g.csv"
    r = invoke(["check", problem, answers, "--gradebook", book])
    row = rows(book)["s.json"]
    assert row["points"] == str(earned) and row["max_points"] == "13"
    assert r.exit_code == 1  # not clean: values earned nothing
    assert int(row["no_credit"]) == 13 - earned - int(row["wrong"])
    if int(row["wrong"]) == 0:
        assert row["diagnosis"].startswith("too few digits: you wrote ")


def test_gradescope_for_a_bad_file_and_stdin(klass: tuple[Path, Path]) -> None:
    problem, d = klass
    bad = write(d, "bad.json", "{")
    r = invoke(["check", problem, bad, "--format", "gradescope"])
    assert r.exit_code == 2 and r.stderr.startswith(f"bpcalc: {bad}: ")
    res = json.loads(r.stdout)  # Gradescope still gets a results.json, with the reason
    assert res["score"] == 0.0 and res["tests"] == [] and res["output"].startswith("bpcalc could not mark this file: ")
    r = CliRunner().invoke(main, ["check", str(problem), "-", str(d / "a_clean.json"), "--gradebook", "-"], input=json.dumps(sheet(b4_slip)))
    assert r.exit_code == 1
    names = [row[0] for row in csv.reader(io.StringIO(r.stdout))][1:]
    assert names == ["<stdin>", str(d / "a_clean.json")]
    r = invoke(["check", problem, "-", "-"])
    assert r.exit_code == 2 and "standard input (-) can be read only once" in r.stderr


def test_thirty_students(tmp_path: Path) -> None:
    """30 sheets, one process: 12 clean, 6 with the learning rate left out in one update of sample 2, 6 with a slip
    there, 6 with a gradient of sample 2 written 0 and its update carried from it. Counts known by construction."""
    problem = write(tmp_path, "problem.json", PROBLEM)
    d = tmp_path / "class"
    d.mkdir()
    s2 = REF["samples"][1]
    # parameters whose update shows the injected mistake at 4 decimals (by the reference's gradients)
    params = [n for n, g in s2["gradients"].items() if abs(g) * 0.9 > 0.001 and abs(g) > 0.01]
    assert len(params) >= 6
    expect = {}
    n = 2 * PER_SAMPLE
    for k in range(30):
        name, p = f"s{k:02d}.json", params[k % 6]

        def inject(samples: list[dict[str, Any]], k: int = k, p: str = p) -> None:
            if 12 <= k < 18:
                samples[1]["parameters_after"][p] = text(s2["parameters_before"][p] - s2["gradients"][p])
            elif 18 <= k < 24:
                samples[1]["parameters_after"][p] = text(s2["parameters_after"][p] - reference.to_mpf("0.3"))
            elif k >= 24:
                samples[1]["gradients"][p] = "0.0000"
                samples[1]["parameters_after"][p] = samples[0]["parameters_after"][p]

        write(d, name, sheet(inject))
        expect[name] = (n, 0, 0, 0) if k < 12 else (n - 1, 0, 1, 0) if k < 24 else (n - 2, 1, 1, 1)
    book = tmp_path / "grades.csv"
    r = invoke(["check", problem, d, "--gradebook", book])
    assert r.exit_code == 1, r.stderr
    g = rows(book)
    for name, (right, follows, wrong, none) in expect.items():
        row = g[name]
        assert (int(row["right"]), int(row["follows"]), int(row["wrong"]), int(row["no_credit"])) == (right, follows, wrong, none), name
        assert row["score"] == f"{right / n:.3f}", name
    assert all(g[f"s{k:02d}.json"]["diagnosis"].startswith("learning rate left out") for k in range(12, 18))
