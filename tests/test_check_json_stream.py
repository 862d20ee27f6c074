"""`check --format json` is written item by item: the same text as the whole report's JSON, each piece escaped as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.check import Report, check, parse_answers, read_answers
from bpcalc.cli import main
from bpcalc.problem import load_problem
from bpcalc.render.check import _flat, check_dict, check_json_stream
from bpcalc.render.json import dumps

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
SHEET = str(ROOT / "samples" / "q3-sheet-answers.json")


def _report(problem: str, answers: str) -> Report:
    pr = load_problem(problem)
    text, source = read_answers(answers)
    return check(pr, parse_answers(text, source, pr))


def test_stream_is_the_whole_reports_text():
    report = _report(Q3, SHEET)
    assert report.summary.wrong  # the seed sheet's mistakes: diagnoses with · and Greek letters in the items
    assert "".join(check_json_stream(report)) == dumps(check_dict(report))


def test_stream_of_no_items_and_of_unsafe_sources():
    report = _report(Q3, SHEET)
    odd = Report("p\u202e.json", "a\u2028b\x85.txt", False, "±0.01", report.items[:3])
    empty = Report("p.json", "a.json", True, "from the digits written", ())
    for r in (odd, empty):
        text = "".join(check_json_stream(r))
        assert text == dumps(check_dict(r))
        assert "\u202e" not in text and "\u2028" not in text and "\x85" not in text
    assert json.loads("".join(check_json_stream(empty)))["items"] == []


@pytest.mark.parametrize("pad", ["", "    "])
def test_flat_dict_is_json_dumps_indented(pad):
    d = {"s": 'q"\\\n\t\u00e9\u0001', "i": -3, "big": 10**20, "t": True, "f": False, "n": None, "x": 0.1, "e": 1e-300, "g": 1e16, "m": -2.5}
    assert _flat(d, pad) == pad + json.dumps(d, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)
    with pytest.raises(ValueError):
        _flat({"nan": float("nan")}, pad)


def test_cli_writes_the_stream(tmp_path):
    out = tmp_path / "marks.json"
    result = CliRunner().invoke(main, ["check", Q3, SHEET, "--format", "json", "-o", str(out)])
    assert result.exit_code == 1  # the seed sheet has mistakes
    assert out.read_text(encoding="utf-8") == dumps(check_dict(_report(Q3, SHEET)))
