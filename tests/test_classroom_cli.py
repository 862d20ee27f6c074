"""The class's marks as a terminal table: every value whole at 60, 80 and 120 columns."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
@pytest.mark.parametrize("width", [60, 80, 120])
def test_class_table_never_cuts_a_value(width: int) -> None:
    """The class's marks at any width: a table where it fits, else a block per file; no "…", no line too wide."""
    from click.testing import CliRunner

    from bpcalc.cli import main

    r = CliRunner().invoke(main, ["check", str(ROOT / "samples" / "q3.json"), str(ROOT / "samples" / "class"), "--width", str(width)])
    assert r.exit_code == 1, r.output
    lines = r.stdout.splitlines()
    assert "…" not in r.stdout and all(len(line) <= width for line in lines), r.stdout
    # the seed sheet's own first mistake (β4 after sample 1) and every count stand whole
    assert r.stdout.count("β4 after sample 1") == 2
    for word in ("score", "right", "follows", "wrong", "missing"):
        assert word in r.stdout
