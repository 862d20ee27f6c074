"""LaTeX answer keys for `run` and `derive`: a standalone document for pdflatex, or just its body."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bpcalc.derive import DeriveResult
from bpcalc.evaluate import Run
from bpcalc.network import latex_name
from bpcalc.render.answer import Chain, Line, ParamTable, SampleSheet, SheetOptions, build_sheet, closed_tex
from bpcalc.render.values import Numbers, paren, tex_number

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{booktabs}
\usepackage{longtable}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\begin{document}
"""

LONG = 100  # visible characters (as `visible` counts them) of a displayed line that still fit the page


def document(body: str) -> str:
    """A body wrapped in a document that compiles with pdflatex (texlive-latex-base and -recommended)."""
    return PREAMBLE + body + "\\end{document}\n"


# --- text -------------------------------------------------------------------------------------

_SPECIAL = {
    "\\": "\\textbackslash{}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "{": "\\{",
    "}": "\\}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    "<": "\\textless{}",
    ">": "\\textgreater{}",
    "|": "\\textbar{}",
}
_UNICODE = {
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "−": "-",
    "·": "$\\cdot$",
    "×": "$\\times$",
    "→": "$\\rightarrow$",
    "←": "$\\leftarrow$",
    "≈": "$\\approx$",
    "≤": "$\\leq$",
    "≥": "$\\geq$",
    "²": "\\textsuperscript{2}",
    "³": "\\textsuperscript{3}",
    "½": "$\\frac{1}{2}$",
    "…": "\\ldots{}",
    "\u00a0": "~",
}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0327": "c", "\u030c": "v", "\u0304": "="}


def escape(text: str) -> str:
    """Plain text (a problem's title) safe for pdflatex: specials escaped, Greek as math, accents as TeX accents."""
    out = []
    for ch in text:
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() else " ")
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        else:
            out.append(_non_ascii(ch))
    return "".join(out)


def _non_ascii(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for case in ("SMALL", "CAPITAL"):
        prefix = f"GREEK {case} LETTER "
        if name.startswith(prefix) and " " not in name[len(prefix) :]:
            letter = name[len(prefix) :].lower().replace("lamda", "lambda")
            if case == "SMALL":
                return "$o$" if letter == "omicron" else f"$\\{letter}$"
            if letter in _GREEK_CAPITALS:
                return f"$\\{letter.capitalize()}$"
            return _GREEK_LATIN.get(letter, "?")
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) == 2 and ord(parts[0]) < 128 and parts[0].isalpha() and parts[1] in _ACCENTS:
        return f"\\{_ACCENTS[parts[1]]}{{{parts[0]}}}"
    return "?"


_GREEK_CAPITALS = {"gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega"}
# capitals written like Latin letters
_GREEK_LATIN = {
    "alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H", "iota": "I", "kappa": "K", "mu": "M", "nu": "N",
    "omicron": "O", "rho": "P", "tau": "T", "chi": "X",
}


# --- math pieces ------------------------------------------------------------------------------

def num(text: str) -> str:
    """A displayed number in math mode."""
    return tex_number(text)


def visible(tex: str) -> int:
    """Roughly how many characters wide ``tex`` prints: a command is one, a binary operator three, braces none."""
    text = re.sub(r"\\\\(left|right|quad|qquad|,)", "", tex)
    text = re.sub(r"\\\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: max(m.group(1), m.group(2), key=len), text)
    operators = len(re.findall(r"\\\\(?:cdot|times)|[+=]| - ", text))
    text = re.sub(r"\\\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}^_ ]", "", text)) + 2 * operators


def size_for(width: int) -> str:
    """A font size command that fits a table row of about ``width`` characters on the page."""
    for limit, size in ((100, "\\small"), (115, "\\footnotesize"), (135, "\\scriptsize")):
        if width <= limit:
            return size
    return "\\tiny"


def _value_tail(value: str, closed: str | None) -> str:
    return f"{closed} \\approx {num(value)}" if closed else num(value)


def forward_align(lines: tuple[Line, ...]) -> str:
    rows = []
    for ln in lines:
        row = f"{ln.name} &= {ln.formula}"
        tail = f" \\\\\n  &= {_value_tail(ln.value, ln.closed)}" if ln.closed else f" = {num(ln.value)}"
        if ln.substituted:
            sub = " + ".join(ln.substituted)
            room = 0 if ln.closed else visible(tail)  # a closed form goes on a line of its own
            if visible(f"{ln.name} = {ln.formula} = {sub}") + room <= LONG:
                row += f" = {sub}"
            else:
                row += " \\\\\n  &= " + _wrapped(list(ln.substituted), " + ", room)
        rows.append(row + tail)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def _wrapped(items: list[str], sep: str, last: int = 0) -> str:
    """Items joined by ``sep``, starting a new aligned line whenever one would run past the page (``last``: room for what follows)."""
    lines: list[list[str]] = [[]]
    for item in items:
        if lines[-1] and visible(sep.join(lines[-1] + [item])) > LONG - 8 - (last if item is items[-1] else 0):
            lines.append([])
        lines[-1].append(item)
    return (" \\\\\n  &\\qquad" + sep).join(sep.join(line) for line in lines)


def chain_align(c: Chain) -> str:
    numbers = [paren(num(n)) for n in c.numbers]
    rows = [
        f"{c.lhs} &= " + " \\cdot ".join(c.partials),
        "&= " + " \\cdot ".join(c.forms),
        "&= " + _wrapped(numbers, " \\times "),
        "&= " + _value_tail(c.value, c.closed),
    ]
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def update_table(s: SampleSheet) -> str:
    assert s.updates is not None
    width = max(sum(visible(num(x)) + 4 for x in (u.old, u.gradient, u.step, u.new)) + 12 for u in s.updates)
    out = [
        f"{{{size_for(width)}\n\\begin{{longtable}}{{lrrrr}}\n\\toprule\n",
        f"parameter & old & ${s.gradient_header}$ & $\\eta \\cdot {s.gradient_header}$ & new \\\\\n\\midrule\n\\endhead\n",
    ]
    for u in s.updates:
        new = f"${num(u.new)}$" + (" (frozen)" if u.frozen else "")
        out.append(f"${u.name}$ & ${num(u.old)}$ & ${num(u.gradient)}$ & ${num(u.step)}$ & {new} \\\\\n")
    out.append("\\bottomrule\n\\end{longtable}\n}\n")
    return "".join(out)


def parameter_table(t: ParamTable) -> str:
    cols = "r" * len(t.names)
    head = " & ".join(f"${n}$" for n in t.names)
    vals = " & ".join(f"${num(v)}$" for v in t.values)
    title = f"\\textbf{{{escape(t.title)}}}\n\n" if t.title else ""
    width = sum(max(visible(num(v)), visible(n)) + 3 for n, v in zip(t.names, t.values))
    return f"{title}\\begin{{center}}{size_for(width)}\n\\begin{{tabular}}{{{cols}}}\n\\toprule\n{head} \\\\\n\\midrule\n{vals} \\\\\n\\bottomrule\n\\end{{tabular}}\n\\end{{center}}\n"


# --- run ----------------------------------------------------------------------------------------

def run_body(run: Run, opts: SheetOptions) -> str:
    """The document's body for `bpcalc run --format latex`."""
    sheet = build_sheet(run, opts)
    out = [f"\\section*{{{escape(sheet.title) or 'Backpropagation, step by step'}}}\n", escape(sheet.summary) + ".\n\n"]
    if sheet.mode_note:
        out.append(escape(sheet.mode_note) + "\n\n")
    for s in sheet.samples:
        givens = ", ".join(f"${n} = {v}$" for n, v in s.givens)
        out.append(f"\\subsection*{{{s.heading}: {givens}}}\n")
        if s.forward is not None:
            out.append("\\subsubsection*{Forward pass}\n" + forward_align(s.forward))
        if s.gradients is not None:
            out.append("\\subsubsection*{Gradients (chain rule)}\n")
            out.extend(chain_align(c) for c in s.gradients)
        if s.updates is not None:
            out.append(f"\\subsubsection*{{{s.update_title}}}\n" + update_table(s))
        if s.parameters is not None:
            out.extend(parameter_table(t) for t in s.parameters)
    return "".join(out)


def render_run(run: Run, opts: SheetOptions, body_only: bool = False) -> str:
    body = run_body(run, opts)
    return body if body_only else document(body)


# --- derive -------------------------------------------------------------------------------------

def derive_body(d: DeriveResult, nums: Numbers | None = None, sample: int | None = None) -> str:
    """The document's body for `bpcalc derive --format latex`."""
    from bpcalc.render.sheet import key_latex, latex, product_latex

    pd = d.param
    p = latex_name(pd.param)
    net = d.network
    lhs = f"\\frac{{\\partial L}}{{\\partial {p}}}"
    out = [f"\\section*{{Chain rule for ${p}$}}\n"]
    if d.problem is not None and d.problem.title:
        out.append(escape(d.problem.title) + ".\n\n")
    out.append(
        escape(f"{'-'.join(map(str, net.layers))} network; activations {', '.join(net.activations)}; loss {net.loss_name}") + ".\n"
    )

    def wrap(e: Any) -> str:
        tex = latex(e)
        return f"\\left({tex}\\right)" if e.is_Add and len(pd.factors) > 1 else tex

    rows = [
        f"{lhs} &= " + " \\cdot ".join(key_latex(f.key) for f in pd.factors),
        "&= " + " \\cdot ".join(wrap(f.sheet) for f in pd.factors),
        "&= " + " \\cdot ".join(wrap(f.simple) for f in pd.factors),
        "&= " + product_latex(pd.product, pd.factors),
    ]
    out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n")
    if pd.deltas:
        out.append("where $\\delta = \\partial L / \\partial(\\text{pre-activation})$, from the layer above:\n")
        out.append("\\begin{align*}\n" + " \\\\\n".join(f"{latex_name(n)} &= {latex(e)}" for n, e in pd.deltas) + "\n\\end{align*}\n")
    out.append(_derive_samples(d, nums, sample))
    return "".join(out)


def _derive_samples(d: DeriveResult, nums: Numbers | None, sample: int | None) -> str:
    if d.run is None:
        return ""
    nums = nums or Numbers(d.run.math)
    pd = d.param
    p = latex_name(pd.param)
    results = {(r.epoch, r.sample): r for r in d.run.results}
    raws = [s for s in d.raw if sample is None or s["sample"] == sample]
    if not raws:
        return ""
    out = ["\\subsection*{At the problem's samples}\n"]
    if nums.math.name != "float":
        from bpcalc.render.answer import mode_note

        out.append(escape(mode_note(d.run)) + "\n")
    epochs = d.problem.epochs > 1
    rows = []
    for s in raws:
        r = results[(s["epoch"], s["sample"])]
        label = f"epoch {s['epoch']}, sample {s['sample']}" if epochs else f"sample {s['sample']}"
        numbers = [paren(num(nums.value(r.pass_.factors[f.key]))) for f in pd.factors]
        closed = closed_tex(nums, s["gradient"])
        tail = " = " + _value_tail(nums.text(s["gradient"]), closed)
        rows.append(f"\\text{{{label}:}} \\quad \\frac{{\\partial L}}{{\\partial {p}}} &= " + _wrapped(numbers, " \\times ", visible(tail) + 20) + tail)
    out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n")
    names = list(raws[0]["values"])
    labels = [f"{s['epoch']}.{s['sample']}" if epochs else str(s["sample"]) for s in raws]
    columns = [(f"${latex_name(n)}$", [f"${num(nums.value(s['values'][n]))}$" for s in raws]) for n in names]
    columns.append((f"$\\partial L/\\partial {p}$", [f"${num(nums.text(s['gradient']))}$" for s in raws]))
    for chunk in _column_chunks(columns, VALUES_WIDTH - 8):
        head = " & ".join(["sample"] + [h for h, _ in chunk])
        body = "".join(" & ".join([label] + [cells[i] for _, cells in chunk]) + " \\\\\n" for i, label in enumerate(labels))
        out.append(
            f"\\begin{{center}}\\small\n\\begin{{tabular}}{{l{'r' * len(chunk)}}}\n\\toprule\n{head} \\\\\n\\midrule\n"
            + body
            + "\\bottomrule\n\\end{tabular}\n\\end{center}\n"
        )
    return "".join(out)


VALUES_WIDTH = 100  # characters a \small table row holds on the page


def _column_chunks(columns: list[tuple[str, list[str]]], width: int) -> list[list[tuple[str, list[str]]]]:
    """Table columns (header, cells) in groups that each fit ``width`` characters, in order."""
    chunks: list[list[tuple[str, list[str]]]] = [[]]
    used = 0
    for col in columns:
        w = max(visible(x) for x in [col[0], *col[1]]) + 3
        if chunks[-1] and used + w > width:
            chunks.append([])
            used = 0
        chunks[-1].append(col)
        used += w
    return chunks


def render_derive(d: DeriveResult, nums: Numbers | None = None, sample: int | None = None, body_only: bool = False) -> str:
    body = derive_body(d, nums, sample)
    return body if body_only else document(body)
