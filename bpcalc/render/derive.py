"""Render one parameter's derivation (`bpcalc derive`): tables for people, a dict for JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from bpcalc.derive import DeriveResult
from bpcalc.derivesheet import DerivationSheet, build
from bpcalc.escape import one_line
from bpcalc.render.sheet import chains_latex, chains_str, plain_str, sheet_str


def chain_text(sheet: DerivationSheet) -> str:
    """dL/dw11 = dL/dH1 · dH1/dα_H1 · dα_H1/dw11; a shared bias's chains added, one per unit of its layer."""
    names = sheet.notation
    return f"{names.text(sheet.target)} = " + " + ".join(" · ".join(names.text(f.name) for f in chain) for chain in sheet.chains)


def render_derivation(d: DeriveResult, precision: int = 3, plain: bool = False) -> RenderableType:
    """Everything `bpcalc derive` shows on a terminal (rich) or as plain text."""
    from bpcalc.render.text import _table, row_cells

    sheet = build(d, precision)
    names, known = sheet.notation, d.names
    style = "" if plain else "bold"
    head = " · ".join(sheet.summary)
    if sheet.title:
        head = one_line(sheet.title) + "\n" + head
    parts: list[RenderableType] = [Text(head), Text(""), Text(chain_text(sheet), style=style)]
    t = _table("", plain, ("factor", "left"), ("as the sheet writes it", "left"), ("simplified", "left"))
    for f in sheet.factors:
        t.add_row(*row_cells(plain, names.text(f.name), sheet_str(f.sheet, known), sheet_str(f.simple, known)))
    parts.append(t)
    parts.append(Text(f"{names.text(sheet.target)} = {chains_str(sheet.products, sheet.chains)}", style=style))
    if sheet.deltas:
        parts.append(Text("where (δ = dL/d(pre-activation), from the layer above)"))
        for name, e in sheet.deltas:
            parts.append(Text(f"  {names.text(name)} = {sheet_str(e, known)}"))
    if sheet.samples and sheet.numbers is not None:
        nums = sheet.numbers
        parts.append(Text(""))
        heads = tuple(names.text(n) for n, _ in sheet.samples[0].values) + (names.text(sheet.target),)
        cells = tuple(tuple(nums.value(v) for _, v in s.values) + (nums.text(s.gradient),) for s in sheet.samples)
        parts.append(ValuesTable(tuple(s.label for s in sheet.samples), heads, cells, plain))
    return Group(*parts)


class ValuesTable:
    """The Values table: one row per sample when that fits the width, else one row per symbol (transposed),
    so no value is ever cut to an ellipsis."""

    def __init__(self, labels: tuple[str, ...], heads: tuple[str, ...], cells: tuple[tuple[str, ...], ...], plain: bool) -> None:
        self.labels, self.heads, self.cells, self.plain = labels, heads, cells, plain

    def _table(self, columns: list[str]) -> Any:
        from bpcalc.render.text import _table

        return _table("Values", self.plain, *[(c, "left" if i == 0 else "right") for i, c in enumerate(columns)])

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from bpcalc.render.text import row_cells

        widths = [max(len(h), *(len(row[i]) for row in self.cells)) for i, h in enumerate(self.heads)]
        wide = max(len("sample"), *(len(x) for x in self.labels)) + sum(w + 3 for w in widths) + 4
        if wide <= options.max_width:
            t = self._table(["sample", *self.heads])
            for label, row in zip(self.labels, self.cells):
                t.add_row(*row_cells(self.plain, label, *row))
            yield t
            return
        t = self._table(["quantity", *[f"sample {x}" for x in self.labels]])
        for i, h in enumerate(self.heads):
            t.add_row(*row_cells(self.plain, h, *(row[i] for row in self.cells)))
        yield t


def derive_dict(d: DeriveResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "param": d.param.param,
        "network": {"layers": list(d.network.layers), "activations": list(d.network.activations), "loss": d.network.loss_name},
        "factors": [f.key for f in d.param.factors],
        "factor_forms": [
            {"factor": f.key, "sheet": plain_str(f.sheet, d.names), "simplified": plain_str(f.simple, d.names)} for f in d.param.factors
        ],
        "expression": plain_str(d.param.product, d.names),
        "latex": chains_latex(d.param.products, d.param.chains),
        "deltas": {name: plain_str(expr, d.names) for name, expr in d.param.deltas},
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
