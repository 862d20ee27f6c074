"""check's plain report is laid out by hand (bpcalc.render.plaingrid): the lines rich prints, at any width, in any encoding."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bpcalc.cli import main
from bpcalc.render.plaingrid import Column, PlainGrid

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
SHEET = str(ROOT / "samples" / "q3-sheet-answers.json")


def rich_lines(columns: list[Column], rows: list[tuple[str, ...]], width: int, boxed: bool, ascii_only: bool = False) -> list[str]:
    """The oracle: the same table printed by rich itself (what the plain report was before it was laid out by hand)."""

    class Buffer(io.StringIO):
        encoding = "ascii" if ascii_only else "utf-8"  # type: ignore[assignment]

    console = Console(file=Buffer(), width=width, color_system=None, no_color=True, markup=False, emoji=False, highlight=False, legacy_windows=False)
    if boxed:
        t = Table(box=box.SIMPLE, header_style="", show_edge=False, pad_edge=False)
        for c in columns:
            t.add_column(c.header, justify=c.justify, overflow="fold", no_wrap=c.no_wrap)  # type: ignore[arg-type]
    else:
        t = Table.grid(padding=(0, 1))
        for c in columns:
            t.add_column(no_wrap=c.no_wrap, overflow="fold", ratio=None if c.no_wrap else 1)
    for r in rows:
        t.add_row(*map(Text, r))
    console.print(t)
    return [line.rstrip(" ") for line in console.file.getvalue().split("\n")[:-1]]  # type: ignore[attr-defined]


SYMBOLS = "abcdefghij0123456789-+.βα∂✓↪"
WIDE = "漢字ｱé"


def _text(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3, 6, 15])):
        pool = SYMBOLS + (WIDE if rng.random() < 0.1 else "")
        words.append("".join(rng.choice(pool) for _ in range(rng.choice([1, 2, 3, 5, 8, 12, 20, 30]))))
        words.append(rng.choice([" "] * 12 + ["  ", "\u00a0"]))
    text = "".join(words)
    text = text.rstrip(" ") if rng.random() < 0.7 else text
    return " " + text if rng.random() < 0.05 else text


@pytest.mark.parametrize("seed", range(4))
def test_lines_are_the_ones_rich_prints(seed):
    """Random cells (long words folded, runs of spaces, wide characters, trailing spaces), narrow and wide, tables
    and grids, both box styles: byte for byte what rich's Table prints."""
    rng = random.Random(seed)
    for _ in range(150):
        boxed = rng.random() < 0.6
        if boxed:
            columns = [Column(rng.choice(["quantity", "yours", "expected", "verdict", "a", "a long header"]), rng.choice(["left", "right"])) for _ in range(rng.choice([2, 3, 4, 5]))]
            rows = [tuple(_text(rng) for _ in columns) for _ in range(rng.choice([1, 2, 5, 12]))]
        else:
            columns = [Column(no_wrap=True), Column()]
            rows = [(f"[{rng.randint(1, 2000)}]", _text(rng)) for _ in range(rng.choice([1, 2, 5, 12]))]
        width = rng.choice([20, 40, 41, 60, 80, 100, 120])
        ascii_only = rng.random() < 0.15 and all(c.isascii() for r in rows for c in r)
        want = rich_lines(columns, rows, width, boxed, ascii_only)
        assert PlainGrid(columns, boxed, list(rows)).lines(width, None, ascii_only) == want, (width, boxed, columns, rows)


def test_a_tiny_width_never_fails():
    grid = PlainGrid([Column("quantity"), Column("yours", "right")], rows=[("w11 after", "0.123456789")])
    for width in range(0, 12):
        assert isinstance(grid.lines(width), list)


def _report_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"(w\d\d|β\d) after ", line)]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_seed_sheet_plain_report_is_rich_simple_table(width):
    """The seed sheet's plain report: its sample 2 table and notes as rich lays out the same cells."""
    result = CliRunner().invoke(main, ["check", Q3, SHEET, "--format", "plain"], env={"COLUMNS": str(width), "NO_COLOR": None})
    assert result.exit_code == 1
    out = result.output
    lines = out.splitlines()
    start = lines.index("Sample 2: f1 = 25, f2 = 4, t = 0") + 1
    end = lines.index("", start)
    table = lines[start:end]
    assert table[0].split() == ["quantity", "yours", "expected", "verdict"]
    assert set(table[1]) == {"─"}
    # the cells, read back from the table (each row one line at these widths), printed again by rich
    cells = [tuple(re.split(r"\s{3,}", line.strip(), maxsplit=3)) for line in table[2:]]
    assert len(cells) == 13 and cells[0] == ("w31 after", "+0.989", "0.990", "✗ wrong [2]")
    columns = [Column("quantity"), Column("yours", "right"), Column("expected", "right"), Column("verdict")]
    assert table == rich_lines(columns, cells, width, boxed=True)
    notes_start = end + 1
    notes = lines[notes_start : lines.index("", notes_start)]
    numbered = " ".join(notes)
    assert notes[0].startswith("[2]  w31 after sample 2 — truncated instead of rounded")
    assert "[12] w23 after sample 2" in numbered
    assert all(len(line) <= width and line == line.rstrip() for line in out.splitlines())


def test_ascii_report_is_laid_out_at_the_width_it_prints_at():
    """In an encoding without the sheet's symbols the cells are spelled in ASCII before they are measured: a verdict
    ("-> follows through [11]", one character longer than "↪ follows through [11]") stays on one line."""
    result = CliRunner(charset="ascii").invoke(main, ["check", Q3, SHEET, "--format", "plain"], env={"COLUMNS": "80"})
    out = result.output
    assert "w13 after | -0.20003 | -0.20003 | -> follows through [11]" in out.splitlines()
    assert "quantity  |    yours | expected | verdict" in out.splitlines()
    assert "----------+----------+----------+" + "-" * 24 in out.splitlines()  # the divider and padding, then the verdict's 23
    assert out.isascii()


def test_cells_are_escaped_for_the_terminal_before_they_are_measured():
    from bpcalc.output import Target, render

    grid = PlainGrid([Column("quantity"), Column("yours", "right")], rows=[("w11\x1b[2J after", "0.5\u202e"), ("w12 after", "0.25")])
    out = render(grid, Target(False, 60, "utf-8", True, False), styled=False)
    assert "\x1b" not in out and "\u202e" not in out
    assert out.splitlines() == [  # the columns 16 and 9 wide: the escaped texts' widths
        "quantity" + " " * 15 + "yours",
        "─" * 28,
        "w11\\x1b[2J after   0.5\\u202e",
        "w12 after" + " " * 15 + "0.25",
    ]
