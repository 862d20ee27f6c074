"""Render one parameter's derivation (`bpcalc derive`): tables for people, a dict for JSON."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpcalc.derive import DeriveResult
from bpcalc.network import pretty
from bpcalc.render.values import Numbers
from bpcalc.render.sheet import plain_str, product_latex, product_str, sheet_str


def chain_text(d: DeriveResult) -> str:
    p = pretty(d.param.param)
    return f"dL/d{p} = " + " · ".join(pretty(f.key) for f in d.param.factors)


def render_derivation(d: DeriveResult, precision: int = 3, plain: bool = False) -> RenderableType:
    net = d.network
    shape = "-".join(map(str, net.layers))
    head = f"{shape} network · activations {', '.join(net.activations)} · loss {net.loss_name}"
    if d.problem is not None and d.problem.title:
        head = d.problem.title + "\n" + head
    parts: list[RenderableType] = [Text(head), Text(""), Text(chain_text(d), style="" if plain else "bold")]
    t = Table(
        box=box.SIMPLE if plain else box.ROUNDED,
        header_style="" if plain else "bold cyan",
        show_edge=not plain,
        pad_edge=not plain,
    )
    for name in ("factor", "as the sheet writes it", "simplified"):
        t.add_column(name)
    for f in d.param.factors:
        t.add_row(pretty(f.key), sheet_str(f.sheet), sheet_str(f.simple))
    parts.append(t)
    p = pretty(d.param.param)
    parts.append(Text(f"dL/d{p} = {product_str(d.param.product, d.param.factors)}", style="" if plain else "bold"))
    if d.param.deltas:
        parts.append(Text("where (δ = dL/d(pre-activation), from the layer above)"))
        for name, expr in d.param.deltas:
            parts.append(Text(f"  {pretty(name)} = {sheet_str(expr)}"))
    if d.samples:
        parts.append(Text(""))
        names = list(d.samples[0]["values"])
        epochs = d.problem.epochs > 1 if d.problem is not None else False
        nums = Numbers(d.run.math, precision)
        labels = [f"{s['epoch']}.{s['sample']}" if epochs else str(s["sample"]) for s in d.raw]
        cells = [[nums.value(s["values"][n]) for n in names] + [nums.text(s["gradient"])] for s in d.raw]
        heads = [pretty(n) for n in names] + [f"dL/d{p}"]
        parts.append(ValuesTable(tuple(labels), tuple(heads), tuple(tuple(c) for c in cells), plain))
    return Group(*parts)


class ValuesTable:
    """The Values table: one row per sample when that fits the width, else one row per symbol (transposed),
    so no value is ever cut to an ellipsis."""

    def __init__(self, labels: tuple[str, ...], heads: tuple[str, ...], cells: tuple[tuple[str, ...], ...], plain: bool) -> None:
        self.labels, self.heads, self.cells, self.plain = labels, heads, cells, plain

    def _table(self, columns: list[str]) -> Table:
        t = Table(
            title=Text("Values"),
            title_justify="left",
            box=box.SIMPLE if self.plain else box.ROUNDED,
            header_style="" if self.plain else "bold cyan",
            show_edge=not self.plain,
            pad_edge=not self.plain,
        )
        for i, c in enumerate(columns):
            t.add_column(Text(c), justify="left" if i == 0 else "right", overflow="fold")
        return t

    def __rich_console__(self, console: Any, options: Any) -> Any:
        widths = [max(len(h), *(len(row[i]) for row in self.cells)) for i, h in enumerate(self.heads)]
        wide = max(len("sample"), *(len(x) for x in self.labels)) + sum(w + 3 for w in widths) + 4
        if wide <= options.max_width:
            t = self._table(["sample", *self.heads])
            for label, row in zip(self.labels, self.cells):
                t.add_row(*[Text(x) for x in (label, *row)])
            yield t
            return
        t = self._table(["quantity", *[f"sample {x}" for x in self.labels]])
        for i, h in enumerate(self.heads):
            t.add_row(*[Text(x) for x in (h, *(row[i] for row in self.cells))])
        yield t


def derive_dict(d: DeriveResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "param": d.param.param,
        "network": {"layers": list(d.network.layers), "activations": list(d.network.activations), "loss": d.network.loss_name},
        "factors": [f.key for f in d.param.factors],
        "factor_forms": [
            {"factor": f.key, "sheet": plain_str(f.sheet), "simplified": plain_str(f.simple)} for f in d.param.factors
        ],
        "expression": plain_str(d.param.product),
        "latex": product_latex(d.param.product, d.param.factors),
        "deltas": {name: plain_str(expr) for name, expr in d.param.deltas},
    }
    if d.problem is not None:
        out["samples"] = d.samples
    return out


def derive_rich(d: DeriveResult, precision: int = 3, options: Any = None) -> RenderableType:
    return render_derivation(d, precision, plain=False)


def derive_plain(d: DeriveResult, precision: int = 3, options: Any = None) -> RenderableType:
    return render_derivation(d, precision, plain=True)


def derive_json(d: DeriveResult, precision: int = 3, options: Any = None) -> str:
    from bpcalc.render.json import dumps

    return dumps(derive_dict(d))
