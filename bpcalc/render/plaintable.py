"""Plain-text tables laid out by hand at print time: fast for thousands of rows, words wrapped, nothing ever cut.

The layout of rich's simple box (a title, the header, one rule, the rows; columns three spaces
apart), without rich's per-cell measuring, so a 10-80-2 network's run prints in a few times its
JSON's time. A renderable: the width is the console's, known only when it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from rich.segment import Segment

GAP = "   "


@dataclass
class PlainTable:
    title: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (header, "left" | "right")
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add_column(self, header: Any, justify: str = "left", **_: Any) -> None:
        self.columns.append((str(header), justify))

    def add_row(self, *cells: Any) -> None:
        self.rows.append(tuple(map(str, cells)))

    def lines(self, width: int) -> list[str]:
        widths = fit_widths([[h for h, _ in self.columns], *self.rows], width, len(GAP))
        justs = [j for _, j in self.columns]
        out = []
        total = sum(widths) + len(GAP) * (len(widths) - 1)
        if self.title:
            out.extend(wrap(self.title, max(width, 1)))
        out.extend(_row([h for h, _ in self.columns], widths, justs))
        out.append("─" * total)
        one_line = GAP.join(f"{{:{'>' if j == 'right' else '<'}{w}}}" for w, j in zip(widths, justs)).format
        for r in self.rows:
            if all(map(_fits, r, widths)):  # the common case: every cell on one line
                out.append(one_line(*r).rstrip())
            else:
                out.extend(_row(list(r), widths, justs))
        return out

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Segment]:
        table = self.cleaned(_cleaner(console))
        yield Segment("\n".join(table.lines(options.max_width)) + "\n")  # one segment: rich need not split it

    def cleaned(self, clean: Any) -> "PlainTable":
        """The table with every text passed through ``clean`` (the output edge's escaping and ASCII), before layout."""
        if clean is None:
            return self
        return PlainTable(clean(self.title), [(clean(h), j) for h, j in self.columns], [tuple(map(clean, r)) for r in self.rows])


def _cleaner(console: Any) -> Any:
    """The console's text cleaner (bpcalc.output's SafeConsole has one: escapes, and ASCII for a limited encoding)."""
    return getattr(console, "clean_text", None)


def _row(cells: list[str], widths: list[int], justs: list[str]) -> list[str]:
    wrapped = [wrap(c, w) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = []
        for cell, w, j in zip(wrapped, widths, justs):
            text = cell[i] if i < len(cell) else ""
            parts.append(text.rjust(w) if j == "right" else text.ljust(w))
        lines.append(GAP.join(parts).rstrip())
    return lines


def _fits(cell: str, width: int) -> bool:
    return len(cell) <= width


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at spaces; a word longer than the width is folded, never cut."""
    if len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def fit_widths(rows: list[Any], width: int, gap: int) -> list[int]:
    """Column widths: each column's widest cell, narrowed (widest first, down to its longest word, then below)
    until the table fits ``width``."""
    n = len(rows[0])
    widths = [max(map(len, column)) for column in zip(*rows)]
    excess = sum(widths) - (width - gap * (n - 1))
    if excess <= 0:
        return widths
    floor = [max(len(w) for cell in column for w in cell.split(" ")) for column in zip(*rows)]
    for limit in (floor, [1] * n):
        while excess > 0:
            slack = [widths[i] - limit[i] for i in range(n)]
            i = max(range(n), key=lambda k: (slack[k] > 0, widths[k]))
            if slack[i] <= 0:
                break
            others = sorted((widths[k] for k in range(n) if k != i), reverse=True)
            step = min(excess, slack[i], max(1, widths[i] - (others[0] if others else 0)))
            widths[i] -= step
            excess -= step
    return widths


@dataclass(frozen=True)
class PlainLines:
    """Lines of text wrapped at spaces to the console's width, without the trailing space rich leaves at a wrap."""

    text: str

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Segment]:
        clean = _cleaner(console)
        text = clean(self.text) if clean is not None else self.text
        lines = [piece.rstrip() for line in text.split("\n") for piece in wrap(line, max(options.max_width, 1))]
        yield Segment("\n".join(lines) + "\n")
