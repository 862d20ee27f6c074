"""Markdown answer keys for `run` and `derive`: GitHub-flavoured tables and $$…$$ math (GitHub, Jupyter)."""

from __future__ import annotations

import re

from bpcalc.derive import DeriveResult
from bpcalc.evaluate import Run
from bpcalc.network import latex_name
from bpcalc.render.answer import Chain, Line, SampleSheet, SheetOptions, build_sheet, closed_tex, mode_note
from bpcalc.render.values import Numbers, paren, tex_number


def escape(text: str) -> str:
    """Plain text safe in Markdown and in a table cell: no accidental emphasis, links, math or columns."""
    return re.sub(r"([\\`*_{}\[\]<>#|$])", r"\\\1", text)


def _m(tex: str) -> str:
    """Inline math."""
    return f"${tex}$"


def table(header: list[str], rows: list[list[str]], align: str) -> str:
    """A GitHub table; ``align`` has one of l/r per column."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _block(rows: list[str]) -> str:
    """Display math: one aligned block between $$ lines."""
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$\n"


def forward_table(lines: tuple[Line, ...], exact: bool) -> str:
    header = ["quantity", "formula", "substituted", "value"] + (["closed form"] if exact else [])
    rows = []
    for ln in lines:
        row = [_m(ln.name), _m(ln.formula), _m(" + ".join(ln.substituted)) if ln.substituted else "", ln.value]
        if exact:
            row.append(_m(ln.closed) if ln.closed else "")
        rows.append(row)
    return table(header, rows, "lllr" + ("l" if exact else ""))


def chain_block(c: Chain) -> str:
    value = f"{c.closed} \\approx {tex_number(c.value)}" if c.closed else tex_number(c.value)
    return _block(
        [
            f"{c.lhs} &= " + " \\cdot ".join(c.partials),
            "&= " + " \\cdot ".join(c.forms),
            "&= " + " \\times ".join(paren(tex_number(n)) for n in c.numbers),
            f"&= {value}",
        ]
    )


def update_table(s: SampleSheet) -> str:
    assert s.updates is not None
    gh = s.gradient_header
    rows = [[_m(u.name), u.old, u.gradient, u.step, u.new + (" (frozen)" if u.frozen else "")] for u in s.updates]
    return table(["parameter", "old", _m(gh), _m(f"\\eta \\cdot {gh}"), "new"], rows, "lrrrr")


def run_markdown(run: Run, opts: SheetOptions) -> str:
    """Everything `bpcalc run --format markdown` prints."""
    sheet = build_sheet(run, opts)
    exact = run.math.name == "exact"
    out = [f"# {escape(sheet.title) or 'Backpropagation, step by step'}\n\n", escape(sheet.summary) + ".\n"]
    if sheet.mode_note:
        out.append("\n" + escape(sheet.mode_note) + "\n")
    for s in sheet.samples:
        givens = ", ".join(_m(f"{n} = {v}") for n, v in s.givens)
        out.append(f"\n## {s.heading}: {givens}\n")
        if s.forward is not None:
            out.append("\n### Forward pass\n\n" + forward_table(s.forward, exact))
        if s.gradients is not None:
            out.append("\n### Gradients (chain rule)\n")
            for c in s.gradients:
                out.append("\n" + chain_block(c))
        if s.updates is not None:
            out.append(f"\n### {s.update_title}\n\n" + update_table(s))
        if s.parameters is not None:
            for t in s.parameters:
                if t.title:
                    out.append(f"\n### {escape(t.title)}\n")
                out.append("\n" + table([_m(n) for n in t.names], [list(t.values)], "r" * len(t.names)))
    return "".join(out)


def derive_markdown(d: DeriveResult, nums: Numbers | None = None, sample: int | None = None) -> str:
    """Everything `bpcalc derive --format markdown` prints."""
    from bpcalc.render.sheet import key_latex, latex, product_latex

    pd = d.param
    p = latex_name(pd.param)
    net = d.network
    out = [f"# Chain rule for {_m(p)}\n\n"]
    if d.problem is not None and d.problem.title:
        out.append(escape(d.problem.title) + "\n\n")
    out.append(escape(f"{'-'.join(map(str, net.layers))} network; activations {', '.join(net.activations)}; loss {net.loss_name}") + ".\n\n")
    lhs = f"\\frac{{\\partial L}}{{\\partial {p}}}"
    out.append(_block([f"{lhs} &= " + " \\cdot ".join(key_latex(f.key) for f in pd.factors), "&= " + product_latex(pd.product, pd.factors)]))
    out.append("\n" + table(
        ["factor", "as the sheet writes it", "simplified"],
        [[_m(key_latex(f.key)), _m(latex(f.sheet)), _m(latex(f.simple))] for f in pd.factors],
        "lll",
    ))
    if pd.deltas:
        out.append("\nwhere δ = ∂L/∂(pre-activation), from the layer above:\n\n")
        out.append(_block([f"{latex_name(n)} &= {latex(e)}" for n, e in pd.deltas]))
    if d.run is not None:
        out.append(_samples(d, nums or Numbers(d.run.math), sample))
    return "".join(out)


def _samples(d: DeriveResult, nums: Numbers, sample: int | None) -> str:
    pd = d.param
    p = latex_name(pd.param)
    raws = [s for s in d.raw if sample is None or s["sample"] == sample]
    if not raws:
        return ""
    out = ["\n## At the problem's samples\n\n"]
    if nums.math.name != "float":
        out.append(escape(mode_note(d.run)) + "\n\n")
    epochs = d.problem.epochs > 1
    results = {(r.epoch, r.sample): r for r in d.run.results}
    rows = []
    for s in raws:
        r = results[(s["epoch"], s["sample"])]
        label = f"epoch {s['epoch']}, sample {s['sample']}" if epochs else f"sample {s['sample']}"
        numbers = " \\times ".join(paren(tex_number(nums.value(r.pass_.factors[f.key]))) for f in pd.factors)
        closed = closed_tex(nums, s["gradient"])
        value = tex_number(nums.text(s["gradient"]))
        rows.append(f"\\text{{{label}:}} \\quad \\frac{{\\partial L}}{{\\partial {p}}} &= {numbers} = " + (f"{closed} \\approx {value}" if closed else value))
    out.append(_block(rows) + "\n")
    names = list(raws[0]["values"])
    header = ["sample"] + [_m(latex_name(n)) for n in names] + [_m(f"\\partial L/\\partial {p}")]
    body = []
    for s in raws:
        label = f"{s['epoch']}.{s['sample']}" if epochs else str(s["sample"])
        body.append([label] + [nums.value(s["values"][n]) for n in names] + [nums.text(s["gradient"])])
    out.append(table(header, body, "l" + "r" * (len(names) + 1)))
    return "".join(out)
