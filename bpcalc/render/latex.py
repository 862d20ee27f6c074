"""LaTeX answer keys for `run` and `derive`: a standalone document for pdflatex, or just its body."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from typing import TYPE_CHECKING

from bpcalc.evaluate import Run
from bpcalc.network import latex_name
from bpcalc.names import LOSS
from bpcalc import formula as F
from bpcalc.render import expr
from bpcalc.render.numbers import given
from bpcalc.render.values import CLOSED_MATH, Numbers, paren, tex_number
from bpcalc.worksheet import Section, Step, Worksheet, build, mode_note

if TYPE_CHECKING:
    from bpcalc.derive import DeriveResult
    from bpcalc.derivesheet import DerivationSheet

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{booktabs}
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
    for i, ch in enumerate(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch == '"':  # a straight quote prints as a closing one in TeX: open after a space or bracket, else close
            out.append("``" if i == 0 or text[i - 1].isspace() or text[i - 1] in "([{" else "''")
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
    """Roughly how many characters wide ``tex`` prints: a command is one, a binary operator three, braces none,
    a fraction as wide as the wider of its numerator and denominator."""
    text = _fractions(re.sub(r"\\(?:left|right|quad|qquad|,)(?![A-Za-z])", "", tex))
    operators = len(re.findall(r"\\(?:cdot|times)|[+=]| - ", text))
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}^_ ]", "", text)) + 2 * operators


def _group(text: str, at: int) -> tuple[str, int]:
    """The balanced {...} group opening at ``at``: its inside and the index after it."""
    depth = 0
    for i in range(at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[at + 1 : i], i + 1
    return text[at + 1 :], len(text)


def _fractions(text: str) -> str:
    """Each \\frac{a}{b} replaced by the wider of a and b (as ``visible`` measures them)."""
    while (i := text.find("\\frac{")) >= 0:
        top, j = _group(text, i + 5)
        bottom, k = _group(text, j) if text[j : j + 1] == "{" else ("", j)
        text = text[:i] + "{" + max(_fractions(top), _fractions(bottom), key=visible) + "}" + text[k:]
    return text


def size_for(width: int) -> str:
    """A font size command that fits a table row of about ``width`` characters on the page."""
    for limit, size in ((100, "\\small"), (115, "\\footnotesize"), (135, "\\scriptsize")):
        if width <= limit:
            return size
    return "\\tiny"


def _value_tail(value: str, closed: str | None) -> str:
    return f"{closed} \\approx {num(value)}" if closed else num(value)


def closed_tex(nums: Numbers, x: Any) -> str | None:
    """LaTeX of the closed form worth showing beside a value (exact mode), else None."""
    q = nums.closed(x, CLOSED_MATH)
    if q is None:
        return None
    from bpcalc.render.sheet import latex

    return latex(q)


ALIGN_LINES = 16  # lines of one align* block: blocks never break across pages, so long passes are several blocks
TABLE_ROWS = 30  # rows of one update tabular


class MathPrinter:
    """What the LaTeX and Markdown printers share: formulas and values in LaTeX math, the chain-rule lines."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.nums = ws.numbers
        self.num = expr.number_text(ws.numbers)
        self.names = ws.notation
        self.forms: dict[int, str] = {}  # by id: the worksheet, which holds every form, outlives the printer

    def e(self, x: Any) -> str:
        return expr.latex(x, self.num, self.names)

    def form(self, x: Any) -> str:
        """A symbolic form (no numbers): the worksheet shares one object per network, so each is written once."""
        key = id(x)
        if key not in self.forms:
            self.forms[key] = self.e(x)
        return self.forms[key]

    def value(self, x: Any) -> str:
        closed = closed_tex(self.nums, x)
        return f"{closed} \\approx {num(self.nums.text(x))}" if closed else num(self.nums.text(x))

    def summary(self) -> str:
        bits = list(self.ws.summary)
        bits.insert(3, f"learning rate {given(self.ws.run.problem.learning_rate)}")
        return "; ".join(bits)

    def gradient_header(self) -> str:
        return "\\overline{\\partial L/\\partial p}" if self.ws.run.problem.update == "batch" else "\\partial L/\\partial p"

    def rule_update(self, sec: Section) -> tuple[str, list[str], list[list[str]], list[str], str]:
        """An update by momentum or Adam, or with decay, in LaTeX math: (the rule, headers, rows, working lines, the objective line)."""
        from bpcalc.render.updates import cells, layout, objective_text, working_label_latex

        lay = layout(self.ws, sec)
        n = self.nums.text
        headers = ["parameter"] + [c if c in ("old", "new") else f"${tex}$" for c, tex in lay.columns]
        rows = []
        for u in sec.updates:
            values = [f"${num(n(v))}$" if v is not None else "" for v in cells(u, lay, sec.rule)]
            values[-1] += " (frozen)" if u.frozen else ""
            rows.append([f"${self.names.latex(u.name)}$"] + values)
        working = [
            f"{working_label_latex(sec.rule, what, self.names.latex(u.name))} &= {self.e(formula)} = {num(n(value))}"
            for u in sec.updates
            for what, formula, value in u.working
        ]
        objective = objective_text(self.ws, sec, n) if sec.objective is not None else ""
        return lay.rule[1], headers, rows, working, objective

    def epoch_line(self, sec: Section) -> str:
        e = sec.total
        return f"{sec.title}: loss sum = {self.nums.text(e.loss_sum)}, loss mean = {self.nums.text(e.loss_mean)}"

    def chain_form(self, f: F.Expr, several: bool) -> str:
        """One factor's form in the chain: a sum in parentheses, and a threshold's -1 as (-1)."""
        if isinstance(f, F.Add) and several:
            return f"\\left({self.form(f)}\\right)"
        return paren(self.form(f)) if isinstance(f, F.Num) else self.form(f)

    def chain_parts(self, st: Step) -> tuple[str, str, list[str]]:
        """∂L/∂p &= the chain's factors; the sheet's forms of them; the numbers substituted."""
        if not isinstance(st.formula, F.Mul):  # a layer's shared bias: the sum of its units' δ, numbers substituted
            return f"{self.names.latex(st.target)} &= {self.e(st.formula)}", self.e(st.substituted), []
        lhs = f"{self.names.latex(st.target)} &= " + " \\cdot ".join(self.names.latex(f.name) for f in st.formula.factors)  # type: ignore[union-attr]
        forms = [self.chain_form(f, len(st.forms) > 1) for f in st.forms]
        numbers = [paren(self.e(f)) for f in st.substituted.factors]  # type: ignore[union-attr]
        return lhs, " \\cdot ".join(forms), numbers


