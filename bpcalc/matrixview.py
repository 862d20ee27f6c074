"""`run --view matrix`: the vectorised working (deeplearning.ai, CS231n) — Z1 = W1·X + b1, A1 = g(Z1), ..., dW1 — in pure Python.

Per sample, or per epoch in batch mode with the batch of m samples as the columns of X: every
matrix with its shape and numbers, worked from the parameters with matrix products (no numpy):

    Z[l] = W[l]·A[l-1] + b[l],  A[l] = g(Z[l]);  dZ[L] = A[L] − Y (or dA[L] ⊙ g'(Z[L]));
    dW[l] = (1/m)·dZ[l]·A[l-1]ᵀ,  db[l] = (1/m)·Σ dZ[l],  dA[l-1] = W[l]ᵀ·dZ[l],  dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1]).

Entry (j, k) of dW[l] is the scalar view's gradient of the weight into unit j of layer l from unit k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bpcalc import names as N
from bpcalc.errors import BpcalcError
from bpcalc.escape import one_line
from bpcalc.evaluate import Run
from bpcalc.render.numbers import written
from bpcalc.render.values import Numbers

Matrix = list[list[Any]]


@dataclass(frozen=True)
class Entry:
    """One line of the matrix working: name = formula = matrix (rows × columns)."""

    name: str  # Z1, dW1 (text); LaTeX from ``latex``
    formula: str  # W1·X + b1
    latex: str  # Z^{[1]} = W^{[1]} X + b^{[1]}
    value: Matrix
    given: bool = False  # numbers from the problem file, shown as written


@dataclass(frozen=True)
class Block:
    heading: str  # "Sample 1" / "Epoch 1 (batch of 3)"
    m: int
    entries: tuple[Entry, ...]


def _matmul(a: Matrix, b: Matrix, m: Any) -> Matrix:
    return [[m.fsum([a[i][k] * b[k][j] for k in range(len(b))]) for j in range(len(b[0]))] for i in range(len(a))]


def _t(a: Matrix) -> Matrix:
    return [list(col) for col in zip(*a)]


def weights(net: Any, params: dict[str, Any], li: int) -> Matrix:
    """W[l] (to-from): row j = unit j of layer l, column k = unit k of layer l-1."""
    return [[params[net.weight(s, t)] for s in net.units[li - 1]] for t in net.units[li]]


def _stable(net: Any) -> bool:
    """dZ[L] = A[L] − Y for the loss and output activation (σ with bce, softmax with ce)."""
    return (net.loss_name, net.activations[-1]) in (("bce", "sigmoid"), ("ce", "softmax"), ("ce", "sigmoid"))


def blocks(run: Run, sample: int | None = None) -> list[Block]:
    """The matrix working of every update of the run (``sample``: online mode, that sample only)."""
    pr = run.problem
    net = pr.network
    m = run.math
    out: list[Block] = []
    batch = pr.update == "batch"
    groups: list[tuple[str, list[Any]]] = []
    if batch:
        for epoch in range(1, pr.epochs + 1):
            rs = [r for r in run.results if r.epoch == epoch]
            groups.append((f"Epoch {epoch}: the batch of {len(rs)} samples as the columns of X", rs))
    else:
        for r in run.results:
            if sample is None or r.sample == sample:
                groups.append((f"Epoch {r.epoch}, sample {r.sample}" if pr.epochs > 1 else f"Sample {r.sample}", [r]))
    for heading, rs in groups:
        out.append(Block(heading, len(rs), tuple(_entries(net, m, rs))))
    return out


def _entries(net: Any, m: Any, rs: list[Any]) -> list[Entry]:
    params = rs[0].before
    count = len(rs)
    last = len(net.layers) - 1
    sign = "−" if net.threshold else "+"
    b_name = "θ" if net.threshold else "b"
    b_tex = "\\theta" if net.threshold else "b"
    minus_tex = "-" if net.threshold else ""
    a_prev: Matrix = [[m.num(r.inputs[u.name]) for r in rs] for u in net.inputs]
    out = [Entry("X", "the inputs", "X", [[r.inputs[u.name] for r in rs] for u in net.inputs], True)]
    acts: list[Matrix] = [a_prev]
    zs: list[Matrix] = [[]]
    for li in range(1, last + 1):
        w = weights(net, params, li)
        z = _matmul(w, a_prev, m)
        if net.bias:
            for j, u in enumerate(net.units[li]):  # a layer's shared bias: the same number for every unit
                b = params[u.bias] * net.bias_input
                z[j] = [x + b for x in z[j]]
        z = [[m.step(x) for x in row] for row in z]
        act = net.activation(li)
        if act.elementwise:
            a = [[m.step(act.value(m, x)) for x in row] for row in z]
        else:
            a = _t([[m.step(v) for v in act.value(m, col)] for col in _t(z)])
        prev = "X" if li == 1 else f"A{li - 1}"
        prev_tex = "X" if li == 1 else f"A^{{[{li - 1}]}}"
        bias_text = f" {sign} {b_name}{li}" if net.bias else ""
        bias_tex = f" {'-' if net.threshold else '+'} {b_tex}^{{[{li}]}}" if net.bias else ""
        out.append(Entry(f"Z{li}", f"W{li}·{prev}{bias_text}", f"Z^{{[{li}]}} = W^{{[{li}]}} {prev_tex}{bias_tex}", z))
        g = _act_name(net.activations[li - 1])
        g_tex = "\\sigma" if g == "σ" else f"\\mathrm{{{g}}}"
        out.append(Entry(f"A{li}", f"{g}(Z{li})", f"A^{{[{li}]}} = {g_tex}(Z^{{[{li}]}})", a))
        acts.append(a)
        zs.append(z)
        a_prev = a
    # the output layer's dZ: the loss's δ of every sample (A − Y where the loss and activation give it)
    out.append(Entry("Y", "the targets", "Y", [[r.targets[u.target] for r in rs] for u in net.outputs], True))
    dz = [[r.pass_.deltas[u.pre] for r in rs] for u in net.outputs]
    if _stable(net):
        dz_formula, dz_tex = f"A{last} − Y", f"dZ^{{[{last}]}} = A^{{[{last}]}} - Y"
    else:
        dz_formula, dz_tex = f"dA{last} ⊙ g'(Z{last})", f"dZ^{{[{last}]}} = dA^{{[{last}]}} \\odot g'(Z^{{[{last}]}})"
    scale = m.num(1) / m.num(count) if count > 1 else None
    mean = "(1/m)·" if count > 1 else ""
    mean_tex = "\\frac{1}{m} " if count > 1 else ""
    for li in range(last, 0, -1):
        out.append(Entry(f"dZ{li}", dz_formula, dz_tex, dz))
        prev = "X" if li == 1 else f"A{li - 1}"
        prev_tex = "X" if li == 1 else f"A^{{[{li - 1}]}}"
        dw = _matmul(dz, _t(acts[li - 1]), m)
        db = [[m.fsum(row)] for row in dz]
        if net.per_layer:  # one bias shared by the layer: the sum over its units too
            db = [[m.fsum([x for (x,) in db])]]
        if scale is not None:
            dw = [[x * scale for x in row] for row in dw]
            db = [[x * scale for x in row] for row in db]
        dw = [[m.step(x) for x in row] for row in dw]
        db = [[m.step(x * net.bias_input) for x in row] for row in db]
        out.append(Entry(f"dW{li}", f"{mean}dZ{li}·{prev}ᵀ", f"dW^{{[{li}]}} = {mean_tex}dZ^{{[{li}]}} {{{prev_tex}}}^{{T}}", dw))
        if net.bias:
            minus = "−" if net.threshold else ""
            over = "the units and the samples" if net.per_layer else "the samples"
            out.append(Entry(f"d{b_name}{li}", f"{minus}{mean}Σ dZ{li} (over {over})", f"d{b_tex}^{{[{li}]}} = {minus_tex}{mean_tex}\\sum dZ^{{[{li}]}}", db))
        if li > 1:
            w = weights(net, params, li)
            da = [[m.step(x) for x in row] for row in _matmul(_t(w), dz, m)]
            out.append(Entry(f"dA{li - 1}", f"W{li}ᵀ·dZ{li}", f"dA^{{[{li - 1}]}} = W^{{[{li}]T}} dZ^{{[{li}]}}", da))
            act = net.activation(li - 1)
            slope = [[m.step(act.derivative(m, z, a)) for z, a in zip(zr, ar)] for zr, ar in zip(zs[li - 1], acts[li - 1])]
            dz = [[m.step(x * s) for x, s in zip(dr, sr)] for dr, sr in zip(da, slope)]
            dz_formula = f"dA{li - 1} ⊙ g'(Z{li - 1})"
            dz_tex = f"dZ^{{[{li - 1}]}} = dA^{{[{li - 1}]}} \\odot g'(Z^{{[{li - 1}]}})"
    return out


def _act_name(spec: str) -> str:
    return {"sigmoid": "σ"}.get(spec, spec.split("(")[0])


NOTE = "Entry (j, k) of dWl is the gradient of the weight into unit j of layer l from unit k of layer l-1 (counted from 0): "


def entry_note(net: Any, notation: Any, tex: bool = False) -> str:
    """Which weight entry (j, k) of dW1 is, said once in the notation's names."""
    k = 1 if net.layers[0] > 1 else 0
    w = N.weight(net.units[0][k].number, 1)
    if tex:
        return NOTE + f"$dW^{{[1]}}[0,{k}] = \\partial {notation.latex(N.LOSS)}/\\partial {notation.latex(w)}$."
    return NOTE + f"dW1[0,{k}] = d{notation.text(N.LOSS)}/d{notation.text(w)}."


