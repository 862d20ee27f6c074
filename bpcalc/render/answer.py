"""The answer key of a run as data: every line of the sheet in LaTeX math, shared by the LaTeX and Markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from bpcalc.evaluate import Run, SampleResult
from bpcalc.functions import activation
from bpcalc.network import Network, latex_name
from bpcalc.render.numbers import given
from bpcalc.render.values import CLOSED_MATH, Numbers, paren, tex_number

SECTIONS = ("forward", "gradients", "updates", "parameters")


@dataclass(frozen=True)
class SheetOptions:
    precision: int = 3  # decimals shown (float and hand-rounded modes)
    show: tuple[str, ...] = SECTIONS
    sample: int | None = None  # only this sample (1-based)
    param_columns: int = 9  # at most this many parameters per row of a "Post Sample" table
    param_width: int = 90  # and at most about this many characters


@dataclass(frozen=True)
class Line:
    """One forward-pass line: name = formula = substituted = value (≈ closed form in exact mode)."""

    name: str  # LaTeX
    formula: str  # LaTeX
    substituted: tuple[str, ...]  # LaTeX terms of the sum with numbers substituted; () when it would only repeat the formula
    value: str  # the number as text (-0.600, -3.93e-06)
    closed: str | None = None  # LaTeX closed form (exact mode)


@dataclass(frozen=True)
class Chain:
    """One gradient: ∂L/∂p = general factors = the sheet's forms = numbers = value."""

    param: str  # file name, w11
    lhs: str  # LaTeX ∂L/∂w_{11}
    partials: tuple[str, ...]
    forms: tuple[str, ...]
    numbers: tuple[str, ...]  # as text
    value: str
    closed: str | None = None


@dataclass(frozen=True)
class UpdateRow:
    name: str  # LaTeX
    old: str
    gradient: str
    step: str
    new: str
    frozen: bool = False


@dataclass(frozen=True)
class ParamTable:
    title: str  # plain text ("" for a continuation row)
    names: tuple[str, ...]  # LaTeX
    values: tuple[str, ...]  # text


@dataclass(frozen=True)
class SampleSheet:
    heading: str  # plain text: "Sample 1" / "Epoch 2, sample 1"
    givens: tuple[tuple[str, str], ...]  # (LaTeX name, value) for inputs and targets
    forward: tuple[Line, ...] | None
    gradients: tuple[Chain, ...] | None
    update_title: str  # plain text with LaTeX math between $…$
    updates: tuple[UpdateRow, ...] | None
    gradient_header: str  # LaTeX: ∂L/∂p, or mean ∂L/∂p in batch mode
    parameters: tuple[ParamTable, ...] | None


@dataclass(frozen=True)
class Sheet:
    title: str
    summary: str  # plain text
    mode_note: str  # plain text, "" in float mode
    samples: tuple[SampleSheet, ...]


def loss_tex(net: Network) -> str:
    """The loss as the sheet writes it."""
    many = len(net.outputs) > 1
    y, t = ("y_{k}", "t_{k}") if many else ("y", "t")
    s = "\\sum_{k}" if many else ""
    body = {
        "bce": f"-{s}\\left[{t} \\ln {y} + (1 - {t}) \\ln(1 - {y})\\right]" if many else f"-{t} \\ln {y} - (1 - {t}) \\ln(1 - {y})",
        "ce": f"-{s} {t} \\ln {y}",
        "half_sse": f"\\tfrac{{1}}{{2}} {s} ({y} - {t})^{{2}}",
        "sse": f"{s} ({y} - {t})^{{2}}",
        "mse": f"\\tfrac{{1}}{{{len(net.outputs)}}} {s} ({y} - {t})^{{2}}",
    }[net.loss_name]
    return " ".join(body.split())


def act_tex(kind: str, z: str) -> str:
    """An activation of the pre-activation named ``z`` (LaTeX), as the sheet writes it."""
    tex = activation(kind).tex
    if tex is None:
        raise ValueError(kind)
    return str(tex(z))