class LatexPrinter(MathPrinter):
    """Walks a worksheet into a LaTeX body: align* blocks for steps, booktabs tabulars for updates and parameters."""

    def body(self) -> str:
        ws = self.ws
        out = [f"\\section*{{{escape(ws.title) or 'Backpropagation, step by step'}}}\n"]
        out.append(escape(self.summary()) + ".\n\n")
        if ws.mode_note:
            out.append(escape(ws.mode_note) + "\n\n")
        out.append(self.given())
        for s in ws.samples:
            givens = ", ".join(f"${self.names.latex(n)} = {tex_number(given(v))}$" for n, v in s.givens)
            out.append(f"\\subsection*{{{escape(s.heading)}: {givens}}}\n")
            for sec in s.sections:
                out.append(self.section(sec))
        return "".join(out)

    def given(self) -> str:
        g = self.ws.given
        out = [f"\\subsection*{{Given}}\n$\\eta = {tex_number(given(g.learning_rate))}$.\n\n"]
        for layer in g.layers:
            out.extend(parameter_table("Initial parameters" if layer is g.layers[0] else "", [(self.names.latex(n), tex_number(given(v))) for n, v in layer]))
        for i, items in g.samples:
            out.append(f"sample {i}: " + ", ".join(f"${self.names.latex(n)} = {tex_number(given(v))}$" for n, v in items) + ".\n\n")
        return "".join(out)

    def section(self, sec: Section) -> str:
        title = f"\\subsubsection*{{{escape(sec.title)}}}\n"
        if sec.kind in ("forward", "backward"):
            rows = [self.step_row(st) for st in sec.steps]
            blocks: list[list[str]] = [[]]
            for row in rows:
                lines = row.count("\\\\\n") + 1 + row.count("\\frac")  # a fraction is about two lines tall
                if blocks[-1] and sum(r.count("\\\\\n") + 1 + r.count("\\frac") for r in blocks[-1]) + lines > ALIGN_LINES:
                    blocks.append([])
                blocks[-1].append(row)
            return title + "".join("\\begin{align*}\n" + " \\\\\n".join(b) + "\n\\end{align*}\n" for b in blocks)
        if sec.kind == "gradients":
            return title + "".join(self.chain(st) for st in sec.steps)
        if sec.kind == "updates":
            return self.updates(sec) if sec.rule is None and sec.objective is None else self.rule_updates(sec)
        if sec.kind == "epoch":
            return f"\\paragraph*{{{escape(self.epoch_line(sec))}}}\n"
        out = []
        for li, layer in enumerate(sec.layers):
            out.extend(parameter_table(sec.title if li == 0 else "", [(self.names.latex(n), num(self.nums.text(v))) for n, v in layer]))
        return "".join(out)

    def step_row(self, st: Step) -> str:
        name = self.names.latex(st.target)
        head = [self.form(st.formula)] + [self.form(f) for f in st.forms]
        sub = self.e(st.substituted) if st.substituted is not None else None
        if sub is not None and visible(f"&= {sub}") > LONG - 8 and isinstance(st.substituted, F.Add):
            terms = [self.e(t) for t in st.substituted.terms]
            sub = _wrapped([t if i == 0 or not t.startswith("-") else f"({t})" for i, t in enumerate(terms)], " + ")
        tail = self.value(st.value)
        closed = closed_tex(self.nums, st.value)
        row = f"{name} &= " + " = ".join(head)
        if sub is not None:
            if visible(f"{row} = {sub} = {tail}") <= LONG and not closed:
                row += f" = {sub}"
            else:
                row += " \\\\\n  &= " + sub
        if closed or visible(f"{row.rsplit('&=', 1)[-1]} = {tail}") > LONG:
            return row + f" \\\\\n  &= {tail}"
        return row + f" = {tail}"

    def chain(self, st: Step) -> str:
        lhs, forms, numbers = self.chain_parts(st)
        rows = [lhs, "&= " + forms, *(["&= " + _wrapped(numbers, " \\times ")] if numbers else []), "&= " + self.value(st.value)]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"

    def updates(self, sec: Section) -> str:
        lr = tex_number(given(self.ws.run.problem.learning_rate))
        gh = self.gradient_header()
        title = f"\\subsubsection*{{{escape(sec.title)}: $p \\leftarrow p - \\eta \\cdot {gh}$, $\\eta = {lr}$}}\n"
        n = self.nums.text
        rows = [(u, [num(n(u.old)), num(n(u.gradient)), num(n(u.step)), num(n(u.new))]) for u in sec.updates]
        width = max(sum(visible(x) + 4 for x in cells) + 12 for _, cells in rows)
        out = [title]
        for i in range(0, len(rows), TABLE_ROWS):
            out.append(f"\\begin{{center}}{size_for(width)}\n\\begin{{tabular}}{{lrrrr}}\n\\toprule\n")
            out.append(f"parameter & old & ${gh}$ & $\\eta \\cdot {gh}$ & new \\\\\n\\midrule\n")
            for u, cells in rows[i : i + TABLE_ROWS]:
                new = f"${cells[3]}$" + (" (frozen)" if u.frozen else "")
                out.append(f"${self.names.latex(u.name)}$ & ${cells[0]}$ & ${cells[1]}$ & ${cells[2]}$ & {new} \\\\\n")
            out.append("\\bottomrule\n\\end{tabular}\n\\end{center}\n")
        return "".join(out)


    def rule_updates(self, sec: Section) -> str:
        rule, headers, rows, working, objective = self.rule_update(sec)
        out = [f"\\subsubsection*{{{escape(sec.title)}}}\n{rule}\n\n"]
        width = max(sum(visible(x) + 4 for x in cells) + 12 for cells in rows)
        for i in range(0, len(rows), TABLE_ROWS):
            out.append(f"\\begin{{center}}{size_for(width)}\n\\begin{{tabular}}{{l{'r' * (len(headers) - 1)}}}\n\\toprule\n")
            out.append(" & ".join(headers) + " \\\\\n\\midrule\n")
            out.extend(" & ".join(r) + " \\\\\n" for r in rows[i : i + TABLE_ROWS])
            out.append("\\bottomrule\n\\end{tabular}\n\\end{center}\n")
        for i in range(0, len(working), ALIGN_LINES):
            out.append("\\begin{align*}\n" + " \\\\\n".join(working[i : i + ALIGN_LINES]) + "\n\\end{align*}\n")
        if objective:
            out.append(escape(objective) + "\n\n")
        return "".join(out)


