"""Render a check report (`bpcalc check`): a table per sample and a summary line, or a dict for JSON."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any, Iterator

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpcalc.check.model import Item, Report
from bpcalc.check.tolerance import at_digits
from bpcalc.escape import one_line
from bpcalc.problem import Problem
from bpcalc.render.json import finite
from bpcalc.render.numbers import given
from bpcalc.render.plaingrid import Column, PlainGrid

VERDICT_TEXT = {"right": "✓ right", "follows": "↪ follows through", "wrong": "✗ wrong"}
VERDICT_STYLE = {"right": "green", "follows": "yellow", "wrong": "bold red"}


def expected_text(item: Item) -> str:
    """The expected value written to the student's own digits."""
    try:
        d = at_digits(item.expected, item.given)
    except (ArithmeticError, ValueError):
        return "?"
    return str(abs(d) if d == 0 else d) if abs(d) < Decimal("1e15") else f"{item.expected:g}"


def summary_text(report: Report) -> str:
    s = report.summary
    out = f"checked {s.checked}: {s.right} right, {s.follows} followed through, {s.wrong} wrong · score {s.score:.3f}"
    first = report.first_mistake
    if first is not None:
        out += f" · first mistake: {first.step}"
    return out


def _heading(problem: Problem, epoch: int, sample: int) -> str:
    s = problem.samples[sample - 1]
    values = ", ".join(f"{k} = {given(v)}" for k, v in {**s.inputs, **s.targets}.items())
    where = f"Epoch {epoch}, sample {sample}" if problem.epochs > 1 else f"Sample {sample}"
    return f"{where}: {values}"


def note_text(item: Item) -> str:
    """What the marker writes under the table for one value: its step, the mistake's name, the working."""
    if item.verdict == "wrong":
        return item.diagnosis
    return f"{item.step}: {item.note}"


def render_check(report: Report, problem: Problem, plain: bool = False) -> RenderableType:
    """Everything `bpcalc check` shows, as one rich renderable.

    Per sample a narrow table (quantity, yours, expected, verdict) that fits 60 columns, each value
    whole (long ones fold, none is cut), and under it the notes it refers to by number ([1], [2]):
    the diagnoses with their corrected working, folded to the width. Text from files is escaped and
    never read as rich markup. ``plain``: rich's simple-box layout, computed by bpcalc.render.plaingrid
    (rich's own Table takes longer than the check for a network's thousands of values).
    """
    from bpcalc.notation_check import label, respell  # names in the problem's notation

    mode = "error carried forward" if report.carry else "no error carried forward"
    head = [one_line(problem.title)] if problem.title else []
    head.append(f"Checking {one_line(report.answers_source)} against {one_line(report.problem_source)}")
    head.append(f"{mode} · tolerance {report.tolerance}")
    parts: list[RenderableType] = [Text("\n".join(head))]
    groups: dict[tuple[int, int], list[Item]] = {}
    for item in report.items:
        groups.setdefault((item.epoch, item.sample), []).append(item)
    count = 0
    for (epoch, sample), items in groups.items():
        parts.append(Text(""))
        parts.append(Text(respell(_heading(problem, epoch, sample), problem), style="" if plain else "bold"))
        rows: list[tuple[str, str, str, str]] = []
        notes: list[tuple[str, str]] = []
        for item in items:
            verdict = VERDICT_TEXT[item.verdict]
            if item.note:
                count += 1
                verdict += f" [{count}]"
                notes.append((f"[{count}]", one_line(respell(note_text(item), problem))))
            rows.append((label(item.key, problem), one_line(item.given.text), expected_text(item), verdict))
        parts.append(_plain_table(rows) if plain else _rich_table(rows, items))
        if notes:
            parts += [Text(""), _plain_notes(notes) if plain else _rich_notes(notes)]
    parts.append(Text(""))
    parts.append(Text(respell(summary_text(report), problem), style="" if plain else "bold"))
    return Group(*parts)


COLUMNS = (("quantity", "left"), ("yours", "right"), ("expected", "right"), ("verdict", "left"))


def _plain_table(rows: list[tuple[str, str, str, str]]) -> PlainGrid:
    """The values' table as rich's simple box lays it out, laid out by hand (fast for thousands of values)."""
    return PlainGrid([Column(h, j) for h, j in COLUMNS], rows=list(rows))


def _rich_table(rows: list[tuple[str, str, str, str]], items: list[Item]) -> Table:
    t = Table(box=box.ROUNDED, header_style="bold cyan")
    for header, justify in COLUMNS:
        t.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for (quantity, yours, expected, verdict), item in zip(rows, items):
        t.add_row(Text(quantity), Text(yours), Text(expected), Text(verdict, style=VERDICT_STYLE[item.verdict]))
    return t


def _plain_notes(notes: list[tuple[str, str]]) -> PlainGrid:
    return PlainGrid([Column(no_wrap=True), Column()], boxed=False, rows=list(notes))


def _rich_notes(notes: list[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for number, note in notes:
        grid.add_row(Text(number), Text(note))
    return grid


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "epoch": item.epoch,
        "sample": item.sample,
        "name": item.key.name,
        "label": item.key.label(),
        "kind": item.key.kind,
        "step": item.step,
        "given": item.given.text,
        "place": item.given.place,
        "expected": finite(item.expected),
        "correct": finite(item.correct),
        "verdict": item.verdict,
        "diagnosis": item.diagnosis,
        "mistake": item.mistake,
        "mistake_name": item.mistake_name,
    }


def check_dict(report: Report) -> dict[str, Any]:
    return _report_dict(report, [item_dict(i) for i in report.items])


def _report_dict(report: Report, items: Any) -> dict[str, Any]:
    s = report.summary
    first = report.first_mistake
    return {
        "problem": report.problem_source,
        "answers": report.answers_source,
        "carry": report.carry,
        "tolerance": report.tolerance,
        "items": items,
        "summary": {"checked": s.checked, "right": s.right, "follows": s.follows, "wrong": s.wrong, "score": s.score},
        "first_mistake": item_dict(first) if first is not None else None,
    }


def check_json_stream(report: Report) -> Iterator[str]:
    """The `check --format json` text in pieces, item by item (no dict of every item kept): the same text as
    ``dumps(check_dict(report))``."""
    from bpcalc.render.json import dumps

    mark = "\u0000bpcalc-items\u0000"  # stands for the items while the rest is written
    whole = dumps(_report_dict(report, mark))
    cut = whole.index(json.dumps(mark))
    yield whole[:cut] + ("[]" if not report.items else "[\n")
    for i, item in enumerate(report.items):
        yield ("" if i == 0 else ",\n") + _flat(item_dict(item), "    ")
    if report.items:
        yield "\n  ]"
    yield whole[cut + len(json.dumps(mark)) :]


def _flat(d: dict[str, Any], pad: str) -> str:
    """``json.dumps(d, indent=2)`` of a dict of plain values as it sits ``pad`` deep (the encoder's own pieces, without
    its slow indenting pass), with the characters ``dumps`` escapes escaped."""
    from bpcalc.render.json import safe

    inner = pad + "  "
    return pad + safe("{\n" + ",\n".join(f"{inner}{_string(k)}: {_scalar(v)}" for k, v in d.items()) + f"\n{pad}}}")


_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # as json.dumps(ensure_ascii=False) writes a string


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return _string(v)  # type: ignore[no-any-return]
    if v is None or isinstance(v, bool):
        return {None: "null", True: "true", False: "false"}[v]
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float) and math.isfinite(v):
        return float.__repr__(v)
    return json.dumps(v, allow_nan=False)  # what json.dumps would say of anything else (a ValueError for NaN)
