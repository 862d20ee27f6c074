"""The rich/plain text printer of a worksheet: Given block, then per sample forward, backward, gradients, update, parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from bpcalc.escape import one_line
from bpcalc.evaluate import Run
from bpcalc.network import Network
from bpcalc.render import expr
from bpcalc.render.numbers import given
from bpcalc.render.plaintable import PlainLines, PlainTable
from bpcalc.worksheet import Section, View, Worksheet, build


# --- the formulas the checker's corrected working quotes (bpcalc/check/explain.py) ---------------

def pre_formula(net: Network, layer: int, pos: int) -> str:
    from bpcalc.worksheet import pre_formula as tree

    return expr.text(tree(net, layer, pos), expr.const_text)


def act_formula(net: Network, layer: int, pos: int) -> str:
    from bpcalc.worksheet import act_formula as tree

    return expr.text(tree(net, layer, pos)[0], expr.const_text)


def loss_formula(net: Network) -> str:
    from bpcalc.worksheet import loss_formula as tree

    return expr.text(tree(net), expr.const_text)




# --- tables -------------------------------------------------------------------------------------

def _table(title: str, plain: bool, *columns: tuple[str, str]) -> Table | PlainTable:
    if plain:  # laid out by hand: rich's per-cell measuring is too slow for thousands of rows
        p = PlainTable(title)
        for name, justify in columns:
            p.add_column(name, justify)
        return p
    t = Table(
        title=Text(title) if title else None,
        title_justify="left",
        title_style="" if plain else "bold",
        box=box.SIMPLE if plain else box.ROUNDED,
        header_style="" if plain else "bold cyan",
        show_edge=not plain,
        pad_edge=not plain,
    )
    for name, justify in columns:
        # a word too long for its column folds onto the next line rather than lose digits to an ellipsis
        t.add_column(Text(name), justify=justify, overflow="fold")  # type: ignore[arg-type]
    return t


def _cells(*cells: str) -> list[Any]:
    """Table cells: Text objects, so that rich never reads markup in them."""
    return [Text(c) for c in cells]


def row_cells(plain: bool, *cells: str) -> list[Any]:
    """Cells for a table from ``_table``: plain tables take the strings as they are."""
    return list(cells) if plain else _cells(*cells)


class TextPrinter:
    """Walks a worksheet into one rich renderable; ``plain``: no styles, simple rules (pipes, NO_COLOR, goldens)."""

    def __init__(self, ws: Worksheet, plain: bool = False) -> None:
        self.ws = ws
        self.plain = plain
        self.nums = ws.numbers
        self.num = expr.number_text(ws.numbers)
        self.names = ws.notation
        self.chains: dict[int, str] = {}

    def e(self, x: Any) -> str:
        return expr.text(x, self.num, self.names) if x is not None else ""

    def closed(self, x: Any) -> list[str]:
        if not self.nums.exact:
            return []
        from bpcalc.render.sheet import sheet_str

        q = self.nums.closed(x)
        return [sheet_str(q) if q is not None else ""]

    def render(self) -> RenderableType:
        ws = self.ws
        parts: list[RenderableType] = [self.header(), Text(""), *self.given()]
        for s in ws.samples:
            parts.append(Text(""))
            givens = ", ".join(f"{self.names.text(n)} = {given(v)}" for n, v in s.givens)
            parts.append(self.text(f"{s.heading}: {givens}", bold=True))
            for sec in s.sections:
                parts.append(self.section(sec))
        return Group(*parts)

    def text(self, text: str, bold: bool = False) -> RenderableType:
        """A paragraph: wrapped by hand in plain text (no trailing spaces), a rich Text (never markup) otherwise."""
        if self.plain:
            return PlainLines(text)
        return Text(text, style="bold" if bold else "")

    def header(self) -> RenderableType:
        ws = self.ws
        bits = list(ws.summary)
        bits.insert(3, f"η = {given(ws.run.problem.learning_rate)}")
        m = ws.run.math
        if m.name == "rounded":
            bits.append(f"every step rounded to {m.decimals} decimals")
        if m.name == "exact":
            bits.append(f"exact arithmetic, {m.digits} significant digits")
        lines = [one_line(ws.title)] if ws.title else []
        lines.append(" · ".join(bits))
        return self.text("\n".join(lines))

    def given(self) -> list[RenderableType]:
        g = self.ws.given
        out: list[RenderableType] = [self.text(f"Given: η = {given(g.learning_rate)}", bold=True)]
        layers = tuple(tuple((self.names.text(n), given(v)) for n, v in layer) for layer in g.layers)
        out.append(ParameterRows("Initial parameters", layers, self.plain))
        rows = [f"sample {i}: " + ", ".join(f"{self.names.text(n)} = {given(v)}" for n, v in items) for i, items in g.samples]
        out.append(self.text("\n".join(rows)))
        return out

    def section(self, sec: Section) -> RenderableType:
        if sec.kind in ("forward", "backward"):
            return self.steps(sec)
        if sec.kind == "gradients":
            return self.gradients(sec)
        if sec.kind == "updates":
            return self.updates(sec)
        if sec.kind == "epoch":
            return self.epoch(sec)
        layers = tuple(tuple((self.names.text(n), self.nums.text(v)) for n, v in layer) for layer in sec.layers)
        most = 10 if not self.nums.exact else max(2, 90 // (self.nums.math.digits + 9))
        return ParameterRows(sec.title, layers, self.plain, most)

    def cells(self, *cells: str) -> list[Any]:
        return row_cells(self.plain, *cells)

    def steps(self, sec: Section) -> Table | PlainTable:
        cols = [("quantity", "left"), ("formula", "left"), ("substituted", "left"), ("value", "right")]
        t = _table(sec.title, self.plain, *cols, *([("closed form", "left")] if self.nums.exact else []))
        for st in sec.steps:
            t.add_row(*self.cells(self.names.text(st.target), self.e(st.formula), self.e(st.substituted), self.nums.text(st.value), *self.closed(st.value)))
        return t

    def gradients(self, sec: Section) -> Table | PlainTable:
        cols = [("parameter", "left"), ("chain", "left"), ("factors", "left"), ("dL/dparam", "right")]
        t = _table(sec.title, self.plain, *cols, *([("closed form", "left")] if self.nums.exact else []))
        for st in sec.steps:
            key = id(st.formula)  # one formula object per parameter and network: written once, whatever the samples
            if key not in self.chains:
                self.chains[key] = " · ".join(self.names.text(f.name) for f in st.formula.factors) if hasattr(st.formula, "factors") else self.e(st.formula)
            chain = self.chains[key]
            t.add_row(*self.cells(self.names.text(st.target.parts[1]), chain, self.e(st.substituted), self.nums.text(st.value), *self.closed(st.value)))
        return t

    def updates(self, sec: Section) -> RenderableType:
        if sec.rule is not None or sec.objective is not None:
            return self.rule_updates(sec)
        pr = self.ws.run.problem
        lr = given(pr.learning_rate)
        if pr.update == "batch":
            title, gname = f"{sec.title}: p - η·mean(dL/dp), η = {lr}", "mean dL/dp"
        else:
            title, gname = f"{sec.title}: p - η·dL/dp, η = {lr}", "dL/dp"
        t = _table(title, self.plain, ("parameter", "left"), ("old", "right"), (gname, "right"), ("η·grad", "right"), ("new", "right"))
        n = self.nums.text
        for u in sec.updates:
            t.add_row(*self.cells(self.names.text(u.name), n(u.old), n(u.gradient), n(u.step), n(u.new) + (" (frozen)" if u.frozen else "")))
        return t


    def rule_updates(self, sec: Section) -> RenderableType:
        """An update by momentum or Adam, or with weight decay: the rule's state per parameter, its working, the objective."""
        from bpcalc.render.updates import cells, layout, objective_text, working_label

        lay = layout(self.ws, sec)
        n = self.nums.text
        heads = [c for c, _ in lay.columns]
        rows = []
        for u in sec.updates:
            values = [n(v) if v is not None else "" for v in cells(u, lay, sec.rule)]
            values[-1] += " (frozen)" if u.frozen else ""
            rows.append([self.names.text(u.name), *values])
        # more than 8 columns do not fit 80 characters: the gradient in one table, the rule's state and step in a second
        split = len(heads) if len(heads) <= 8 else len(heads) - len(sec.rule.columns) - 2
        parts: list[RenderableType] = []
        for i, (lo, hi) in enumerate(((0, split), (split, len(heads)))):
            if lo == hi:
                continue
            t = _table(f"{sec.title}: {lay.rule[0]}" if i == 0 else "", self.plain, ("parameter", "left"), *[(c, "right") for c in heads[lo:hi]])
            for row in rows:
                t.add_row(*self.cells(row[0], *row[1 + lo : 1 + hi]))
            parts.append(t)
        lines = []
        for u in sec.updates:
            for what, formula, value in u.working:
                lines.append(f"{working_label(sec.rule, what, self.names.text(u.name))} = {self.e(formula)} = {n(value)}")
        if lines:
            parts.append(self.text("\n".join(lines)))
        if sec.objective is not None:
            parts.append(self.text(objective_text(self.ws, sec, n)))
        return Group(*parts)

    def epoch(self, sec: Section) -> RenderableType:
        e = sec.total
        return self.text(f"{sec.title}: loss sum = {self.nums.text(e.loss_sum)}, loss mean = {self.nums.text(e.loss_mean)}")


