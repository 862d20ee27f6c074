"""A blank answer (a whitespace-only JSON string, an empty CSV cell, 'w11 =' with nothing after it) is not answered, as
JSON null is: not marked, nothing carried from it, counted missing where a value is required.

The right values written come from tests/reference.py (the independent mpmath reference).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference as R
from bpcalc.cli import main

PROBLEM = {
    "network": {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"},
    "learning_rate": 0.5,
    "parameters": {"w11": -0.1, "w21": 0.05, "b1": 0, "w12": 0.1, "w22": -0.1, "b2": 0.2, "w31": 1, "w41": 0.5, "b3": 0},
    "samples": [{"f1": 1.0, "f2": 0.2, "t": 1}],
}


@pytest.fixture()
def problem(tmp_path: Path) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROBLEM))
    return path


def _y() -> str:
    return f"{float(R.train(PROBLEM)['samples'][0]['forward']['y']):.4f}"


def _check(problem: Path, text: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["check", str(problem), "-", "--format", "plain", "--width", "200", *args], input=text)


def _json_sheet(blank: Any) -> str:
    return json.dumps({
        "samples": [{"sample": 1, "forward": {"y": float(_y()), "H1": blank}, "loss": blank,
                     "gradients": {"w31": blank}, "parameters_after": {"w11": blank}}],
        "parameters_final": {"w41": blank},
    })


@pytest.mark.parametrize("blank", ["", " ", "\t \n", "\u00a0"])
def test_blank_json_strings_are_not_answered(problem: Path, blank: str) -> None:
    r = _check(problem, _json_sheet(blank))
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("checked 1: 1 right, 0 followed through, 0 wrong · score 1.000")
    assert r.output == _check(problem, _json_sheet(None)).output  # exactly as null


def test_blank_csv_cells_are_not_answered(problem: Path) -> None:
    text = f'sample,name,value\n1,y,{_y()}\n1,w11,\n1,w21,   \n1,b1,""\n1,loss," "\n'
    r = _check(problem, text)
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("checked 1: 1 right, 0 followed through, 0 wrong · score 1.000")


def test_blank_hand_values_are_not_answered(problem: Path) -> None:
    r = _check(problem, f"# sample 1\ny = {_y()}\nw11 =\ndL/dw31 =   \nH1 = , H2 = \n")
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("checked 1: 1 right, 0 followed through, 0 wrong · score 1.000")


@pytest.mark.parametrize("text", [
    '{"samples": [{"sample": 1, "forward": {"y": ""}}]}',
    "sample,name,value\n1,y,\n",
    "# sample 1\ny =\n",
])
def test_only_blanks_is_no_answers(problem: Path, text: str) -> None:
    r = _check(problem, text)
    assert r.exit_code == 2
    assert r.output.strip() == "bpcalc: <stdin>: no answers found to check"


def test_a_blank_still_needs_a_known_name(problem: Path) -> None:
    r = _check(problem, "sample,name,value\n1,w99,\n")
    assert r.exit_code == 2
    assert r.output.startswith('bpcalc: <stdin>: line 2, name: unknown name "w99"')


def test_a_blank_is_missing_where_required(problem: Path) -> None:
    blank = _check(problem, _json_sheet(""), "--require", "forward")
    assert blank.exit_code == 1, blank.output
    assert "missing 6: α_H1 in sample 1, α_H2 in sample 1, H1 in sample 1, H2 in sample 1" in blank.output  # H1 left blank
    assert blank.output == _check(problem, _json_sheet(None), "--require", "forward").output


def test_words_are_still_refused(problem: Path) -> None:
    r = _check(problem, '{"samples": [{"sample": 1, "forward": {"y": "n/a"}}]}')
    assert r.exit_code == 2
    assert r.output.strip() == 'bpcalc: <stdin>: samples[0].forward.y: expected a number, got "n/a"'
