"""The Python API for notebooks and scripts: load, run, derive and check, with results that print and render in Jupyter."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence, Union

from bpcalc.errors import BpcalcError
from bpcalc.problem import Problem

PathOrData = Union[str, "os.PathLike[str]", Mapping[str, Any], Problem]
TEXT_WIDTH = 100  # columns of str(result): the width of the README's examples


def load_problem(source: PathOrData) -> Problem:
    """A problem from a JSON file's path, or from a dict shaped like one (floats are taken as written: 0.1 is one tenth)."""
    from bpcalc import problem as p

    if isinstance(source, Problem):
        return source
    if isinstance(source, Mapping):
        from bpcalc.jsontext import parse_json

        try:  # through JSON text, so a dict meets exactly the checks a file does
            text = json.dumps(source, allow_nan=True, default=str)
        except (TypeError, ValueError, RecursionError) as e:
            raise BpcalcError(f"<dict>: not a problem: {e}") from None
        return p.build_problem(parse_json(text, "<dict>"), "<dict>")
    if isinstance(source, (str, os.PathLike)):
        return p.load_problem(os.fspath(source))
    raise BpcalcError(f"load_problem: expected a path or a dict, got {type(source).__name__}")


def _math(round_steps: int | None, exact: bool, digits: int | None) -> Any:
    from bpcalc.modes import number_system

    return number_system(None if round_steps is None else str(round_steps), exact, None if digits is None else str(digits))


def _show(show: str | Iterable[str] | None) -> tuple[str, ...]:
    from bpcalc.modes import parse_show

    return parse_show(show if show is None or isinstance(show, str) else ",".join(show))


def _target(width: int) -> Any:
    from bpcalc.output import Target

    return Target(terminal=False, width=width, encoding="utf-8", color=False, force=False)


def _plain(renderable: Any, width: int) -> str:
    from bpcalc.output import render

    return render(renderable, _target(width), styled=False)


def _print(fmt: str, subject: Any, *, view: Any = None, precision: int = 3, latex_body: bool = False, width: int | None = None) -> Any:
    """The one way a result reaches a printer: bpcalc.render.formats' ``fmt`` for a run (given ``view``) or a
    derivation (given ``precision``), as the command line calls it.

    A text format gives its text, made safe as the command line's output edge makes it (bpcalc.output.Sink.write);
    a renderable format (rich, plain) gives the renderable, or with ``width`` its text at that width.
    """
    from bpcalc.render.formats import FORMATS, PrintOptions

    printer = FORMATS[fmt]
    options = PrintOptions(latex_body=latex_body)
    if view is not None:
        out = printer.run_printer()(subject, view, options)
    else:
        out = printer.derive_printer()(subject, precision, options)
    if printer.renderable:
        if width is None:
            return out
        from bpcalc.output import render

        return render(out, _target(width), styled=fmt == "rich")
    from bpcalc.output import json_safe, visible

    return json_safe(out) if printer.medium == "json" else visible(out, printer.medium == "latex")


