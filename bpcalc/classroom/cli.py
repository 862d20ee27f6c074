"""The instructor's commands, thin over the classroom library: `new`, `variants`, `quality`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from bpcalc.cli import emit, resolve_format, user_errors
from bpcalc.errors import BpcalcError

if TYPE_CHECKING:
    from bpcalc.classroom.marking import Marked
    from bpcalc.classroom.quality import Bounds, Quality

REPORT_FORMATS = ["auto", "rich", "plain", "json"]
Command = Callable[..., Any]


def _write_or_echo(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise BpcalcError(f"{output}: cannot write: {e.strerror}") from None


def _bounds(saturation: float, precision: int, every_value: bool) -> Bounds:
    from bpcalc.classroom.quality import Bounds

    if not 0 < saturation < 1000:
        raise BpcalcError(f"--saturation: expected a bound between 0 and 1000, got {saturation:g}")
    return Bounds(saturation=saturation, precision=precision, every_value=every_value)


def bound_options(fn: Command) -> Command:
    """The quality bounds, shared by `quality` and `variants`."""
    fn = click.option("--every-value", is_flag=True, help="A mistake made in one value (an update, a gradient) must show at each parameter, not only somewhere in the sample.")(fn)
    fn = click.option("--precision", type=click.IntRange(1, 10), default=3, show_default=True, help="Display decimals: every update must show, and every classic mistake be told apart, at these.")(fn)
    return click.option("--saturation", type=float, default=3.0, show_default=True, help="Largest |pre-activation| of a sigmoid or tanh unit.")(fn)


@click.command("new", short_help="A problem file to start from: a template, or hand-friendly values.")
@click.option("--layers", required=True, metavar="2-3-1", help="Unit counts, inputs first.")
@click.option("--activations", required=True, metavar="tanh,sigmoid", help="One per layer after the inputs.")
@click.option("--loss", required=True, metavar="LOSS", help="bce, ce, half_sse, sse or mse.")
@click.option("--lr", default="0.1", show_default=True, metavar="η", help="Learning rate.")
@click.option("--samples", type=int, default=2, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=None, help="Seed for the random values (default 1).")
@click.option("--template", is_flag=True, help="Write null for every value, to fill in (run names each one left).")
@click.option("--no-bias", is_flag=True, help="A network without biases.")
@click.option("-o", "--output", default=None, metavar="FILE", help="Write the problem here (default: standard output).")
@user_errors
def new_command(layers: str, activations: str, loss: str, lr: str, samples: int, seed: int | None, template: bool, no_bias: bool, output: str | None) -> None:
    """A complete problem file: every parameter named in the sheet's order, with hand-friendly values that pass
    every quality check (see `bpcalc quality`), or with --template null to fill in."""
    from bpcalc.classroom.new import NewOptions, new_problem

    if template and seed is not None:
        raise BpcalcError("--seed has no use with --template: a template has no values")
    made = new_problem(NewOptions(layers, activations, loss, lr, samples, 1 if seed is None else seed, template, not no_bias))
    _write_or_echo(made.text, output)
    if made.quality is not None and not made.quality.ok:
        click.echo(f"bpcalc: note: no draw passed every quality check ({', '.join(made.quality.failed)} failed); see bpcalc quality", err=True)


@click.command("quality", short_help="Is PROBLEM good to work by hand? Each check, and why it fails.")
@click.argument("problem", metavar="PROBLEM")
@bound_options
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="auto", show_default=True, help="rich, plain or json.")
@user_errors
def quality_command(problem: str, saturation: float, precision: int, every_value: bool, fmt: str) -> None:
    """Is PROBLEM good to work by hand? No saturated unit, no dead relu, every update visible, hand rounding within
    the checker's tolerance, every classic mistake visible and told apart. Exit 1 when a check fails."""
    from bpcalc.classroom.quality import assess
    from bpcalc.problem import load_problem

    bounds = _bounds(saturation, precision, every_value)
    q = assess(load_problem(problem), bounds)
    _report(q, resolve_format(fmt))
    if not q.ok:
        sys.exit(1)


def _report(q: Quality, fmt: str) -> None:
    from bpcalc.classroom.report import quality_dict, render_quality

    if fmt == "json":
        from bpcalc.render.json import dumps

        click.echo(dumps(quality_dict(q)), nl=False)
    else:
        emit(render_quality(q, plain=fmt == "plain"), fmt)