def _wrapped(items: list[str], sep: str, last: int = 0) -> str:
    """Items joined by ``sep``, starting a new aligned line whenever one would run past the page (``last``: room for what follows)."""
    lines: list[list[str]] = [[]]
    for item in items:
        if lines[-1] and visible(sep.join(lines[-1] + [item])) > LONG - 8 - (last if item is items[-1] else 0):
            lines.append([])
        lines[-1].append(item)
    return (" \\\\\n  &\\qquad" + sep).join(sep.join(line) for line in lines)


def parameter_table(title: str, cells: list[tuple[str, str]], width: int = 90, most: int = 9) -> list[str]:
    """A "Post Sample" row (names over values, LaTeX already), split into tabulars of at most ``most`` columns that fit the page."""
    chunks: list[list[tuple[str, str]]] = [[]]
    used = 0
    for name, value in cells:
        w = max(visible(name), visible(value)) + 3
        if chunks[-1] and (len(chunks[-1]) == most or used + w > width):
            chunks.append([])
            used = 0
        chunks[-1].append((name, value))
        used += w
    out = []
    for i, chunk in enumerate(chunks):
        head = " & ".join(f"${n}$" for n, _ in chunk)
        vals = " & ".join(f"${v}$" for _, v in chunk)
        t = f"\\textbf{{{escape(title)}}}\n\n" if title and i == 0 else ""
        w = sum(max(visible(v), visible(n)) + 3 for n, v in chunk)
        out.append(
            f"{t}\\begin{{center}}{size_for(w)}\n\\begin{{tabular}}{{{'r' * len(chunk)}}}\n\\toprule\n{head} \\\\\n\\midrule\n{vals} \\\\\n\\bottomrule\n\\end{{tabular}}\n\\end{{center}}\n"
        )
    return out


