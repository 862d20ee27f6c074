"""The README's commands and shown output stay true: quick start, CI script, console examples."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, flags=re.S)


def test_first_lines_give_the_two_commands() -> None:
    install, tests = code_blocks("sh")[:2]
    assert install.strip().endswith("bpcalc run samples/q3.json")
    assert "pip install -e ." in install
    assert "pytest" in tests and "pip install -e '.[test]'" in tests
    # The two commands come before any other section.
    assert README.index(install) < README.index("\n## ")


def test_ci_runs_the_readme_test_command() -> None:
    tests = code_blocks("sh")[1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()


def test_quick_start_command_runs() -> None:
    """The main job of the first command, through the installed package (python -m bpcalc)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    out = subprocess.run(
        [sys.executable, "-m", "bpcalc", "run", "samples/q3.json"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "\x1b[" not in out.stdout
    assert "Sample 1: f1 = 100, f2 = 20, t = 1" in out.stdout
    assert "Sample 2: f1 = 25, f2 = 4, t = 0" in out.stdout


EXAMPLES = [b for b in code_blocks("console")]


@pytest.mark.parametrize("block", EXAMPLES, ids=[b.splitlines()[0] for b in EXAMPLES])
def test_console_examples(block: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    (tmp_path / "samples").symlink_to(ROOT / "samples")  # examples that write files (variants --out) write them here
    monkeypatch.chdir(tmp_path)
    lines = block.rstrip("\n").splitlines()
    assert lines[0].startswith("$ bpcalc ")
    args = shlex.split(lines[0][len("$ bpcalc "):])
    expected = lines[1:]
    result = CliRunner().invoke(main, args)
    # `check` exits 1 when the sheet it marks has mistakes, as the seed sheet does; `quality` when q3 fails a check
    assert result.exit_code == (1 if args[0] in ("check", "quality") else 0), result.output
    got = [line.rstrip() for line in result.output.rstrip("\n").splitlines()]
    if expected and expected[-1] == "...":
        assert got[: len(expected) - 1] == expected[:-1]
    else:
        assert got == expected
