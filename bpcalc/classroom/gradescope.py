"""Gradescope's autograder results (results.json): the score, the most, and one test per sample and part.

The shape Gradescope documents (gradescope-autograders.readthedocs.io, "Autograder Specifications"):
``{"score", "max_score"?, "output", "visibility", "stdout_visibility", "tests": [{"name", "score",
"max_score", "status", "output", "visibility"}]}``; ``status`` is "passed" or "failed".
"""

from __future__ import annotations

from typing import Any

from bpcalc.classroom.grade import Grade, Mark
from bpcalc.classroom.marking import Marked
from bpcalc.escape import one_line

PARTS = (("forward pass", ("forward", "loss")), ("gradients", ("gradient",)), ("parameters after the update", ("parameter_after",)))
VERDICT = {"right": "✓ right", "follows": "↪ follows through", "wrong": "✗ wrong", "missing": "missing"}


def _line(m: Mark, item: Any) -> str:
    label = m.key.label()
    if item is None:
        return f"{label}: missing"
    text = f"{label}: you wrote {one_line(item.given.text)} — {VERDICT[m.verdict]}"
    if m.verdict == "wrong":
        text += f": {one_line(item.mistake_name)}: {one_line(item.note)}"
    elif item.note:
        text += f" ({one_line(item.note)})"
    if m.note:
        text += f" [{one_line(m.note)}]"
    return text


def results(g: Grade, epochs: int = 1) -> dict[str, Any]:
    items = {(i.epoch, i.sample, i.key): i for i in g.report.items}
    groups: dict[tuple[int, int, str], list[Mark]] = {}
    for m in g.marks:
        part = next(name for name, kinds in PARTS if m.key.kind in kinds)
        groups.setdefault((m.epoch, m.sample, part), []).append(m)
    order = [name for name, _ in PARTS]
    tests = []
    for (epoch, sample, part), marks in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], order.index(kv[0][2]))):
        where = f"Sample {sample}" if epochs == 1 else f"Epoch {epoch}, sample {sample}"
        score, most = sum(m.earned for m in marks), sum(m.points for m in marks)
        tests.append({
            "name": f"{where}: {part}",
            "score": float(score),
            "max_score": float(most),
            "status": "passed" if all(m.verdict in ("right", "follows") for m in marks) else "failed",
            "output": "\n".join(_line(m, items.get((m.epoch, m.sample, m.key))) for m in marks),
            "visibility": "visible",
        })
    s = g.report.summary
    summary = f"{s.right} right, {s.follows} followed through, {s.wrong} wrong, {g.count('missing')} missing · score {g.score:.3f}"
    first = g.report.first_mistake
    if first is not None:
        summary += f" · first mistake: {first.step}"
    return {
        "score": float(g.earned),
        "max_score": float(g.possible),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope(marked: list[Marked]) -> dict[str, Any]:
    """One file: its results.json; several: an object of them by file name (one results.json each)."""
    def one(m: Marked) -> dict[str, Any]:
        if m.grade is None:
            return {"score": 0.0, "output": "bpcalc could not mark this file: " + one_line(m.error), "visibility": "visible", "tests": []}
        return results(m.grade, m.problem.epochs if m.problem is not None else 1)

    if len(marked) == 1:
        return one(marked[0])
    return {m.name: one(m) for m in marked}
