"""The gradebook: one row per answers file (CSV for spreadsheets, a table for people, a dict for JSON).

CSV cells hold file text (names, diagnoses): control characters are shown escaped, and a cell that
a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a CR) is written as text
with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, Iterator

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpcalc.classroom.grade import Mark, mark_step
from bpcalc.classroom.marking import Marked
from bpcalc.escape import one_line
from bpcalc.render.plaingrid import Column, PlainGrid

HEADER = ("name", "variant", "score", "points", "max_points", "right", "follows", "wrong", "missing", "no_credit", "first_mistake", "diagnosis")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """File text made safe for a spreadsheet cell (see the module)."""
    safe = one_line(text)
    return "'" + safe if safe.startswith(FORMULA_START) else safe


def points_text(x: Decimal) -> str:
    q = x.quantize(Decimal("0.001")).normalize()
    return format(q, "f") if q != 0 else "0"


def row(m: Marked) -> list[Any]:
    if m.grade is None:
        return [cell(m.name), cell(m.variant), "", "", "", "", "", "", "", "", "", cell("bad input: " + m.error)]
    g = m.grade
    step, diagnosis = first_mistake_for(m)
    return [
        cell(m.name), cell(m.variant), f"{g.score:.3f}", points_text(g.earned), points_text(g.possible),
        g.count("right"), g.count("follows"), g.count("wrong"), g.count("missing"), g.no_credit, cell(step), cell(diagnosis),
    ]


def first_mistake_for(m: Marked) -> tuple[str, str]:
    assert m.grade is not None
    item = m.grade.report.first_mistake
    if item is not None:
        return item.step, f"{item.mistake_name}: {item.note}" if item.mistake_name else item.note
    nothing = [x for x in m.grade.marks if x.verdict in ("right", "follows") and x.points and not x.earned]
    if nothing and m.problem is not None:
        return mark_step(m.problem, nothing[0]), nothing[0].note
    missing = m.grade.missing
    if missing and m.problem is not None:
        return "", f"{len(missing)} missing, the first: {mark_step(m.problem, missing[0])}"
    return "", ""


def gradebook_csv(marked: list[Marked]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(row(m) for m in marked)
    return buf.getvalue()


WIDE = 100  # below this many columns the class is listed one file per block (no column is squeezed into "…")
COUNTS = ("score", "right", "follows", "wrong", "missing")
FIRST = "first mistake"
ClassRow = tuple[str, tuple[str, ...], str]  # a file's name, its counts as text, its first mistake (or input error)


def _class_rows(marked: list[Marked]) -> list[ClassRow]:
    """(file, the counts as text, the first mistake or the input error) per file, escaped for the terminal."""
    out = []
    for m in marked:
        name = one_line(m.name) + (f" ({one_line(m.variant)})" if m.variant else "")
        if m.grade is None:
            out.append((name, ("",) * len(COUNTS), "bad input: " + one_line(m.error)))
            continue
        g = m.grade
        step, _ = first_mistake_for(m)
        counts = (f"{g.score:.3f}", *(str(g.count(k)) for k in COUNTS[1:]))
        out.append((name, counts, one_line(step)))
    return out


class ClassTable:
    """The class's marks: a table where it fits, else one block per file; a value is never cut. Plain text is laid
    out by bpcalc.render.plaingrid: the lines rich prints (rich lays out a class of a hundred files slowly)."""

    def __init__(self, marked: list[Marked], plain: bool) -> None:
        self.rows = _class_rows(marked)
        self.plain = plain

    def __rich_console__(self, console: Any, options: Any) -> Any:
        wide = options.max_width >= WIDE
        if self.plain and not wide:
            yield _plain_blocks(self.rows)
        elif self.plain and by_hand(self.rows, options.max_width):
            yield _plain_table(self.rows)
        else:
            yield from (rich_table(self.rows, self.plain) if wide else rich_blocks(self.rows, self.plain))



def rich_table(rows: list[ClassRow], plain: bool) -> list[RenderableType]:
    """The class as one table (rich's layout; the oracle of the plain one)."""
    t = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="" if plain else "bold cyan")
    t.add_column("file", overflow="fold")
    for name in COUNTS:
        t.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    t.add_column(FIRST, ratio=1, min_width=len(FIRST), overflow="fold")
    for name, counts, first in rows:
        t.add_row(name, *counts, first)
    return [t]


def _blocks(rows: list[ClassRow]) -> Iterator[tuple[str, bool]]:
    """Each file's lines, narrow: (text, is the file's name)."""
    for name, counts, first in rows:
        yield name, True
        if any(counts):
            yield "  " + " · ".join(f"{k} {v}" for k, v in zip(COUNTS, counts)), False
        if first:
            yield ("  first mistake: " if any(counts) else "  ") + first, False


def rich_blocks(rows: list[ClassRow], plain: bool) -> list[RenderableType]:
    """The class one block per file (rich's layout; the oracle of the plain one)."""
    return [Text(text, style="bold" if title and not plain else "", overflow="fold") for text, title in _blocks(rows)]


def by_hand(rows: list[ClassRow], width: int) -> bool:
    """Does the hand layout give rich's lines at ``width``? Always, unless the counts leave the file and first-mistake
    columns under twice the first mistake's least width (rich would then widen that column past ``width``)."""
    counts = sum(max([len(name), *(len(c[i]) for _, c, _ in rows)]) + 2 for i, name in enumerate(COUNTS))
    return width - len(COUNTS) - 1 - counts >= 2 * (len(FIRST) + 1)


def _plain_table(rows: list[ClassRow]) -> PlainGrid:
    columns = [Column("file"), *(Column(name, "right", no_wrap=True) for name in COUNTS), Column(FIRST)]
    return PlainGrid(columns, rows=[(name, *counts, first) for name, counts, first in rows])


def _plain_blocks(rows: list[ClassRow]) -> PlainGrid:
    return PlainGrid([Column()], boxed=False, rows=[(text,) for text, _ in _blocks(rows)])


def render_class(marked: list[Marked], plain: bool = False) -> RenderableType:
    graded = [m.grade for m in marked if m.grade is not None]
    clean = sum(1 for g in graded if g.clean)
    mean = sum(g.score for g in graded) / len(graded) if graded else 0.0
    bad = len(marked) - len(graded)
    summary = f"marked {len(graded)} file{'s' if len(graded) != 1 else ''}: {clean} clean, {len(graded) - clean} with a value wrong or missing · mean score {mean:.3f}"
    if bad:
        summary += f" · {bad} not marked (bad input)"
    return Group(ClassTable(marked, plain), Text(summary, style="" if plain else "bold"))


def grade_dict(m: Marked) -> dict[str, Any]:
    from bpcalc.render.check import check_dict

    if m.grade is None:
        return {"name": m.name, "variant": m.variant, "error": m.error}
    g = m.grade
    return {
        "name": m.name,
        "variant": m.variant,
        "score": g.score,
        "points": float(g.earned),
        "max_points": float(g.possible),
        "right": g.count("right"),
        "follows": g.count("follows"),
        "wrong": g.count("wrong"),
        "missing": [{"epoch": x.epoch, "sample": x.sample, "kind": x.key.kind, "name": x.key.name} for x in g.missing],
        "no_credit": [_noted(x) for x in g.marks if x.verdict in ("right", "follows") and x.points and not x.earned],
        "reduced": [_noted(x) for x in g.marks if x.note and 0 < x.earned < x.points],
        "report": check_dict(g.report),
    }


def _noted(x: Mark) -> dict[str, Any]:
    return {"epoch": x.epoch, "sample": x.sample, "kind": x.key.kind, "name": x.key.name, "note": x.note}
