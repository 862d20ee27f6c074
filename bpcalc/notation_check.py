"""Answers in a student's notation: their names read into the sheet's, and the notation they seem to be in.

When a student's names fit another profile far better than the one in force (most values right under
it, mostly wrong or unreadable under the declared one), :func:`hint` says so in one line rather than
letting `check` mark them against the wrong weights.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from bpcalc.errors import ProblemError
from bpcalc.names import SHEET
from bpcalc.notations import NOTATIONS, notation_for
from bpcalc.problem import Problem
from bpcalc.suggest import did_you_mean

Bad = Callable[[str], ProblemError]  # a message (" in the global notation ...") -> the error naming its place
FAR_BETTER = 0.8  # share of values right under another profile ...
MOSTLY_WRONG = 0.5  # ... while under the declared one fewer than this are


def translator(problem: Problem, notation: str) -> Callable[[str, Bad], str] | None:
    """A function giving a name written in ``notation`` in the sheet's spelling (None for the sheet itself)."""
    if notation == "sheet":
        return None
    net = problem.network
    names = notation_for(net, notation)

    def sheet_name(name: str, bad: Bad) -> str:
        if name.lower() in ("loss", "l"):
            return name
        n = names.parse(name)  # type: ignore[attr-defined]
        if n is None or n.kind == "err":
            known = [names.text(a) for a in names.atoms] + [names.key(a) for a in names.atoms]  # type: ignore[attr-defined]
            raise bad(f" in the {notation} notation{did_you_mean(name, known)}; this problem's names are {notation}'s (see `bpcalc names`), or use --notation")
        return SHEET.key(n)

    return sheet_name


def _score(problem: Problem, text: str, source: str, options: Any, notation: str) -> tuple[float, int] | None:
    """(share of values right, values checked) of the answers read in ``notation``; None when they cannot be read so."""
    from bpcalc.check import check, parse_answers

    try:
        report = check(problem, parse_answers(text, source, problem, notation), options)
    except ProblemError:
        return None
    s = report.summary
    return s.score, s.checked


def _examples(problem: Problem, notation: str) -> str:
    b = notation_for(problem.network, notation)
    params = problem.network.params
    picks = [params[0].id] + [p.id for p in params if p.is_bias][:1]
    return ", ".join(b.text(n) for n in picks)  # type: ignore[arg-type]


WORDS = {"global": "global numbering", "sequential": "sequential numbering", "layered": "layered to-from names", "sheet": "the sheet's names"}


def hint(problem: Problem, text: str, source: str, options: Any, declared: str, declared_score: float | None) -> str | None:
    """One line naming the notation the answers fit far better than ``declared`` (``declared_score``: their share
    right under it, None when they could not be read in it); None when no other fits far better."""
    if declared_score is not None and declared_score >= MOSTLY_WRONG:
        return None
    best: tuple[float, str] | None = None
    for name in NOTATIONS:
        if name == declared:
            continue
        got = _score(problem, text, source, options, name)
        if got is not None and got[1] and got[0] >= FAR_BETTER and (best is None or got[0] > best[0]):
            best = (got[0], name)
    if best is None:
        return None
    name = best[1]
    return f"{source}: these names look like {WORDS[name]} ({_examples(problem, name)}): try --notation {name}"


def label(key: Any, problem: Problem) -> str:
    """A checked value's label in the problem's notation (the checker's own, the sheet's, in the sheet's)."""
    if problem.notation == "sheet":
        return key.label()  # type: ignore[no-any-return]
    from bpcalc import names as N

    net = problem.network
    names = notation_for(net, problem.notation)
    loss = names.text(N.LOSS)
    if key.kind == "loss":
        return loss
    if key.kind == "delta":
        unit = next(u for row in net.units for u in row if u.name == key.name)
        return names.text(N.delta(unit.id))
    n = SHEET.parse(key.name)
    if n is None:
        return key.label()  # type: ignore[no-any-return]
    if n.kind in ("bias", "threshold") or n.kind == "weight":
        n = net.param_index[key.name].id
    spelled = names.text(n)
    if key.kind == "gradient":
        return f"∂{loss}/∂{spelled}"
    if key.kind == "parameter_after":
        return f"{spelled} after"
    return spelled


_TOKEN = re.compile(r"[∂dA-Za-zα-ωΑ-Ω][\w∂/]*")


def respell(text: str, problem: Problem) -> str:
    """The checker's words with every sheet name in them (w41, dL/dy, α_H1, β1, δ_H1) written in the problem's notation."""
    if problem.notation == "sheet":
        return text
    from bpcalc import names as N

    net = problem.network
    names = notation_for(net, problem.notation)
    known = {u.id for row in net.units for u in row} | {N.LOSS}

    def one(m: re.Match[str]) -> str:
        word = m.group(0)
        n = SHEET.parse(word.replace("∂", "d"))
        if n is None or not _belongs(n, net, known):
            return word
        spelled = names.text(n)
        return spelled.replace("d", "∂", 2) if word.startswith("∂") and n.kind == "factor" else spelled

    return _TOKEN.sub(one, text)


def _belongs(n: Any, net: Any, known: set[Any]) -> bool:
    """A name of this network (not a word that happens to read as one)."""
    if n.kind == "factor":
        return all(_belongs(p, net, known) for p in n.parts)
    if n.kind in ("weight", "bias", "threshold"):
        return SHEET.key(n) in net.param_index
    if n.kind in ("pre", "delta", "target"):
        return n.unit in known
    return n in known


def written_by_run(body: str) -> bool:
    """Answers that `bpcalc run --format json|csv` wrote (their keys are the sheet's whatever the notation)."""
    if body.startswith("{"):
        return '"parameters_before"' in body and '"network"' in body
    first = body.split("\n", 1)[0].replace(" ", "").lower()
    return first.startswith("epoch,sample,section,name,value")