class _Shown:
    """Prints as plain text, renders as Markdown (with $$ math) in Jupyter."""

    def renderable(self, plain: bool = True) -> Any:
        """The rich renderable `bpcalc` prints for this result."""
        raise NotImplementedError

    def text(self, width: int = TEXT_WIDTH) -> str:
        """Plain text, as `bpcalc ... --format plain --width WIDTH` prints it."""
        return _plain(self.renderable(plain=True), width)

    def markdown(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return self.markdown()


class _Printed(_Shown):
    """A run or a derivation: every registry format as a method; ``_print`` says with which view or precision."""

    def _print(self, fmt: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    def renderable(self, plain: bool = True) -> Any:
        return self._print("plain" if plain else "rich")

    def markdown(self) -> str:
        """What `--format markdown` prints."""
        return str(self._print("markdown"))

    def latex(self, body_only: bool = False) -> str:
        """What `--format latex` prints (``body_only``: as with --latex-body)."""
        return str(self._print("latex", latex_body=body_only))

    def to_dict(self) -> dict[str, Any]:
        """The object `--format json` prints."""
        return json.loads(self._print("json"))  # type: ignore[no-any-return]


# --- run -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleValues:
    """One sample's numbers (floats, at full precision), by the names the JSON uses."""

    epoch: int
    sample: int
    inputs: dict[str, float]
    targets: dict[str, float]
    forward: dict[str, float]  # alpha_H1, H1, ..., o, y
    loss: float
    factors: dict[str, float]  # "dL/dy", "dH1/dalpha_H1", ...
    deltas: dict[str, float]  # dL/d(pre-activation)
    gradients: dict[str, float]
    before: dict[str, float]  # parameters the sample was worked with
    after: dict[str, float]  # parameters after it (after the update, where one was made)


def _floats(m: Any, values: Mapping[str, Any]) -> dict[str, float]:
    return {k: m.to_float(v) for k, v in values.items()}


@dataclass(frozen=True)
class RunResult(_Printed):
    """`bpcalc.run`: the worked problem. ``final["w31"]``, ``samples[0].forward["y"]``, ``samples[0].gradients["b4"]``."""

    run: Any  # the bpcalc.evaluate.Run
    precision: int = 3
    show: tuple[str, ...] = ("forward", "gradients", "updates", "parameters")
    sample: int | None = None
    samples: tuple[SampleValues, ...] = field(init=False)
    final: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        m = self.run.math
        samples = tuple(
            SampleValues(
                r.epoch, r.sample, _floats(m, r.inputs), _floats(m, r.targets), _floats(m, r.pass_.forward), m.to_float(r.pass_.loss),
                _floats(m, r.pass_.factors), _floats(m, r.pass_.deltas), _floats(m, r.pass_.gradients), _floats(m, r.before), _floats(m, r.after),
            )
            for r in self.run.results
        )  # fmt: skip
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "final", _floats(m, self.run.final))

    @property
    def problem(self) -> Problem:
        return self.run.problem

    @property
    def view(self) -> Any:
        """What the sheet shows (bpcalc.worksheet.View): precision, sections, sample."""
        from bpcalc.worksheet import View

        return View(self.precision, self.show, self.sample)

    def _print(self, fmt: str, **kwargs: Any) -> Any:
        return _print(fmt, self.run, view=self.view, **kwargs)

    def csv(self) -> str:
        """What `bpcalc run --format csv` prints."""
        return str(self._print("csv"))

    def __repr__(self) -> str:
        pr = self.problem
        shape = "-".join(map(str, pr.network.layers))
        return f"<bpcalc.RunResult {shape} network, {len(pr.samples)} samples × {pr.epochs} epochs, {self.run.math.name}>"


def run(
    problem: PathOrData,
    *,
    round_steps: int | None = None,
    exact: bool = False,
    digits: int | None = None,
    precision: int | None = None,
    sample: int | None = None,
    show: str | Iterable[str] | None = None,
) -> RunResult:
    """Work ``problem`` sample by sample, as `bpcalc run` does (hand-rounded with ``round_steps``, or ``exact``)."""
    from bpcalc.evaluate import train
    from bpcalc.modes import parse_sample

    pr = load_problem(problem)
    math = _math(round_steps, exact, digits)
    sections = _show(show)
    k = parse_sample(None if sample is None else str(sample), len(pr.samples), pr.source)
    if precision is None:
        precision = math.decimals if math.name == "rounded" else 3
    return RunResult(train(pr, math), precision, sections, k)


# --- derive ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    key: str  # "dL/dy", "dH1/dalpha_H1", ...
    sheet: str  # as the sheet writes it, SymPy syntax
    simplified: str


@dataclass(frozen=True)
class DeriveResult(_Printed):
    """`bpcalc.derive`: one parameter's chain rule; ``expression``, ``factors``, and ``gradients`` at each sample."""

    result: Any  # the bpcalc.derive.DeriveResult
    precision: int = 3

    @property
    def param(self) -> str:
        return str(self.result.param.param)

    @property
    def factors(self) -> tuple[Factor, ...]:
        from bpcalc.render.sheet import plain_str

        return tuple(Factor(f.key, plain_str(f.sheet), plain_str(f.simple)) for f in self.result.param.factors)

    @property
    def expression(self) -> str:
        """The simplified gradient in SymPy syntax: f1*w31*(1 - H1**2)*(y - t)."""
        from bpcalc.render.sheet import plain_str

        return plain_str(self.result.param.product)

    @property
    def sympy(self) -> Any:
        """The simplified gradient as a SymPy expression."""
        return self.result.param.product

    @property
    def deltas(self) -> dict[str, str]:
        from bpcalc.render.sheet import plain_str

        return {name: plain_str(e) for name, e in self.result.param.deltas}

    @property
    def samples(self) -> list[dict[str, Any]]:
        """Per sample: {"epoch", "sample", "values": {symbol: float}, "gradient": float}."""
        return list(self.result.samples)

    @property
    def gradients(self) -> list[float]:
        return [s["gradient"] for s in self.result.samples]

    def _print(self, fmt: str, **kwargs: Any) -> Any:
        return _print(fmt, self.result, precision=self.precision, **kwargs)

    def __repr__(self) -> str:
        return f"<bpcalc.DeriveResult dL/d{self.param} = {self.expression}>"


def derive(
    problem_or_network: Any = None,
    param: str = "w11",
    *,
    round_steps: int | None = None,
    exact: bool = False,
    digits: int | None = None,
    precision: int | None = None,
) -> DeriveResult:
    """The chain rule for ``param``: on a problem (path, dict or Problem: with its values at every sample), a Network, or None (the seed sheet's)."""
    from bpcalc.derive import derivation_for
    from bpcalc.network import Network

    source = problem_or_network
    if source is not None and not isinstance(source, Network):
        source = load_problem(source)
    math = _math(round_steps, exact, digits)
    if not isinstance(source, Problem) and math.name != "float":
        raise BpcalcError("round_steps and exact need a problem: without one there are no samples to evaluate")
    if precision is None:
        precision = math.decimals if math.name == "rounded" else 3
    return DeriveResult(derivation_for(param, source, math), precision)


# --- check -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult(_Shown):
    """`bpcalc.check`: the marked sheet; ``score``, ``summary``, ``items`` (each with verdict, expected, diagnosis), ``wrong``."""

    report: Any  # the bpcalc.check Report
    problem: Problem

    @property
    def items(self) -> tuple[Any, ...]:
        return tuple(self.report.items)

    @property
    def summary(self) -> Any:
        return self.report.summary

    @property
    def score(self) -> float:
        return float(self.report.summary.score)

    @property
    def wrong(self) -> list[Any]:
        return [i for i in self.report.items if i.verdict == "wrong"]

    @property
    def first_mistake(self) -> Any:
        return self.report.first_mistake

    def renderable(self, plain: bool = True) -> Any:
        return check_renderable(self, plain)

    def markdown(self) -> str:
        return check_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        """The object `bpcalc check --format json` prints."""
        from bpcalc.render.check import check_dict

        return check_dict(self.report)

    def __repr__(self) -> str:
        s = self.report.summary
        return f"<bpcalc.CheckResult {s.checked} checked: {s.right} right, {s.follows} followed through, {s.wrong} wrong>"


def check_renderable(c: CheckResult, plain: bool) -> Any:
    from bpcalc.render.check import render_check

    return render_check(c.report, c.problem, plain=plain)


def check_markdown(c: CheckResult) -> str:
    """A table per sample and the summary line, as the text shows them (file text escaped for Markdown)."""
    from bpcalc.escape import one_line
    from bpcalc.render.check import VERDICT_TEXT, expected_text, summary_text
    from bpcalc.render.markdown import escape as md, table

    def escape(text: str) -> str:  # one line (a cell, a heading), nothing Markdown or a terminal acts on
        return md(one_line(text))

    out = [f"# {escape(c.problem.title) or 'Checked sheet'}\n"]
    groups: dict[tuple[int, int], list[Any]] = {}
    for item in c.report.items:
        groups.setdefault((item.epoch, item.sample), []).append(item)
    for (epoch, sample), items in groups.items():
        out.append(f"\n## {'Epoch %d, sample %d' % (epoch, sample) if c.problem.epochs > 1 else 'Sample %d' % sample}\n\n")
        rows = [
            [escape(i.key.label()), escape(i.given.text), expected_text(i), VERDICT_TEXT[i.verdict],
             escape(f"{i.mistake_name}: {i.note}" if i.verdict == "wrong" else i.note)]
            for i in items
        ]  # fmt: skip
        out.append(table(["quantity", "yours", "expected", "verdict", "diagnosis"], rows, "lrrll"))
    out.append("\n" + escape(summary_text(c.report)) + "\n")
    return "".join(out)


def check(
    problem: PathOrData,
    answers: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    text: str | None = None,
    tolerance: str | None = None,
    carry: bool = True,
) -> CheckResult:
    """Mark ``answers`` (a file's path, or a dict in the shape of `run --format json`; or ``text=`` as typed) against ``problem``."""
    from bpcalc.check import CheckOptions, check as mark, parse_answers, parse_tolerance
    from bpcalc.problem import read_text

    pr = load_problem(problem)
    if (answers is None) == (text is None):
        raise BpcalcError("check: give the answers as a path or dict, or as text=, not both")
    if text is not None:
        body, source = text, "<text>"
    elif isinstance(answers, Mapping):
        body, source = json.dumps(answers, default=str), "<dict>"
    else:
        body, source = read_text(os.fspath(answers))  # type: ignore[arg-type]
    options = CheckOptions(carry=carry, tolerance=parse_tolerance(tolerance) if tolerance is not None else None)
    return CheckResult(mark(pr, parse_answers(body, source, pr), options), pr)


__all__: Sequence[str] = ["load_problem", "run", "derive", "check", "RunResult", "DeriveResult", "CheckResult", "SampleValues"]
