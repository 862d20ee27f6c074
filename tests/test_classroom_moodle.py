"""The Moodle XML quiz: the structure Moodle documents for a Cloze question, and blanks whose values are right
(the mpmath reference, and the seed sheet where it is right) with the checker's tolerance."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import reference
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = ROOT / "samples" / "q3.json"
BLANK = re.compile(r"<tr><td>([^<]*)</td><td>\{1:NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)\}</td></tr>")


def invoke(args: list[Any]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def questions(xml: str) -> list[ET.Element]:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    out = root.findall("question")
    for q in out:
        assert q.attrib == {"type": "cloze"}
        assert q.find("name/text") is not None and q.find("name/text").text
        qt = q.find("questiontext")
        assert qt is not None and qt.attrib == {"format": "html"} and qt.find("text") is not None
        assert q.find("generalfeedback/text") is not None
        assert float(q.find("penalty").text) > 0 and q.find("hidden").text == "0"
    assert xml.count("<![CDATA[") == len(out)
    return out


def label(kind: str, name: str) -> str:
    """The quantity's label as the question shows it (written here from the sheet's notation, not bpcalc's code)."""
    greek = re.sub(r"^b(\d)", r"β\1", name).replace("alpha_", "α_")
    return {"forward": greek, "loss": "L", "gradient": f"∂L/∂{greek}", "after": f"{greek} after"}[kind]


def expected(problem: dict[str, Any]) -> list[list[tuple[str, Any]]]:
    out = []
    for s in reference.train(problem)["samples"]:
        row = [(label("forward", k), v) for k, v in s["forward"].items()]
        row.append(("L", s["loss"]))
        row += [(label("gradient", k), v) for k, v in s["gradients"].items()]
        row += [(label("after", k), v) for k, v in s["parameters_after"].items()]
        out.append(row)
    return out


def blanks(q: ET.Element) -> list[list[tuple[str, float, float]]]:
    html = q.find("questiontext/text").text
    return [[(m.group(1), float(m.group(2)), float(m.group(3))) for m in BLANK.finditer(part)] for part in html.split("<h4>")[1:]]


def test_run_q3_as_a_cloze_question() -> None:
    r = invoke(["run", Q3, "--format", "moodle"])
    assert r.exit_code == 0, r.output
    (q,) = questions(r.output)
    assert q.find("name/text").text == "Q3: 2-3-1 network, tanh hidden, sigmoid output, cross-entropy"
    got = blanks(q)
    want = expected(json.loads(Q3.read_text()))
    assert [len(s) for s in got] == [35, 35]
    for g_row, w_row in zip(got, want):
        assert [g[0] for g in g_row] == [w[0] for w in w_row]
        for (name, value, tol), (_, ref) in zip(g_row, w_row):
            assert abs(value - float(ref)) <= 1e-8, name  # written to 9 decimals
            assert 0.0005 <= tol < 0.01, name  # half a unit of the third decimal, and the hand-rounding drift
    # the seed sheet's own right values are accepted: y = 0.354, w31 = 0.935, w41 = 0.565, w51 = 0.035 after sample 1
    first = {name: (value, tol) for name, value, tol in got[0]}
    for name, sheet in (("y", 0.354), ("w31 after", 0.935), ("w41 after", 0.565), ("w51 after", 0.035)):
        value, tol = first[name]
        assert abs(sheet - value) <= tol, name
    # and its wrong β4 = 0.646 (learning rate left out) is not
    value, tol = first["β4 after"]
    assert abs(0.646 - value) > tol


def test_variants_one_question_each(tmp_path: Path) -> None:
    r = invoke(["variants", Q3, "--count", "3", "--seed", "5", "--out", tmp_path, "--format", "moodle"])
    assert r.exit_code == 0, r.output
    qs = questions(r.output)
    assert [q.find("name/text").text for q in qs] == [f"Q3: 2-3-1 network, tanh hidden, sigmoid output, cross-entropy (variant v0{k})" for k in (1, 2, 3)]
    for k, q in enumerate(qs, 1):
        want = expected(json.loads((tmp_path / f"v0{k}.json").read_text()))
        for g_row, w_row in zip(blanks(q), want):
            assert len(g_row) == len(w_row) == 35
            assert all(abs(g[1] - float(w[1])) <= 1e-8 for g, w in zip(g_row, w_row))


def test_file_text_cannot_break_the_quiz(tmp_path: Path) -> None:
    p = json.loads(Q3.read_text())
    p["title"] = "<b>x</b> {1:NUMERICAL:=5:1} ]]> & \x1b[31mred \u202e"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(p))
    r = invoke(["run", path, "--format", "moodle"])
    assert r.exit_code == 0
    (q,) = questions(r.output)
    html = q.find("questiontext/text").text
    assert html.count("{1:NUMERICAL:") == 70  # the title opened no blank
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "&#123;1:NUMERICAL" in html
    assert "\x1b" not in r.output and "\u202e" not in r.output and "\\x1b[31m" in r.output


def test_moodle_refuses_hand_rounding() -> None:
    r = invoke(["run", Q3, "--format", "moodle", "--round-steps", "3"])
    assert r.exit_code == 2 and "--format moodle asks for the correct values" in r.stderr


def test_moodle_asks_for_some_tables_of_some_samples() -> None:
    r = invoke(["run", Q3, "--format", "moodle", "--show", "parameters", "--sample", "2"])
    assert r.exit_code == 0
    (q,) = questions(r.output)
    (row,) = blanks(q)
    assert q.find("questiontext/text").text.count("<h4>Sample 2:") == 1
    want = expected(json.loads(Q3.read_text()))[1][-13:]
    assert [b[0] for b in row] == [w[0] for w in want] and all(abs(b[1] - float(w[1])) <= 1e-8 for b, w in zip(row, want))
