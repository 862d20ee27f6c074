"""Issue 14 for answers files: every number a student can write is read or refused in one line (exit 2), and no
value earns more than the answer precision (by default half a unit in the 2nd decimal).

Expected values are the seed sheet's (q3 sample 1: y = 0.354, w31 after = 0.935, w11 after = -0.1, H1 = tanh(-9) = -1,
dL/dw11 = -0.00003 ≈ 0) and a hand derivation where said.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")


def _run(tmp_path: Path, text: str, *options: str, problem: str = Q3, name: str = "answers.txt"):
    a = tmp_path / name
    a.write_text(text)
    return CliRunner().invoke(main, ["check", problem, str(a), "--format", "json", *options])


def _items(result) -> list[tuple[str, str, str]]:
    assert result.exit_code in (0, 1), result.output
    return [(i["label"], i["verdict"], i["mistake"]) for i in json.loads(result.stdout)["items"]]


def _refused(result, *pieces: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    (line,) = result.output.splitlines()
    for piece in pieces:
        assert piece in line, line


def test_zeros_with_a_huge_exponent_earn_nothing(tmp_path):
    got = _items(_run(tmp_path, "# sample 1\ny = 0e300\nw11 = 0e300\nH1 = 0e300\ndL/dw11 = 0e300\n"))
    # only dL/dw11 truly is 0 to two decimals
    assert got == [("H1", "wrong", "too_few_digits"), ("y", "wrong", "too_few_digits"), ("∂L/∂w11", "right", ""), ("w11 after", "wrong", "too_few_digits")]


def test_whole_numbers_are_right_only_where_the_value_is_whole_to_two_decimals(tmp_path):
    result = _run(tmp_path, "# sample 1\nH1 = -1\ny = 0\nw11 = 0\nw31 = 1\nw41 = 0.5\n")
    got = _items(result)
    assert [g[:2] for g in got] == [("H1", "right"), ("y", "wrong"), ("w31 after", "wrong"), ("w41 after", "wrong"), ("w11 after", "wrong")]
    assert [g[2] for g in got if g[0] != "w41 after"] == ["", "too_few_digits", "too_few_digits", "too_few_digits"]
    diagnosis = {i["label"]: i["diagnosis"] for i in json.loads(result.stdout)["items"]}
    assert diagnosis["y"] == "y in sample 1 — too few digits: you wrote 0; y = 0.354 to two decimals is 0.35"


def test_dropped_trailing_zeros_and_approximately_zero_stay_right(tmp_path):
    got = _items(_run(tmp_path, "# sample 1\nw11 = -0.1\ndL/dw11 ≈ 0\nw41 = 0.565\n"))
    assert got == [("w41 after", "right", ""), ("∂L/∂w11", "right", ""), ("w11 after", "right", "")]


def test_answer_decimals_from_the_option_and_the_problem(tmp_path):
    # at one decimal y = 0.354 written 0.4 is right; at two it is too few digits
    assert _items(_run(tmp_path, "# sample 1\ny = 0.4\n")) == [("y", "wrong", "too_few_digits")]
    assert _items(_run(tmp_path, "# sample 1\ny = 0.4\n", "--answer-decimals", "1")) == [("y", "right", "")]
    data = json.loads(Path(Q3).read_text())
    p = tmp_path / "p.json"
    p.write_text(json.dumps({**data, "answer_decimals": 1}))
    assert _items(_run(tmp_path, "# sample 1\ny = 0.4\n", problem=str(p))) == [("y", "right", "")]
    p.write_text(json.dumps({**data, "answer_decimals": -1}))
    _refused(_run(tmp_path, "y = 1\n", problem=str(p)), "answer_decimals: expected a whole number from 0 to 15")


def test_numbers_students_may_write_are_read(tmp_path):
    text = "# sample 1\ny = 0.9999999999999999999999999999999\ndL/dw11 = 1e-50\nw31 = −0.935\nw41 = ٠٫٥٦٥\n"
    result = _run(tmp_path, text.replace("٠٫٥٦٥", "٠.٥٦٥"))  # Arabic-Indic digits: read as 0.565
    assert _items(result) == [("y", "wrong", "slip"), ("w31 after", "wrong", "slip"), ("w41 after", "right", ""), ("∂L/∂w11", "wrong", "slip")]


@pytest.mark.parametrize(
    "text, pieces",
    [
        ("y = 0e999", ("line 2:", "out of range")),
        ("y = 0e-999999999", ("line 2:", "out of range")),
        ("y = ∞", ("line 2:", "expected a finite number, got ∞")),
        ("y = -inf", ("line 2:", "expected a finite number")),
        ("w31 = 1,000.5", ("line 2:", "thousands separators are not read: write 1000.5")),
        ("w31 = 0,935", ("line 2:", "write the decimal point as '.'")),
        ("y = 0." + "3" * 5000, ("line 2:", "at most 200 are read")),
        ("y = 0." + "3" * 150, ("line 2:", "at most 100 significant digits")),
    ],
)
def test_numbers_refused_in_one_line(tmp_path, text, pieces):
    _refused(_run(tmp_path, f"# sample 1\n{text}\n"), *pieces)


def test_huge_sample_numbers_are_refused(tmp_path):
    digits = "1" * 5000
    _refused(_run(tmp_path, f"# sample {digits}\ny = 0.354\n"), "line 1:", "5,000-digit number is no sample")
    _refused(_run(tmp_path, f"sample,name,value\n{digits},y,0.354\n", name="a.csv"), "line 2, sample:", "5,000-digit")
    _refused(_run(tmp_path, json.dumps({"samples": [{"sample": 1}]}).replace("1", digits), name="a.json"), "more than 4300 digits")
    _refused(_run(tmp_path, '{"samples": [{"sample": 1, "forward": {"y": 1e999}}]}', name="a.json"), "samples[0].forward.y", "out of range")


def test_a_carried_gradient_of_1e308_on_a_2_2_2_net(tmp_path):
    problem = {
        "network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.15, "w21": 0.2, "b1": 0.35, "w12": 0.25, "w22": 0.3, "b2": 0.35, "w31": 0.4, "w41": 0.45, "b3": 0.6, "w32": 0.5, "w42": 0.55, "b4": 0.6},
        "samples": [{"f1": 0.05, "f2": 0.1, "t1": 0.01, "t2": 0.99}, {"f1": 0.05, "f2": 0.1, "t1": 0.01, "t2": 0.99}],
    }
    p = tmp_path / "p.json"
    p.write_text(json.dumps(problem))
    result = _run(tmp_path, "# sample 1\ndL/dw31 = 1e308\ndL/dw11 = 1e308\n# sample 2\ny1 = 0.5\ndL/dw11 = 0.1\n", problem=str(p))
    got = _items(result)
    assert got[0] == ("∂L/∂w31", "wrong", "slip") and got[1] == ("∂L/∂w11", "wrong", "slip")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_answers_file_linked_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    result = CliRunner().invoke(main, ["check", Q3, str(link)])
    _refused(result, "zero.txt", "larger than 16 MiB")
