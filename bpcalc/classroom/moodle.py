"""A Moodle XML quiz: each problem one Cloze (embedded answers) question, every value a NUMERICAL blank.

Moodle's XML format: ``<quiz>`` holds ``<question type="cloze">`` elements, each with
``<name><text>``, ``<questiontext format="html"><text>`` (the HTML in a CDATA section) and
``<generalfeedback>``, ``<penalty>``, ``<hidden>``. A blank is ``{1:NUMERICAL:=value:tolerance}``.

The tolerance of a blank is the checker's for a value written to the decimals the question asks
for: half a unit of the last decimal around the correct value, widened to reach the same value
worked by hand with every step rounded to those decimals, in each way the checker knows (every
chain-rule factor rounded, as ``bpcalc run --round-steps`` does; one rounded δ per unit).
File text (the title) is HTML-escaped, with braces written as entities so that it cannot open a blank.
"""

from __future__ import annotations

import html
import math
from decimal import ROUND_CEILING, Decimal
from dataclasses import dataclass
from typing import Any, Iterable

from bpcalc.check.model import Key
from bpcalc.escape import one_line
from bpcalc.evaluate import Run, SampleResult, train
from bpcalc.network import pretty
from bpcalc.problem import Problem
from bpcalc.render.numbers import given

PENALTY = "0.3333333"


def _text(s: str) -> str:
    """File text for the question's HTML: escaped, and no brace that Moodle would read as a blank."""
    return html.escape(one_line(s)).replace("{", "&#123;").replace("}", "&#125;").replace("]]>", "]]&gt;")


@dataclass(frozen=True)
class Blank:
    key: Key
    value: float  # the correct value
    tolerance: float


def _values(run: Run, r: SampleResult) -> list[tuple[Key, float]]:
    m = run.math
    out = [(Key("forward", k), m.to_float(v)) for k, v in r.pass_.forward.items()]
    out.append((Key("loss", "loss"), m.to_float(r.pass_.loss)))
    out += [(Key("gradient", k), m.to_float(v)) for k, v in r.pass_.gradients.items()]
    out += [(Key("parameter_after", k), m.to_float(v)) for k, v in r.after.items()]
    return out


def blanks(problem: Problem, decimals: int) -> list[list[Blank]]:
    """Per sample, every value with its tolerance (see the module)."""
    from bpcalc.classroom.mistakes import hand_workings

    run = train(problem)
    hands = list(hand_workings(problem, decimals).values())
    half = 0.5 * 10.0**-decimals
    out = []
    for index, r in enumerate(run.results):
        row = []
        for key, value in _values(run, r):
            drift = max((abs(h[index][key] - value) for h in hands if math.isfinite(h[index][key])), default=0.0)
            row.append(Blank(key, value, half + drift))
        out.append(row)
    return out


def _number(x: float, decimals: int) -> str:
    text = f"{x:.{decimals + 6}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tolerance_text(tolerance: float, decimals: int) -> str:
    """The tolerance rounded up to two more decimals than asked for (never narrower than the checker's)."""
    q = Decimal(repr(tolerance)).quantize(Decimal(1).scaleb(-(decimals + 2)), rounding=ROUND_CEILING)
    return format(q.normalize(), "f")


def blank_text(b: Blank, decimals: int) -> str:
    return f"{{1:NUMERICAL:={_number(b.value, decimals)}:{tolerance_text(b.tolerance, decimals)}}}"


def _label(key: Key) -> str:
    return _text(key.label())


@dataclass(frozen=True)
class Ask:
    """What the question asks for: the values' decimals, which kinds (forward, loss, gradient, parameter_after), which sample."""

    decimals: int = 3
    kinds: tuple[str, ...] = ("forward", "loss", "gradient", "parameter_after")
    sample: int | None = None  # every sample (in every epoch) when None


SHOW_KINDS = {"forward": ("forward", "loss"), "gradients": ("gradient",), "updates": ("parameter_after",), "parameters": ("parameter_after",)}


def question_html(problem: Problem, ask: Ask = Ask()) -> str:
    decimals = ask.decimals
    net = problem.network
    shape = "-".join(map(str, net.layers))
    parts = []
    if problem.title:
        parts.append(f"<p><strong>{_text(problem.title)}</strong></p>")
    parts.append(
        f"<p>A {shape} network, activations {_text(', '.join(net.activations))}, loss {_text(net.loss_name)}, "
        f"learning rate η = {given(problem.learning_rate)}, {problem.update} updates"
        + (f", {problem.epochs} epochs" if problem.epochs > 1 else "")
        + f". Give every value to {decimals} decimals.</p>"
    )
    cells = "".join(f"<tr><td>{_text(pretty(n))}</td><td>{given(v)}</td></tr>" for n, v in problem.parameters.items())
    parts.append(f"<p>Parameters before training:</p><table><tr><th>parameter</th><th>value</th></tr>{cells}</table>")
    for r, row in zip(train(problem).results, blanks(problem, decimals)):
        row = [b for b in row if b.key.kind in ask.kinds]
        if ask.sample is not None and r.sample != ask.sample or not row:
            continue
        s = problem.samples[r.sample - 1]
        head = ", ".join(f"{k} = {given(v)}" for k, v in {**s.inputs, **s.targets}.items())
        where = f"Sample {r.sample}" if problem.epochs == 1 else f"Epoch {r.epoch}, sample {r.sample}"
        rows = "".join(f"<tr><td>{_label(b.key)}</td><td>{blank_text(b, decimals)}</td></tr>" for b in row)
        parts.append(f"<h4>{where}: {head}</h4><table><tr><th>quantity</th><th>value</th></tr>{rows}</table>")
    return "\n".join(parts)


def question_xml(problem: Problem, name: str, ask: Ask = Ask()) -> str:
    body = question_html(problem, ask)
    assert "]]>" not in body
    return (
        '  <question type="cloze">\n'
        f"    <name><text>{html.escape(one_line(name), quote=False)}</text></name>\n"
        f'    <questiontext format="html"><text><![CDATA[{body}]]></text></questiontext>\n'
        '    <generalfeedback format="html"><text></text></generalfeedback>\n'
        f"    <penalty>{PENALTY}</penalty>\n"
        "    <hidden>0</hidden>\n"
        "  </question>\n"
    )


def quiz(questions: Iterable[tuple[str, Problem]], ask: Ask = Ask()) -> str:
    """The quiz file: one Cloze question per (name, problem)."""
    body = "".join(question_xml(p, name, ask) for name, p in questions)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}</quiz>\n'


def run_moodle(run: Any, view: Any, options: Any) -> str:
    """The registry's printer for `run --format moodle`: the run's problem as one Cloze question."""
    return moodle_run(run.problem, run.math, view.precision, view.show, view.sample)


def moodle_run(problem: Problem, math: object, precision: int, show: tuple[str, ...], sample: int | None) -> str:
    """`run --format moodle`: the problem as one Cloze question, its values asked to ``precision`` decimals
    (``show``: which tables; ``sample``: only that sample)."""
    from bpcalc.errors import BpcalcError

    if getattr(math, "name", "float") != "float":
        raise BpcalcError("--format moodle asks for the correct values: it cannot be used with --round-steps or --exact")
    kinds = tuple(dict.fromkeys(k for part in show for k in SHOW_KINDS[part]))
    return quiz([(problem.title or problem.source, problem)], Ask(precision, kinds, sample))
