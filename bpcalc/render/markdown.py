"""Markdown answer keys for `run` and `derive`: GitHub-flavoured tables and $$…$$ math (GitHub, Jupyter)."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING, Any

from bpcalc.evaluate import Run
from bpcalc.names import SHEET
from bpcalc.network import latex_name
from bpcalc.render import expr
from bpcalc.render.latex import MathPrinter, closed_tex
from bpcalc.render.numbers import given
from bpcalc.render.values import Numbers, paren, tex_number
from bpcalc.worksheet import Section, Worksheet, build, mode_note

if TYPE_CHECKING:
    from bpcalc.derive import DeriveResult


def escape(text: str) -> str:
    """Plain text safe in Markdown, on one line and in a table cell: no emphasis, code fence, HTML element,
    entity, link (also no bare-URL autolink), math or column can start from it."""
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)
    text = re.sub(r"([\\`*_{}\[\]<>#|$~!&@])", r"\\\1", text)
    text = text.replace("://", "\\://")  # no bare-URL autolink
    return re.sub(r"(?i)\b(www)\.", r"\1\\.", text)


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


class MarkdownPrinter(MathPrinter):
    """Walks a worksheet into GitHub Markdown: tables for steps, updates and parameters, $$ blocks for gradients."""

    def body(self) -> str:
        ws = self.ws
        out = [f"# {escape(ws.title) or 'Backpropagation, step by step'}\n\n", escape(self.summary()) + ".\n"]
        if ws.mode_note:
            out.append("\n" + escape(ws.mode_note) + "\n")
        g = ws.given
        eta = "\\eta = " + tex_number(given(g.learning_rate))
        out.append(f"\n## Given\n\n{_m(eta)}\n")
        for li, layer in enumerate(g.layers):
            if li == 0:
                out.append("\n### Initial parameters\n")
            out.append("\n" + table([_m(SHEET.latex(n)) for n, _ in layer], [[given(v) for _, v in layer]], "r" * len(layer)))
        out.append("\n" + "".join(f"- sample {i}: " + ", ".join(_m(f"{SHEET.latex(n)} = {tex_number(given(v))}") for n, v in items) + "\n" for i, items in g.samples))
        for s in ws.samples:
            givens = ", ".join(_m(f"{SHEET.latex(n)} = {tex_number(given(v))}") for n, v in s.givens)
            out.append(f"\n## {escape(s.heading)}: {givens}\n")
            for sec in s.sections:
                out.append(self.section(sec))
        return "".join(out)

    def section(self, sec: Section) -> str:
        head = f"\n### {escape(sec.title)}\n"
        if sec.kind in ("forward", "backward"):
            exact = self.nums.exact
            header = ["quantity", "formula", "substituted", "value"] + (["closed form"] if exact else [])
            rows = []
            for st in sec.steps:
                formula = " = ".join([self.form(st.formula)] + [self.form(f) for f in st.forms])
                row = [_m(SHEET.latex(st.target)), _m(formula), _m(self.e(st.substituted)) if st.substituted is not None else "", self.nums.text(st.value)]
                if exact:
                    closed = closed_tex(self.nums, st.value)
                    row.append(_m(closed) if closed else "")
                rows.append(row)
            return head + "\n" + table(header, rows, "lllr" + ("l" if exact else ""))
        if sec.kind == "gradients":
            out = [head]
            for st in sec.steps:
                lhs, forms, numbers = self.chain_parts(st)
                out.append("\n" + _block([lhs, "&= " + forms, "&= " + " \\times ".join(numbers), f"&= {self.value(st.value)}"]))
            return "".join(out)
        if sec.kind == "updates":
            gh = self.gradient_header()
            lr = tex_number(given(self.ws.run.problem.learning_rate))
            title = f"\n### {escape(sec.title)}: $p \\leftarrow p - \\eta \\cdot {gh}$, $\\eta = {lr}$\n"
            n = self.nums.text
            rows = [[_m(SHEET.latex(u.name)), n(u.old), n(u.gradient), n(u.step), n(u.new) + (" (frozen)" if u.frozen else "")] for u in sec.updates]
            return title + "\n" + table(["parameter", "old", _m(gh), _m(f"\\eta \\cdot {gh}"), "new"], rows, "lrrrr")
        out = [head]
        for layer in sec.layers:
            out.append("\n" + table([_m(SHEET.latex(q)) for q, _ in layer], [[self.nums.text(v) for _, v in layer]], "r" * len(layer)))
        return "".join(out)


def run_markdown(run: Run, view: Any, options: Any = None) -> str:
    """The `run --format markdown` printer."""
    return MarkdownPrinter(build(run, view)).body()


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


def derive_md(d: DeriveResult, precision: int = 3, options: Any = None) -> str:
    """The `derive --format markdown` printer."""
    return derive_markdown(d, Numbers(d.run.math, precision) if d.run is not None else None)
