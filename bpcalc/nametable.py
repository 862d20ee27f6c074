"""`bpcalc names`: the cross-reference table of a problem's names, sheet ↔ textbook notation profiles."""

from __future__ import annotations

import textwrap
from typing import Any, Sequence

from bpcalc.escape import one_line
from bpcalc.names import SHEET
from bpcalc.notations import NOTATIONS, notation_for
from bpcalc.problem import Problem


WIDTH = 80  # the text (title, profile notes) wrapped to this; the tables' rows are short


def _meaning(net: Any, q: Any) -> str:
    if q.is_bias:
        us = net.sharing(q)
        if len(us) > 1:
            return "bias of " + ", ".join(SHEET.text(u.id) for u in us)
        return ("threshold of " if net.threshold else "bias of ") + SHEET.text(q.target.id)
    return f"{SHEET.text(q.source.id)} → {SHEET.text(q.target.id)}"


def _aligned(head: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [line(head), "  ".join("─" * w for w in widths), *(line(r) for r in rows)]


def cross_reference(problem: Problem, notation: str | None = None) -> str:
    """Every unit and parameter of the problem's network in the sheet's names and in ``notation`` (None: every profile)."""
    net = problem.network
    chosen = [notation] if notation else [n for n in NOTATIONS if n != "sheet"]
    spell = [notation_for(net, n) for n in chosen]
    out = textwrap.wrap(one_line(problem.title), WIDTH) if problem.title else []
    out.append(f"{'-'.join(map(str, net.layers))} network: names in the sheet notation and in " + ", ".join(chosen))
    out.append("")
    units = []
    for row in net.units:
        for u in row:
            units.append([SHEET.text(u.id), *(s.text(u.id) for s in spell), ""])
            if u.layer:
                units.append([SHEET.text(u.pre_id), *(s.text(u.pre_id) for s in spell), f"pre-activation of {SHEET.text(u.id)}"])
            if u.target_id is not None:
                units.append([SHEET.text(u.target_id), *(s.text(u.target_id) for s in spell), f"target of {SHEET.text(u.id)}"])
    out += _aligned(["unit", *chosen, "what"], units)
    out.append("")
    from bpcalc.render.numbers import written as given

    rows = [
        [SHEET.text(q.id), *(s.text(q.id) for s in spell), _meaning(net, q), given(problem.parameters[q.name])]
        for q in net.params
    ]
    out += _aligned(["parameter", *chosen, "what", "value"], rows)
    for name in chosen:
        p = NOTATIONS[name]
        out += ["", *textwrap.wrap(f"{name}: {p.title}", WIDTH, subsequent_indent="  ")]
        out += [f"  {w}" for w in p.words]
    return "\n".join(out) + "\n"