def _neg_tex(text: str) -> str:
    """The exponent −z of e^{−z} for a displayed z: '-0.600' → '0.600', '2.1' → '-2.1'."""
    return text[1:] if text.startswith("-") else ("-" + text if text not in ("0", "0.0") and set(text) - set("0.") else text)


def forward_lines(run: Run, r: SampleResult, nums: Numbers) -> tuple[Line, ...]:
    net = run.problem.network
    vals: dict[str, Any] = {**r.inputs, **r.pass_.forward}
    out: list[Line] = []
    for li in range(1, len(net.layers)):
        prev = net.units[li - 1]
        kind = net.activations[li - 1]
        for u in net.units[li]:
            terms = [f"{latex_name(s.name)} {latex_name(net.weight(s, u))}" for s in prev]
            subs = [f"{paren(tex_number(nums.value(vals[s.name])))} \\cdot {paren(tex_number(nums.value(r.before[net.weight(s, u)])))}" for s in prev]
            formula = " + ".join(terms)
            if u.bias:  # + b, or − θ for a threshold on the fixed input −1
                formula += f" {'-' if net.threshold else '+'} {latex_name(u.bias)}"
                value = paren(tex_number(nums.value(r.before[u.bias])))
                subs.append(f"(-1) \\cdot {value}" if net.threshold else value)
            z = r.pass_.forward[u.pre]
            out.append(Line(latex_name(u.pre or ""), formula, tuple(subs), nums.text(z), closed_tex(nums, z)))
        for u in net.units[li]:
            z, a = r.pass_.forward[u.pre], r.pass_.forward[u.name]
            zn = latex_name(u.pre or "")
            if kind == "softmax":
                out.append(Line(latex_name(u.name), f"\\frac{{e^{{{zn}}}}}{{\\sum_{{j}} e^{{o_{{j}}}}}}", (), nums.text(a), closed_tex(nums, a)))
                continue
            ztext = tex_number(nums.value(z))
            if kind == "sigmoid":
                sub = f"\\frac{{1}}{{1 + e^{{{tex_number(_neg_tex(nums.value(z)))}}}}}"
            elif kind == "linear":
                sub = ""
            else:
                sub = act_tex(kind, ztext)
            out.append(Line(latex_name(u.name), act_tex(kind, zn), (sub,) if sub else (), nums.text(a), closed_tex(nums, a)))
    out.append(Line("L", loss_tex(net), (), nums.text(r.pass_.loss), closed_tex(nums, r.pass_.loss)))
    return tuple(out)


def closed_tex(nums: Numbers, x: Any) -> str | None:
    """LaTeX of the closed form worth showing beside a value (exact mode), else None."""
    q = nums.closed(x, CLOSED_MATH)
    if q is None:
        return None
    from bpcalc.render.sheet import latex

    return latex(q)


def gradient_chains(run: Run, r: SampleResult, nums: Numbers) -> tuple[Chain, ...]:
    from bpcalc.derive import build
    from bpcalc.render.sheet import key_latex, latex

    net = run.problem.network
    d = build(net)
    out = []
    for p in net.params:
        pd = d.params[p.name]
        forms = []
        for f in pd.factors:
            tex = latex(f.sheet)
            forms.append(f"\\left({tex}\\right)" if f.sheet.is_Add or (f.sheet.could_extract_minus_sign() and len(pd.factors) > 1) else tex)
        g = r.pass_.gradients[p.name]
        out.append(
            Chain(
                p.name,
                f"\\frac{{\\partial L}}{{\\partial {latex_name(p.name)}}}",
                tuple(key_latex(f.key) for f in pd.factors),
                tuple(forms),
                tuple(nums.value(r.pass_.factors[f.key]) for f in pd.factors),
                nums.text(g),
                closed_tex(nums, g),
            )
        )
    return tuple(out)


def update_rows(run: Run, r: SampleResult, nums: Numbers) -> tuple[UpdateRow, ...]:
    u = r.update
    assert u is not None
    return tuple(
        UpdateRow(
            latex_name(n),
            nums.text(u.before[n]),
            nums.text(u.gradients[n]),
            nums.text(u.steps[n]),
            nums.text(u.after[n]),
            n in run.problem.frozen,
        )
        for n in u.before
    )