def _shown(nums: Numbers, e: Entry) -> Any:
    """How an entry's numbers are written: computed ones as the run shows them, given ones as the file has them."""
    if not e.given:
        return nums

    class Written:
        @staticmethod
        def text(x: Any) -> str:
            return written(x)

    return Written


def _shape(a: Matrix) -> str:
    return f"({len(a)}×{len(a[0]) if a else 0})"


def text(run: Run, view: Any, width: int = 80) -> str:
    nums = Numbers(run.math, view.precision)
    net = run.problem.network
    lines = [one_line(run.problem.title)] if run.problem.title else []
    lines.append(f"{'-'.join(map(str, net.layers))} network, the matrix view · " + entry_note(net, view.notation))
    for b in blocks(run, view.sample):
        lines += ["", b.heading + (f" (m = {b.m})" if b.m > 1 else "")]
        for e in b.entries:
            lines.append(f"{e.name} = {e.formula}  {_shape(e.value)}")
            lines += _matrix_lines(e.value, _shown(nums, e), width)
    return "\n".join(_wrap(lines, width)) + "\n"


def _wrap(lines: list[str], width: int) -> list[str]:
    import textwrap

    out = []
    for ln in lines:
        out += textwrap.wrap(ln, width, subsequent_indent="  ") if len(ln) > width else [ln]
    return out


