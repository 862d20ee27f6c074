"""Markdown answer keys for `run` and `derive`: GitHub-flavoured tables and $$…$$ math (GitHub, Jupyter)."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING, Any

from bpcalc.escape import one_line
from bpcalc.evaluate import Run
from bpcalc.network import latex_name
from bpcalc.names import LOSS
from bpcalc.render import expr
from bpcalc.render.latex import MathPrinter, closed_tex, derive_sample_rows
from bpcalc.render.numbers import given
from bpcalc.render.values import Numbers, paren, tex_number
from bpcalc.worksheet import Section, Worksheet, build, mode_note

if TYPE_CHECKING:
    from bpcalc.derive import DeriveResult
    from bpcalc.derivesheet import DerivationSheet


def escape(text: str) -> str:
    """Plain text safe in Markdown, on one line and in a table cell: no emphasis, code fence, HTML element,
    entity, link (also no bare-URL autolink), math or column can start from it."""
    text = one_line(text)  # control, escape and bidi characters as visible codes (\x1b, \u202e), on one line
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
            out.append("\n" + table([_m(self.names.latex(n)) for n, _ in layer], [[given(v) for _, v in layer]], "r" * len(layer)))
        out.append("\n" + "".join(f"- sample {i}: " + ", ".join(_m(f"{self.names.latex(n)} = {tex_number(given(v))}") for n, v in items) + "\n" for i, items in g.samples))
        for s in ws.samples:
            givens = ", ".join(_m(f"{self.names.latex(n)} = {tex_number(given(v))}") for n, v in s.givens)
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
                row = [_m(self.names.latex(st.target)), _m(formula), _m(self.e(st.substituted)) if st.substituted is not None else "", self.nums.text(st.value)]
                if exact:
                    closed = closed_tex(self.nums, st.value)
                    row.append(_m(closed) if closed else "")
                rows.append(row)
            return head + "\n" + table(header, rows, "lllr" + ("l" if exact else ""))
        if sec.kind == "gradients":
            out = [head]
            for st in sec.steps:
                lhs, forms, numbers = self.chain_parts(st)
                out.append("\n" + _block([lhs, "&= " + forms, *(["&= " + " \\times ".join(numbers)] if numbers else []), f"&= {self.value(st.value)}"]))
            return "".join(out)
        if sec.kind == "epoch":
            return f"\n**{escape(self.epoch_line(sec))}**\n"
        if sec.kind == "updates" and (sec.rule is not None or sec.objective is not None):
            rule, headers, rows, working, objective = self.rule_update(sec)
            text = f"\n### {escape(sec.title)}\n\n{rule}\n\n" + table(headers, rows, "l" + "r" * (len(headers) - 1))
            if working:
                text += "\n" + _block(working)
            return text + (f"\n{escape(objective)}\n" if objective else "")
        if sec.kind == "updates":
            gh = self.gradient_header()
            lr = tex_number(given(self.ws.run.problem.learning_rate))
            title = f"\n### {escape(sec.title)}: $p \\leftarrow p - \\eta \\cdot {gh}$, $\\eta = {lr}$\n"
            n = self.nums.text
            rows = [[_m(self.names.latex(u.name)), n(u.old), n(u.gradient), n(u.step), n(u.new) + (" (frozen)" if u.frozen else "")] for u in sec.updates]
            return title + "\n" + table(["parameter", "old", _m(gh), _m(f"\\eta \\cdot {gh}"), "new"], rows, "lrrrr")
        out = [head]
        for layer in sec.layers:
            out.append("\n" + table([_m(self.names.latex(q)) for q, _ in layer], [[self.nums.text(v) for _, v in layer]], "r" * len(layer)))
        return "".join(out)


def run_markdown(run: Run, view: Any, options: Any = None) -> str:
    """The `run --format markdown` printer."""
    return MarkdownPrinter(build(run, view)).body()


def derive_markdown(sheet: DerivationSheet) -> str:
    """Everything `bpcalc derive --format markdown` prints."""
    from bpcalc.render.sheet import LATEX_NEXT_CHAIN, chains_latex, latex

    names = sheet.notation
    p = names.latex(sheet.param)
    out = [f"# Chain rule for {_m(p)}\n\n"]
    if sheet.title:
        out.append(escape(sheet.title) + "\n\n")
    out.append(escape("; ".join(sheet.summary)) + ".\n\n")
    plus = LATEX_NEXT_CHAIN + " + "  # a shared bias's chains added, a line each
    chain = f"{names.latex(sheet.target)} &= " + plus.join(" \\cdot ".join(names.latex(f.name) for f in c) for c in sheet.chains)
    out.append(_block([chain, "&= " + chains_latex(sheet.products, sheet.chains, LATEX_NEXT_CHAIN)]))
    rows = [[_m(names.latex(f.name)), _m(latex(f.sheet)), _m(latex(f.simple))] for f in sheet.factors]
    out.append("\n" + table(["factor", "as the sheet writes it", "simplified"], rows, "lll"))
    if sheet.deltas:
        out.append("\nwhere δ = ∂L/∂(pre-activation), from the layer above:\n\n")
        out.append(_block([f"{names.latex(n)} &= {latex(e)}" for n, e in sheet.deltas]))
    if sheet.samples and sheet.numbers is not None:
        out.append(_samples(sheet))
    return "".join(out)


def _samples(sheet: DerivationSheet) -> str:
    nums = sheet.numbers
    assert nums is not None
    names = sheet.notation
    out = ["\n## At the problem's samples\n\n"]
    if sheet.mode_note:
        out.append(escape(sheet.mode_note) + "\n\n")
    out.append(_block(derive_sample_rows(sheet)) + "\n")
    header = ["sample"] + [_m(names.latex(n)) for n, _ in sheet.samples[0].values] + [_m(f"\\partial {names.latex(LOSS)}/\\partial {names.latex(sheet.param)}")]
    body = [[s.label] + [nums.value(v) for _, v in s.values] + [nums.text(s.gradient)] for s in sheet.samples]
    out.append(table(header, body, "l" + "r" * (len(header) - 1)))
    return "".join(out)


def derive_md(d: DeriveResult, precision: int = 3, options: Any = None) -> str:
    """The `derive --format markdown` printer."""
    from bpcalc.derivesheet import build as build_derivation

    return derive_markdown(build_derivation(d, precision))
