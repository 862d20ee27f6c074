"""Rich's simple-box table and grid laid out by hand for plain text: the lines rich prints, for thousands of rows.

`bpcalc check` prints its plain report (a pipe, NO_COLOR) with these. Rich measures and renders every
cell through its segment machinery, which costs more than the check itself for a 10-80-2 network's
2,249 values; this module computes the same layout directly: rich's column widths (widest columns
narrowed first, down to the next widest), its word division (a word too long for its column is
folded, never cut) and its justification, with the box's dividers and rule (ASCII ones where the
encoding lacks the box characters). Texts are cleaned by the console's cleaner (bpcalc.output)
before they are measured, so escaped or ASCII-spelled text is laid out at the width it prints at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from rich.cells import cell_len as _rich_cell_len, chop_cells, set_cell_size
from rich.segment import Segment

_WORD = re.compile(r"\s*\S+\s*")  # rich's "word": the word, its leading and its trailing whitespace
_TRAILING = re.compile(r"\s+$")


def cell_len(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide characters two, combining marks none)."""
    return len(text) if text.isascii() else _rich_cell_len(text)


def text_width(text: str) -> int:
    """The width of ``text``'s widest line."""
    return max(map(cell_len, text.split("\n"))) if "\n" in text else cell_len(text)


@dataclass(frozen=True)
class Column:
    """A column: its header (a boxed table's), how its cells are justified, and whether they may wrap."""

    header: str = ""
    justify: str = "left"  # "left" | "right"
    no_wrap: bool = False


@dataclass
class PlainGrid:
    """A table as rich lays out ``Table(box=box.SIMPLE, show_edge=False, pad_edge=False)`` (``boxed``: a header, its
    rule, columns a space, a divider and a space apart) or ``Table.grid(padding=(0, 1))`` (not ``boxed``: no header,
    columns one space apart), every column ``overflow="fold"``. A renderable: the width is the console's."""

    columns: list[Column]
    boxed: bool = True
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Segment]:
        clean = getattr(console, "clean_text", None)  # bpcalc.output's SafeConsole: escapes, and ASCII for a limited encoding
        yield Segment("\n".join(self.lines(options.max_width, clean, options.ascii_only)) + "\n")

    def lines(self, width: int, clean: Callable[[str], str] | None = None, ascii_only: bool = False) -> list[str]:
        """The table's lines at ``width`` columns, without trailing spaces (``clean``: applied to every text first)."""
        n = len(self.columns)
        headers = [tuple(c.header for c in self.columns)] if self.boxed else []
        table = _cleaned(headers + self.rows, clean)
        pads = [_pads(i, n, self.boxed) for i in range(n)]
        longest = [max(map(text_width, column)) for column in zip(*table)] if table else [0] * n
        widths = column_widths(longest, [left + right for left, right in pads], [not c.no_wrap for c in self.columns], width - (n - 1 if self.boxed else 0))
        divider = ("|" if ascii_only else " ") if self.boxed else ""
        layout = _Layout(widths, pads, [c.justify == "right" for c in self.columns], [c.no_wrap for c in self.columns], divider)
        out: list[str] = []
        if headers:
            out.extend(layout.row(table[0], bottom=True))
            out.append(("+" if ascii_only else "─").join(("-" if ascii_only else "─") * w for w in widths))
        for r in table[len(headers) :]:
            out.extend(layout.row(r))
        return out


def _cleaned(table: list[tuple[str, ...]], clean: Callable[[str], str] | None) -> list[tuple[str, ...]]:
    """Every text through ``clean``: in one call when no text holds a newline (the cleaner keeps newlines as they are)."""
    flat = [c for r in table for c in r]
    if clean is None or not flat:
        return table
    joined = "\n".join(flat)
    done = clean(joined).split("\n") if joined.count("\n") == len(flat) - 1 else [clean(c) for c in flat]
    out, i = [], 0
    for r in table:
        out.append(tuple(done[i : i + len(r)]))
        i += len(r)
    return out


def _pads(i: int, n: int, boxed: bool) -> tuple[int, int]:
    """(left, right) padding of column ``i``: rich's (0, 1) padding without the table's edges; a grid's collapsed to the right."""
    if boxed:
        return (0 if i == 0 else 1, 0 if i == n - 1 else 1)
    return (0, 0 if i == n - 1 else 1)