@click.command("variants", short_help="Variants of PROBLEM for each student, with answer keys and a manifest.")
@click.argument("problem", metavar="PROBLEM")
@click.option("--count", type=int, default=30, show_default=True, help="How many variants.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same variants, on every machine.")
@click.option("--out", "out", default=None, metavar="DIR", help="Write the variants, answer keys and manifest.csv here.")
@click.option("--check-only", is_flag=True, help="Make no variants: report the quality checks on PROBLEM itself (as `bpcalc quality`).")
@bound_options
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS + ["moodle"]), default="auto", show_default=True, help="The report: rich, plain, json; moodle: a Moodle XML quiz, one Cloze question per variant.")
@user_errors
def variants_command(
    problem: str, count: int, seed: int, out: str | None, check_only: bool, saturation: float, precision: int, every_value: bool, fmt: str
) -> None:
    """Variants of PROBLEM for each student: the same network, new hand-friendly numbers, each passing every quality check,
    each with its answer key (vNN-key.json, vNN-key.tex), and manifest.csv (variant, file, seed)."""
    from bpcalc.problem import load_problem

    bounds = _bounds(saturation, precision, every_value)
    base = load_problem(problem)
    if check_only:
        from bpcalc.classroom.quality import assess

        if fmt == "moodle":
            raise BpcalcError("--check-only reports the checks: use --format rich, plain or json")
        q = assess(base, bounds)
        _report(q, resolve_format(fmt))
        if not q.ok:
            sys.exit(1)
        return
    if out is None:
        raise BpcalcError("--out DIR is needed: where the variants, answer keys and manifest go")
    from bpcalc.classroom.variants import make_variants, write_variants

    variants = make_variants(base, count, seed, bounds)
    manifest = write_variants(variants, Path(out), precision)
    if fmt == "moodle":
        from bpcalc.classroom.moodle import quiz

        from bpcalc.classroom.moodle import Ask

        click.echo(quiz(((v.draw.problem.title, v.draw.problem) for v in variants), Ask(precision)), nl=False)
        return
    fmt = resolve_format(fmt)
    from bpcalc.classroom.report import render_variants, variants_dict

    if fmt == "json":
        from bpcalc.render.json import dumps

        click.echo(dumps(variants_dict(variants, manifest)), nl=False)
    else:
        emit(render_variants(variants, manifest, plain=fmt == "plain"), fmt)


def class_options(fn: Command) -> Command:
    """`check`'s options for marking a class: the gradebook, what is required, the rubric, the variants."""
    options = [
        click.option("--gradebook", default=None, metavar="FILE", help="Write the gradebook here (CSV, one row per file; - for standard output)."),
        click.option("--require", default=None, metavar="PARTS", help="What every sheet must hold, counted missing otherwise: forward,gradients,updates,parameters and/or names (y, loss, dL/dw11, w11)."),
        click.option("--rubric", default=None, metavar="FILE", help="Points per kind of value and credit for follow-through (JSON; see the README)."),
        click.option("--variants", "variants", default=None, metavar="MANIFEST", help="Mark each file against its variant (the manifest.csv of bpcalc variants)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def check_class(problem: Any, answers: tuple[str, ...], check: Any, fmt: str, gradebook: str | None, require: str | None, rubric: str | None, variants: str | None) -> int:
    """Mark every file; print the class table (or JSON, or Gradescope's results); write the gradebook. The exit status."""
    from bpcalc.classroom.marking import ClassOptions, exit_status, expand, mark_files
    from bpcalc.classroom.rubric import DEFAULT, load_rubric, parse_require

    files = expand(answers)
    manifest = None
    if variants is not None:
        from bpcalc.classroom.manifest import read_manifest

        manifest = read_manifest(variants)
    options = ClassOptions(check, load_rubric(rubric) if rubric is not None else DEFAULT, parse_require(require))
    marked = mark_files(problem, files, options, manifest)
    for m in marked:
        if m.error:
            click.echo(f"bpcalc: {m.error}", err=True)
    if gradebook is not None:
        from bpcalc.classroom.gradebook import gradebook_csv

        _write_or_echo(gradebook_csv(marked), gradebook)
        if gradebook == "-":
            return exit_status(marked)
    fmt = resolve_format(fmt)
    if fmt in ("json", "gradescope"):
        from bpcalc.render.json import dumps

        if fmt == "gradescope":
            from bpcalc.classroom.gradescope import gradescope

            data = gradescope(marked)
        else:
            from bpcalc.classroom.gradebook import grade_dict

            data = {"files": [grade_dict(m) for m in marked]}
        click.echo(dumps(data), nl=False)
    elif len(marked) == 1 and marked[0].grade is not None:
        _one(marked[0], fmt)
    else:
        from bpcalc.classroom.gradebook import render_class

        emit(render_class(marked, plain=fmt == "plain"), fmt)
    return exit_status(marked)


def _one(m: Marked, fmt: str) -> None:
    """One file with --require or a rubric: the check report, and what is missing and the points under it."""
    from rich.console import Group
    from rich.text import Text

    from bpcalc.classroom.gradebook import points_text
    from bpcalc.classroom.grade import mark_step
    from bpcalc.render.check import render_check

    g = m.grade
    assert g is not None and m.problem is not None
    lines = []
    if g.missing:
        names = ", ".join(mark_step(m.problem, x) for x in g.missing[:8]) + (", ..." if len(g.missing) > 8 else "")
        lines.append(Text(f"missing {len(g.missing)}: {names}"))
    for x in g.marks:
        if x.note and x.earned < x.points:
            lines.append(Text(f"{mark_step(m.problem, x)}: {x.note}"))
    lines.append(Text(f"points {points_text(g.earned)} of {points_text(g.possible)} · score {g.score:.3f}", style="" if fmt == "plain" else "bold"))
    emit(Group(render_check(g.report, m.problem, plain=fmt == "plain"), *lines), fmt)