@dataclass(frozen=True)
class ParameterRows:
    """The sheet's 'Post Sample' layout: per layer a row of names over a row of values.

    A renderable: the rows are split into tables that fit the console's width when printed (and
    hold at most ``most`` columns), so no value is ever cut to an ellipsis on a narrow terminal.
    """

    title: str
    layers: tuple[tuple[tuple[str, str], ...], ...]  # per layer: (display name, value text)
    plain: bool
    most: int = 10

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title = self.title
        for columns in self.layers:
            for chunk in fit(columns, options.max_width, self.most):
                t = _table(title, self.plain, *[(name, "right") for name, _ in chunk])
                t.add_row(*_cells(*[value for _, value in chunk]))
                title = ""
                yield t


def fit(columns: tuple[tuple[str, str], ...], width: int, most: int) -> list[list[tuple[str, str]]]:
    """Consecutive columns in as few groups as fit ``width`` characters (borders and padding included), evened out."""

    def cost(chunk: list[tuple[str, str]]) -> int:
        return 1 + sum(max(len(name), len(value)) + 3 for name, value in chunk)

    greedy: list[list[tuple[str, str]]] = [[]]
    for col in columns:
        if greedy[-1] and (cost(greedy[-1] + [col]) > width or len(greedy[-1]) >= most):
            greedy.append([])
        greedy[-1].append(col)
    k = len(greedy)
    size = -(-len(columns) // k)  # the same number of columns in each group, the last one short
    even = [list(columns[i : i + size]) for i in range(0, len(columns), size)]
    if len(even) == k and all(cost(c) <= width and len(c) <= most for c in even):
        return even
    return greedy


def run_rich(run: Run, view: View, options: Any = None) -> RenderableType:
    """The `run --format rich` printer."""
    return TextPrinter(build(run, view), plain=False).render()


def run_plain(run: Run, view: View, options: Any = None) -> RenderableType:
    """The `run --format plain` printer."""
    return TextPrinter(build(run, view), plain=True).render()
