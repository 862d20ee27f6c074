"""The command line: thin click commands over the library; errors become one line and exit 2."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import click

from bpcalc import __version__
from bpcalc.errors import BpcalcError
from bpcalc.render.formats import DERIVE_FORMATS, FORMATS

TEXT_FORMATS = ["auto", "rich", "plain"]
RUN_FORMATS = ["auto", *FORMATS]  # the registry's: a new format is one printer and one line there
DERIVE_FORMATS = ["auto", *DERIVE_FORMATS]
FORMAT_HELP = (
    "rich: terminal tables; plain: text without escape codes (the default when piped or NO_COLOR is set); "
    "json: for graders; latex: a document for pdflatex; markdown: GitHub tables and $$ math; csv: one value per row."
)


def answer_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The answer-key options shared by `run` and `derive`."""
    options = [
        click.option("--latex-body", is_flag=True, help="With --format latex: only the part inside the document, for pasting into your own."),
        click.option("--round-steps", metavar="N", default=None, help="Hand-rounded: round every intermediate shown to N decimals before using it further."),
        click.option("--exact", is_flag=True, help="Exact arithmetic: rationals and closed forms (tanh(9), e^(0.6)) beside their decimals."),
        click.option("--digits", metavar="N", default=None, help="With --exact: significant digits of the decimals (default 10)."),
        click.option("--sample", "sample", metavar="K", default=None, help="Only sample K (1-based; in every epoch)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _precision(precision: int, math: Any) -> int:
    """Hand-rounded values are shown with the decimals they were rounded to, unless --precision says otherwise."""
    source = click.get_current_context().get_parameter_source("precision")
    if math.name == "rounded" and source == click.core.ParameterSource.DEFAULT:
        return int(math.decimals)
    return precision


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a BpcalcError into one line on stderr and its exit status; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BpcalcError as e:
            click.echo(f"bpcalc: {e}", err=True)
            sys.exit(e.exit_code)

    return wrapper


def resolve_format(fmt: str) -> str:
    if fmt != "auto":
        return fmt
    return "rich" if sys.stdout.isatty() and not _no_color() else "plain"


def emit(renderable: Any, fmt: str) -> None:
    """Print a rich renderable: styled on a terminal, plain (no escape codes) otherwise."""
    from rich.console import Console

    if fmt == "rich" and not _no_color():
        console = Console(highlight=False, force_terminal=True if not sys.stdout.isatty() else None)
    else:
        width = int(os.environ.get("COLUMNS", "0") or 0) or 120
        console = Console(
            file=sys.stdout,
            color_system=None,
            force_terminal=False,
            highlight=False,
            width=width,
            no_color=True,
        )
    console.print(renderable)


class OneLineGroup(click.Group):
    """A group whose usage errors (a bad option value, a missing argument) are one line on stderr, exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:  # bare `bpcalc`: the help, as click shows it
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            where = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
            click.echo(f"bpcalc: {e.format_message()}{where}", err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="bpcalc")
def main() -> None:
    """Backpropagation worked step by step, the way a student writes it by hand.

    \b
    bpcalc run samples/q3.json          forward pass, chain rule, updates, parameter tables
    bpcalc derive --param w11           the chain rule for one parameter, symbolically
    """


@main.command()
@click.argument("problem", metavar="PROBLEM")
@click.option("--format", "fmt", type=click.Choice(RUN_FORMATS), default="auto", show_default=True, help=FORMAT_HELP + " moodle: a Moodle XML quiz (one Cloze question).")
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@answer_options
@click.option("--show", metavar="PARTS", default=None, help="Which tables: any of forward,gradients,updates,parameters (default: all).")
@user_errors
def run(
    problem: str,
    fmt: str,
    precision: int,
    latex_body: bool,
    round_steps: str | None,
    exact: bool,
    digits: str | None,
    sample: str | None,
    show: str | None,
) -> None:
    """Work PROBLEM (a JSON problem file, or - for stdin) sample by sample."""
    from bpcalc.evaluate import train
    from bpcalc.modes import number_system, parse_sample, parse_show
    from bpcalc.problem import load_problem

    fmt = resolve_format(fmt)
    if latex_body and fmt != "latex":
        raise BpcalcError("--latex-body needs --format latex")
    math = number_system(round_steps, exact, digits)
    sections = parse_show(show)
    pr = load_problem(problem)
    k = parse_sample(sample, len(pr.samples), pr.source)
    if fmt == "json":  # written sample by sample as the run makes them, none of them kept
        from bpcalc.arith import FloatMath
        from bpcalc.evaluate import Run, iter_train
        from bpcalc.render.json import run_json_stream
        from bpcalc.worksheet import View

        streamed = Run(pr, math or FloatMath())
        for piece in run_json_stream(streamed, iter_train(streamed), View(show=sections, sample=k)):
            click.echo(piece, nl=False)
        return
    result = train(pr, math)
    precision = _precision(precision, math)
    from bpcalc.render.formats import PrintOptions
    from bpcalc.worksheet import View

    printer = FORMATS[fmt]
    out = printer.run_printer()(result, View(precision, sections, k), PrintOptions(latex_body=latex_body))
    if printer.renderable:
        emit(out, fmt)
    else:
        click.echo(out, nl=False)


@main.command()
@click.option("--param", "-p", "param", required=True, help="The parameter: w11, b4 or β4, ...")
@click.option("--problem", "problem", default=None, metavar="FILE", help="Evaluate at this problem's samples (- for stdin). Default: the seed sheet's network.")
@click.option("--format", "fmt", type=click.Choice(DERIVE_FORMATS), default="auto", show_default=True, help=FORMAT_HELP)
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@answer_options
@user_errors
def derive(
    param: str,
    problem: str | None,
    fmt: str,
    precision: int,
    latex_body: bool,
    round_steps: str | None,
    exact: bool,
    digits: str | None,
    sample: str | None,
) -> None:
    """The chain rule for one parameter: factors, sheet and simplified forms, values."""
    import dataclasses

    from bpcalc.derive import derivation_for
    from bpcalc.modes import number_system, parse_sample

    fmt = resolve_format(fmt)
    if latex_body and fmt != "latex":
        raise BpcalcError("--latex-body needs --format latex")
    math = number_system(round_steps, exact, digits)
    if problem is None:
        for given, option in ((sample, "--sample"), (round_steps, "--round-steps"), (exact or None, "--exact")):
            if given is not None:
                raise BpcalcError(f"{option} needs --problem: without a problem there are no samples to evaluate")
        if fmt == "csv":
            raise BpcalcError("--format csv needs --problem: without a problem there are no values to list")
    d = derivation_for(param, problem, math)
    precision = _precision(precision, math)
    if sample is not None:
        k = parse_sample(sample, len(d.problem.samples), d.problem.source)
        d = dataclasses.replace(d, samples=[s for s in d.samples if s["sample"] == k], raw=[s for s in d.raw if s["sample"] == k])
    from bpcalc.render.formats import PrintOptions

    printer = FORMATS[fmt]
    out = printer.derive_printer()(d, precision, PrintOptions(latex_body=latex_body))
    if printer.renderable:
        emit(out, fmt)
    else:
        click.echo(out, nl=False)


def class_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`check`'s options for marking a class (see bpcalc.classroom.cli)."""
    from bpcalc.classroom.cli import class_options as options

    return options(fn)


def check_class(*args: Any, **kwargs: Any) -> int:
    """Mark many files (or with the class options): bpcalc.classroom.cli.check_class; the exit status."""
    from bpcalc.classroom.cli import check_class as run

    return run(*args, **kwargs)


@main.command("check")
@click.argument("problem", metavar="PROBLEM")
@click.argument("answers", metavar="ANSWERS...", nargs=-1, required=True)
@click.option(
    "--tolerance",
    default=None,
    metavar="TOL",
    help="Explicit tolerance instead of the written digits: absolute (1e-3), relative (1%), or either (1%,1e-6).",
)
@click.option(
    "--answer-decimals",
    type=click.IntRange(0, 15),
    default=None,
    metavar="N",
    help="The most precision a written value earns: within half a unit in the N-th decimal of a correct working, however few digits it has (default: the problem's answer_decimals, else 2).",
)
@click.option(
    "--carry/--no-carry",
    default=True,
    show_default=True,
    help="Error carried forward: work each value on from your own earlier values, so a step that follows from an earlier mistake is not marked wrong again.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "rich", "plain", "json", "gradescope"]),
    default="auto",
    show_default=True,
    help="rich: terminal tables; plain: text without escape codes (the default when piped or NO_COLOR is set); json: for graders; gradescope: Gradescope's results.json.",
)
@class_options
@user_errors
def check_command(
    problem: str, answers: tuple[str, ...], tolerance: str | None, answer_decimals: int | None, carry: bool, fmt: str, **marking: Any
) -> None:
    """Mark ANSWERS (run-JSON shape, CSV sample,name,value, or 'name = value' lines under '# sample N'; - for stdin) against PROBLEM.

    Several files, or a directory of them, are marked in one go (with --variants each against its variant).
    Exit status: 0 when nothing is wrong (or missing), 1 when something is, 2 for bad input.
    """
    from bpcalc.check import CheckOptions, check, parse_answers, parse_tolerance, read_answers
    from bpcalc.problem import load_problem

    if problem == "-" and "-" in answers:
        raise BpcalcError("PROBLEM and ANSWERS cannot both be read from stdin (-)")
    options = CheckOptions(carry=carry, tolerance=parse_tolerance(tolerance) if tolerance is not None else None, answer_decimals=answer_decimals)
    pr = load_problem(problem)
    if len(answers) > 1 or fmt == "gradescope" or any(marking.values()) or os.path.isdir(answers[0]):
        sys.exit(check_class(pr, answers, options, fmt, **marking))
    text, source = read_answers(answers[0])
    report = check(pr, parse_answers(text, source, pr), options)
    fmt = resolve_format(fmt)
    if fmt == "json":
        from bpcalc.render.json import dumps
        from bpcalc.render.check import check_dict

        click.echo(dumps(check_dict(report)), nl=False)
    else:
        from bpcalc.render.check import render_check

        emit(render_check(report, pr, plain=fmt == "plain"), fmt)
    if report.summary.wrong:
        sys.exit(1)


from bpcalc.classroom.cli import new_command, quality_command, variants_command  # noqa: E402  (the instructor's commands)
from bpcalc.train.cli import register as _register_train  # noqa: E402  (data, train, tune; after the helpers it uses)

main.add_command(new_command)
main.add_command(variants_command)
main.add_command(quality_command)
_register_train(main)