def run_body(ws: Worksheet) -> str:
    """The document's body for `bpcalc run --format latex`."""
    return LatexPrinter(ws).body()


def run_latex(run: Run, view: Any, options: Any = None) -> str:
    """The `run --format latex` printer (``options.latex_body``: the body only)."""
    body = run_body(build(run, view))
    return body if getattr(options, "latex_body", False) else document(body)


# --- derive -------------------------------------------------------------------------------------

def derive_body(sheet: DerivationSheet) -> str:
    """The document's body for `bpcalc derive --format latex`."""
    from bpcalc.render.sheet import LATEX_NEXT_CHAIN, chains_latex, latex

    names = sheet.notation
    p = names.latex(sheet.param)
    out = [f"\\section*{{Chain rule for ${p}$}}\n"]
    if sheet.title:
        out.append(escape(sheet.title) + ".\n\n")
    out.append(escape("; ".join(sheet.summary)) + ".\n")
    chains = sheet.chains  # one, or one per unit sharing the parameter (their products added, a line each)
    plus = LATEX_NEXT_CHAIN + " + "
    rows = [
        f"{names.latex(sheet.target)} &= " + plus.join(" \\cdot ".join(names.latex(f.name) for f in c) for c in chains),
        "&= " + plus.join(" \\cdot ".join(_wrap_sum(latex, f.sheet, len(c)) for f in c) for c in chains),
        "&= " + plus.join(" \\cdot ".join(_wrap_sum(latex, f.simple, len(c)) for f in c) for c in chains),
        "&= " + chains_latex(sheet.products, chains, LATEX_NEXT_CHAIN),
    ]
    out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n")
    if sheet.deltas:
        out.append("where $\\delta = \\partial L / \\partial(\\text{pre-activation})$, from the layer above:\n")
        out.append("\\begin{align*}\n" + " \\\\\n".join(f"{names.latex(n)} &= {latex(e)}" for n, e in sheet.deltas) + "\n\\end{align*}\n")
    out.append(_derive_samples(sheet))
    return "".join(out)