def parameter_tables(run: Run, r: SampleResult, nums: Numbers, title: str, columns: int, width: int) -> tuple[ParamTable, ...]:
    """The "Post Sample" tables: per layer, rows of at most ``columns`` parameters and about ``width`` characters."""
    net = run.problem.network
    out: list[ParamTable] = []
    for li in range(1, len(net.layers)):
        names = [q.name for q in net.params_into(li)]
        values = {n: nums.text(r.after[n]) for n in names}
        chunk: list[str] = []
        used = 0
        for n in names + [""]:
            w = max(len(values.get(n, "")), len(n)) + 3
            if chunk and (not n or len(chunk) == columns or used + w > width):
                out.append(ParamTable(title if not out else "", tuple(latex_name(c) for c in chunk), tuple(values[c] for c in chunk)))
                chunk, used = [], 0
            if n:
                chunk.append(n)
                used += w
    return tuple(out)


def summary(run: Run) -> str:
    pr = run.problem
    net = pr.network
    bits = [
        f"{'-'.join(map(str, net.layers))} network",
        "activations " + ", ".join(net.activations),
        f"loss {net.loss_name}",
        f"learning rate {given(pr.learning_rate)}",
        f"{pr.update} updates",
        f"{pr.epochs} epoch{'s' if pr.epochs != 1 else ''}",
    ]
    if not net.bias:
        bits.append("no biases")
    if pr.frozen:
        bits.append("frozen: " + ", ".join(n for n in net.param_names if n in pr.frozen))
    return "; ".join(bits)


def mode_note(run: Run) -> str:
    m = run.math
    if m.name == "rounded":
        return f"Hand-rounded: every intermediate result shown is rounded to {m.decimals} decimals (half up) before it is used further."
    if m.name == "exact":
        return (
            f"Exact arithmetic: inputs and parameters as exact rationals, closed forms where they stay short, "
            f"decimals to {m.digits} significant digits."
        )
    return ""


def results(run: Run, sample: int | None) -> Iterable[SampleResult]:
    return (r for r in run.results if sample is None or r.sample == sample)


def build_sheet(run: Run, opts: SheetOptions) -> Sheet:
    """The whole answer key of ``run`` as data."""
    pr = run.problem
    nums = Numbers(run.math, opts.precision)
    samples = []
    for r in results(run, opts.sample):
        heading = f"Epoch {r.epoch}, sample {r.sample}" if pr.epochs > 1 else f"Sample {r.sample}"
        givens = tuple((latex_name(k), given(v)) for k, v in {**r.inputs, **r.targets}.items())
        lr = given(pr.learning_rate)
        if pr.update == "batch":
            update_title = f"Batch update after epoch {r.epoch}: $p \\leftarrow p - \\eta \\cdot \\overline{{\\partial L/\\partial p}}$, $\\eta = {lr}$"
            gh = "\\overline{\\partial L/\\partial p}"
        else:
            update_title = f"Update: $p \\leftarrow p - \\eta \\cdot \\partial L/\\partial p$, $\\eta = {lr}$"
            gh = "\\partial L/\\partial p"
        where = f"epoch {r.epoch}" if pr.update == "batch" else f"sample {r.sample}"
        if pr.epochs > 1 and pr.update == "online":
            where = f"epoch {r.epoch}, sample {r.sample}"
        has_update = r.update is not None
        samples.append(
            SampleSheet(
                heading,
                givens,
                forward_lines(run, r, nums) if "forward" in opts.show else None,
                gradient_chains(run, r, nums) if "gradients" in opts.show else None,
                update_title,
                update_rows(run, r, nums) if has_update and "updates" in opts.show else None,
                gh,
                parameter_tables(run, r, nums, f"Parameters after {where}", opts.param_columns, opts.param_width)
                if has_update and "parameters" in opts.show
                else None,
            )
        )
    return Sheet(pr.title, summary(run), mode_note(run), tuple(samples))