def _matrix_lines(a: Matrix, nums: Numbers, width: int) -> list[str]:
    cells = [[nums.text(x) for x in row] for row in a]
    w = max(len(c) for row in cells for c in row)
    per = max(1, (width - 6) // (w + 2))
    out = []
    for start in range(0, len(cells[0]), per):
        if start:
            out.append(f"  (columns {start + 1}-{min(start + per, len(cells[0]))})")
        for row in cells:
            out.append("  [ " + "  ".join(c.rjust(w) for c in row[start : start + per]) + " ]")
    return out


def _bmatrix(a: Matrix, nums: Numbers) -> str:
    return "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(nums.text(x) for x in row) for row in a) + " \\end{bmatrix}"


def latex(run: Run, view: Any, body_only: bool = False) -> str:
    from bpcalc.render.latex import escape as tex_escape

    nums = Numbers(run.math, view.precision)
    net = run.problem.network
    parts = []
    if run.problem.title:
        parts.append(f"\\section*{{{tex_escape(run.problem.title)}}}")
    parts.append(tex_escape(NOTE) + entry_note(net, view.notation, tex=True)[len(NOTE):])
    for b in blocks(run, view.sample):
        parts.append(f"\\subsection*{{{tex_escape(b.heading)}}}")
        for e in b.entries:
            lhs = e.latex if "=" in e.latex else e.latex
            shape = f"\\quad ({len(e.value)} \\times {len(e.value[0])})"
            parts.append(f"\\[ {lhs} = {_bmatrix(e.value, _shown(nums, e))} {shape} \\]")
    body = "\n".join(parts) + "\n"
    if body_only:
        return body
    return "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath}\n\\usepackage[margin=2cm]{geometry}\n\\begin{document}\n" + body + "\\end{document}\n"


def markdown(run: Run, view: Any) -> str:
    from bpcalc.render.markdown import escape as md_escape

    nums = Numbers(run.math, view.precision)
    net = run.problem.network
    parts = [f"# {md_escape(run.problem.title)}"] if run.problem.title else []
    parts.append(md_escape(entry_note(net, view.notation)))
    for b in blocks(run, view.sample):
        parts.append(f"## {md_escape(b.heading)}")
        for e in b.entries:
            parts.append(f"$$ {e.latex} = {_bmatrix(e.value, _shown(nums, e))} \\quad ({len(e.value)} \\times {len(e.value[0])}) $$")
    return "\n\n".join(parts) + "\n"


def run_matrix(run: Run, view: Any, fmt: str, options: Any = None) -> str:
    """The matrix view in ``fmt`` (rich and plain: text; latex; markdown)."""
    import os

    if fmt in ("rich", "plain"):
        return text(run, view, int(os.environ.get("COLUMNS", "0") or 0) or 80)
    if fmt == "latex":
        return latex(run, view, bool(options and options.latex_body))
    if fmt == "markdown":
        return markdown(run, view)
    raise BpcalcError(f"--view matrix prints text, latex or markdown, not {fmt}")