def _wrap_sum(latex: Any, e: Any, count: int) -> str:
    """A sum among several factors in parentheses; a negative number too (a threshold's -1)."""
    tex = latex(e)
    if e.is_Number and e.is_negative and count > 1:
        return f"({tex})"
    return f"\\left({tex}\\right)" if e.is_Add and count > 1 else tex


def derive_sample_rows(sheet: DerivationSheet, room: int = 0) -> list[str]:
    """One aligned line per sample: the chain's values multiplied, and the gradient (LaTeX and Markdown);
    a shared bias's chains added, a line each."""
    from bpcalc.render.sheet import LATEX_NEXT_CHAIN
    nums = sheet.numbers
    assert nums is not None
    names = sheet.notation
    rows = []
    for s in sheet.samples:
        closed = closed_tex(nums, s.gradient)
        tail = " = " + _value_tail(nums.text(s.gradient), closed)
        lhs = f"\\text{{{s.heading}:}} \\quad {names.latex(sheet.target)} &= "
        chains = []  # each chain's values multiplied; a shared bias's chains added
        for values in s.chains:
            numbers = [paren(num(nums.value(v))) for v in values]
            chains.append(_wrapped(numbers, " \\times ", visible(tail) + 20) if room else " \\times ".join(numbers))
        rows.append(lhs + (LATEX_NEXT_CHAIN + " + ").join(chains) + tail)
    return rows


def _derive_samples(sheet: DerivationSheet) -> str:
    if not sheet.samples or sheet.numbers is None:
        return ""
    nums = sheet.numbers
    names = sheet.notation
    out = ["\\subsection*{At the problem's samples}\n"]
    if sheet.mode_note:
        out.append(escape(sheet.mode_note) + "\n")
    out.append("\\begin{align*}\n" + " \\\\\n".join(derive_sample_rows(sheet, room=1)) + "\n\\end{align*}\n")
    labels = [s.label for s in sheet.samples]
    columns = [(f"${names.latex(n)}$", [f"${num(nums.value(s.values[i][1]))}$" for s in sheet.samples]) for i, (n, _) in enumerate(sheet.samples[0].values)]
    columns.append((f"$\\partial {names.latex(LOSS)}/\\partial {names.latex(sheet.param)}$", [f"${num(nums.text(s.gradient))}$" for s in sheet.samples]))
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


def derive_latex(d: DeriveResult, precision: int = 3, options: Any = None) -> str:
    """The `derive --format latex` printer."""
    from bpcalc.derivesheet import build as build_derivation

    body = derive_body(build_derivation(d, precision))
    return body if getattr(options, "latex_body", False) else document(body)
