"""check's terminal output: every line fits the width (60, 80, 120 columns), no value is cut, file text is escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
SHEET = str(ROOT / "samples" / "q3-sheet-answers.json")


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_seed_sheet_fits_every_width_without_cutting(width, fmt):
    result = CliRunner().invoke(main, ["check", Q3, SHEET, "--format", fmt], env={"COLUMNS": str(width), "NO_COLOR": None})
    assert result.exit_code == 1
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    assert "…" not in out
    for line in out.splitlines():
        assert len(line.rstrip()) <= width, line
    flat = " ".join(out.split())
    # the seed sheet's corrected working for β2 after sample 2 (its own factors), whole
    for piece in ("β4 after sample 1 — learning rate left out", "you wrote -0.0016", "0.0582·1", "(0.0184)"):
        assert piece in flat, piece


def test_file_text_is_escaped_and_never_markup(tmp_path):
    data = json.loads(Path(Q3).read_text())
    data["title"] = "[bold red]Q3[/bold red] \x1b]0;pwned\x07 \u202e"
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data))
    a = tmp_path / "[blink]a\x1b[2J.txt"
    a.write_text("# sample 1\nw31 = 0.935\n")
    result = CliRunner().invoke(main, ["check", str(p), str(a), "--format", "rich"], env={"COLUMNS": "100"})
    out = result.output
    assert "\x1b]0;" not in out and "\x07" not in out and "\u202e" not in out and "\x1b[2J" not in out
    assert "[bold red]Q3[/bold red]" in out
    assert "\\x1b]0;pwned\\x07 \\u202e" in out
    assert "[blink]a\\x1b[2J.txt" in out


@pytest.mark.parametrize(
    "key",
    ["y\nbpcalc: all answers right, score 1.000", "\u001b]0;title\u0007y", "y\u202e", "\u001b[8mhidden", "y\rbpcalc: ok"],
)
def test_answers_keys_never_forge_or_hide_error_lines(tmp_path, key):
    a = tmp_path / "a.json"
    a.write_text(json.dumps({"samples": [{"sample": 1, "forward": {key: "0.3"}}]}))
    result = CliRunner().invoke(main, ["check", Q3, str(a)])
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"bpcalc: {a}: samples[0].forward[")
    assert not any(c in line for c in "\x1b\x07\r\u202e")