def _measure(longest: int, pad: int, width: int) -> int:
    """The widest a column is at ``width`` (its cells' padding included), as rich measures a padded text."""
    if width < 1:
        return 0
    if width - pad < 1:
        return width
    return min(min(longest, width) + pad, width)


def column_widths(longest: list[int], pads: list[int], wrapable: list[bool], width: int) -> list[int]:
    """Each column's width with its padding (rich's ``Table._calculate_column_widths`` for a table that does not expand)."""
    widths = [_measure(m, p, width) or 1 for m, p in zip(longest, pads)]
    if sum(widths) > width:
        widths = _collapse(widths, wrapable, width)
        if sum(widths) > width:  # the last resort: every column narrowed evenly
            widths = _ratio_reduce(sum(widths) - width, [1] * len(widths), widths, widths)
        widths = [_measure(m, p, w) for m, p, w in zip(longest, pads, widths)]
    return widths


def _collapse(widths: list[int], wrapable: list[bool], width: int) -> list[int]:
    """The widest wrapable columns narrowed together, down to the next widest, until the table fits (rich's order)."""
    excess = sum(widths) - width
    if not any(wrapable):
        return widths
    while sum(widths) and excess > 0:
        widest = max(w for w, ok in zip(widths, wrapable) if ok)
        second = max(w if ok and w != widest else 0 for w, ok in zip(widths, wrapable))
        ratios = [1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable)]
        if not any(ratios) or not widest - second:
            break
        widths = _ratio_reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
        excess = sum(widths) - width
    return widths


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """``total`` taken from ``values`` in proportion to ``ratios``, at most ``maximums`` each (rich's rounding)."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            taken = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            out.append(value)
    return out


@dataclass(frozen=True)
class _Layout:
    """Each column's width (padding included), padding, justification and wrapping, and what stands between columns."""

    widths: list[int]
    pads: list[tuple[int, int]]
    right: list[bool]
    no_wrap: list[bool]
    divider: str

    def row(self, cells: tuple[str, ...] | list[str], bottom: bool = False) -> list[str]:
        """One row's lines: each cell wrapped in its column, the row as tall as its tallest cell (a header's cells at
        its bottom, others at its top)."""
        blocks = []
        for text, w, (left, right), rjust, no_wrap in zip(cells, self.widths, self.pads, self.right, self.no_wrap):
            inner = w - left - right
            lines = cell_lines(text, inner, rjust, no_wrap)
            blocks.append([" " * left + line + " " * right for line in lines])
        height = max(map(len, blocks))
        if height == 1:
            return [self.divider.join(b[0] for b in blocks).rstrip(" ")]
        blocks = [[" " * w] * (height - len(b)) + b if bottom else b + [" " * w] * (height - len(b)) for b, w in zip(blocks, self.widths)]
        return [self.divider.join(line).rstrip(" ") for line in zip(*blocks)]


def cell_lines(text: str, width: int, right: bool = False, no_wrap: bool = False) -> list[str]:
    """``text`` in a cell ``width`` wide, each line padded to it: rich's ``Text.wrap`` with fold overflow, left or
    right justified; a newline starts a new line."""
    if "\n" in text:
        return [line for part in text.split("\n") for line in cell_lines(part, width, right, no_wrap)]
    size = cell_len(text)
    if size <= width or width < 1:  # the common case: one line
        if right:
            text = text.rstrip()
            return [" " * (width - cell_len(text)) + text]
        return [text + " " * (width - size)]
    pieces = [text] if no_wrap else _divide(text, width)
    out = []
    for piece in pieces:
        if len(piece) > width:  # whitespace past the width goes
            space = _TRAILING.search(piece)
            if space is not None:
                piece = piece[: len(piece) - min(len(space.group(0)), len(piece) - width)]
        if right:
            piece = piece.rstrip()
        n = cell_len(piece)
        if n > width:
            piece = set_cell_size(piece, width)
            n = cell_len(piece)
        out.append(" " * (width - n) + piece if right else piece + " " * (width - n))
    return out


def _divide(text: str, width: int) -> list[str]:
    """``text`` cut into lines at most ``width`` wide, as rich's ``divide_line`` with fold: at the start of a word
    that does not fit, and a word wider than a line folded across lines."""
    breaks: list[int] = []
    offset = 0
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group(0)
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            folded = chop_cells(word, width)
            for k, piece in enumerate(folded):
                if start:
                    breaks.append(start)
                if k == len(folded) - 1:
                    offset = cell_len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    bounds = [0, *breaks, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]
