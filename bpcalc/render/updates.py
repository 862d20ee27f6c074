"""The update table's layout, shared by every printer: its rule as a formula, its columns and each row's cells, as text and as LaTeX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bpcalc.render.numbers import given
from bpcalc.render.values import tex_number
from bpcalc.worksheet import Section, UpdateRow, Worksheet


@dataclass(frozen=True)
class Layout:
    """The rule (text, LaTeX), the column headers (text, LaTeX) and, per row, the values in column order."""

    rule: tuple[str, str]
    columns: tuple[tuple[str, str], ...]
    decay: bool


def layout(ws: Worksheet, sec: Section) -> Layout:
    pr = ws.run.problem
    lr = given(pr.learning_rate)
    tlr = tex_number(lr)
    if pr.update == "online":
        g, gl = "dL/dp", "\\partial L/\\partial p"
    elif pr.reduction == "sum":
        g, gl = "sum(dL/dp)", "\\sum \\partial L/\\partial p"
    else:
        g, gl = "mean(dL/dp)", "\\overline{\\partial L/\\partial p}"
    decay = sec.objective is not None
    cols: list[tuple[str, str]] = [("old", "old")]
    if decay:
        lam = given(pr.weight_decay)
        cols += [(g if pr.update != "batch" or pr.reduction == "sum" else "mean dL/dp", gl), ("λ·w", "\\lambda w"), ("dJ/dp", "\\partial J/\\partial p")]
        g, gl = "dJ/dp", "\\partial J/\\partial p"
        tail, tail_l = f", λ = {lam}", f", $\\lambda = {tex_number(lam)}$"
    else:
        cols.append((g if pr.update != "batch" else "mean dL/dp", gl))
        tail, tail_l = "", ""
    rule = sec.rule
    if rule is None:
        text = f"p - η·{g}, η = {lr}"
        tex = f"$p \\leftarrow p - \\eta \\cdot {gl}$, $\\eta = {tlr}${tail_l}"
        cols += [("η·grad", f"\\eta \\cdot {gl}")]
    elif rule.name == "momentum":
        mu = given(pr.optimizer.momentum)
        at = " at p + μ·Δp(n-1)" if rule.nesterov else ""
        at_l = " \\text{ at } p + \\mu \\Delta p(n-1)" if rule.nesterov else ""
        text = f"Δp(n) = μ·Δp(n-1) - η·{g}{at}, p + Δp(n), μ = {mu}, η = {lr}"
        tex = f"$\\Delta p(n) = \\mu \\Delta p(n-1) - \\eta \\cdot {gl}{at_l}$, $p \\leftarrow p + \\Delta p(n)$, $\\mu = {tex_number(mu)}$, $\\eta = {tlr}${tail_l}"
        cols += [(c.text, c.latex) for c in rule.columns] + [(rule.step_column.text, rule.step_column.latex)]
    else:
        o = pr.optimizer
        t = sec.count
        text = (
            f"t = {t}: m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², m̂ = m/(1-β1^t), v̂ = v/(1-β2^t), p - η·m̂/(√v̂+ε),"
            f" g = {g}, β1 = {given(o.beta1)}, β2 = {given(o.beta2)}, ε = {given(o.epsilon)}, η = {lr}"
        )
        tex = (
            f"$t = {t}$: $m \\leftarrow \\beta_1 m + (1-\\beta_1) g$, $v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2$,"
            f" $\\hat m = m/(1-\\beta_1^t)$, $\\hat v = v/(1-\\beta_2^t)$, $p \\leftarrow p - \\eta \\hat m/(\\sqrt{{\\hat v}} + \\epsilon)$,"
            f" $g = {gl}$, $\\beta_1 = {tex_number(given(o.beta1))}$, $\\beta_2 = {tex_number(given(o.beta2))}$, $\\epsilon = {tex_number(given(o.epsilon))}$, $\\eta = {tlr}${tail_l}"
        )
        cols += [(c.text, c.latex) for c in rule.columns] + [(rule.step_column.text, rule.step_column.latex)]
    cols.append(("new", "new"))
    return Layout((text + tail, tex), tuple(cols), decay)


def cells(row: UpdateRow, lay: Layout, rule: Any) -> list[Any]:
    """The row's values in the layout's column order (None where a frozen parameter has no state)."""
    out: list[Any] = [row.old]
    if lay.decay:
        out += [row.loss_gradient, row.decay]
    out.append(row.gradient)
    if rule is not None:
        out += list(row.state) if row.state else [None] * len(rule.columns)
    out += [row.step, row.new]
    return out


def working_label(rule: Any, what: str, name: str) -> str:
    """Δw11(n) (momentum's step), m(w11), v̂(w11), step(w11) (Adam) — as text; ``name`` as the printer spells it."""
    if what == "Δ":
        return f"Δ{name}(n)" if rule.name == "momentum" else f"step({name})"
    return f"{what}({name})"


def working_label_latex(rule: Any, what: str, name: str) -> str:
    if what == "Δ":
        return f"\\Delta {name}(n)" if rule.name == "momentum" else f"\\mathrm{{step}}({name})"
    return {"m": "m", "v": "v", "m̂": "\\hat m", "v̂": "\\hat v"}[what] + f"({name})"


def objective_text(ws: Worksheet, sec: Section, num: Any) -> str:
    """J = L + (λ/2)·Σw² with the numbers: the loss row of an update with weight decay."""
    assert sec.objective is not None
    pr = ws.run.problem
    loss, decay, total = (num(x) for x in sec.objective)
    which = "L" if pr.update == "online" else ("sum L" if pr.reduction == "sum" else "mean L")
    return f"Objective J = {which} + (λ/2)·Σw² = {loss} + {decay} = {total} (λ = {given(pr.weight_decay)}, weights only, never the biases)"
