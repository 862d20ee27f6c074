"""The command line: thin click commands over the library; errors become one line and exit 2."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import click

from bpcalc import __version__
from bpcalc.errors import BpcalcError

TEXT_FORMATS = ["auto", "rich", "plain"]
RUN_FORMATS = TEXT_FORMATS + ["json"]


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="bpcalc")
def main() -> None:
    """Backpropagation worked step by step, the way a student writes it by hand.

    \b
    bpcalc run samples/q3.json          forward pass, chain rule, updates, parameter tables
    bpcalc derive --param w11           the chain rule for one parameter, symbolically
    """


@main.command()
@click.argument("problem", metavar="PROBLEM")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(RUN_FORMATS),
    default="auto",
    show_default=True,
    help="rich: terminal tables; plain: text without escape codes (the default when piped or NO_COLOR is set); json: for graders.",
)
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@user_errors
def run(problem: str, fmt: str, precision: int) -> None:
    """Work PROBLEM (a JSON problem file, or - for stdin) sample by sample."""
    from bpcalc.evaluate import train
    from bpcalc.problem import load_problem

    result = train(load_problem(problem))
    fmt = resolve_format(fmt)
    if fmt == "json":
        from bpcalc.render.json import dumps, run_dict

        click.echo(dumps(run_dict(result)), nl=False)
        return
    from bpcalc.render.text import TextOptions, render_run

    emit(render_run(result, TextOptions(precision=precision, plain=fmt == "plain")), fmt)


@main.command()
@click.option("--param", "-p", "param", required=True, help="The parameter: w11, b4 or β4, ...")
@click.option("--problem", "problem", default=None, metavar="FILE", help="Evaluate at this problem's samples (- for stdin). Default: the seed sheet's network.")
@click.option("--format", "fmt", type=click.Choice(RUN_FORMATS), default="auto", show_default=True, help="Output format.")
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@user_errors
def derive(param: str, problem: str | None, fmt: str, precision: int) -> None:
    """The chain rule for one parameter: factors, sheet and simplified forms, values."""
    from bpcalc.derive import derivation_for

    d = derivation_for(param, problem)
    fmt = resolve_format(fmt)
    if fmt == "json":
        from bpcalc.render.json import dumps
        from bpcalc.render.derive import derive_dict

        click.echo(dumps(derive_dict(d)), nl=False)
        return
    from bpcalc.render.derive import render_derivation

    emit(render_derivation(d, precision=precision, plain=fmt == "plain"), fmt)


@main.command("check")
@click.argument("problem", metavar="PROBLEM")
@click.argument("answers", metavar="ANSWERS")
@click.option(
    "--tolerance",
    default=None,
    metavar="TOL",
    help="Explicit tolerance instead of the written digits: absolute (1e-3), relative (1%), or either (1%,1e-6).",
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
    type=click.Choice(["auto", "rich", "plain", "json"]),
    default="auto",
    show_default=True,
    help="rich: terminal tables; plain: text without escape codes (the default when piped or NO_COLOR is set); json: for graders.",
)
@user_errors
def check_command(problem: str, answers: str, tolerance: str | None, carry: bool, fmt: str) -> None:
    """Mark ANSWERS (run-JSON shape, CSV sample,name,value, or 'name = value' lines under '# sample N'; - for stdin) against PROBLEM.

    Exit status: 0 when nothing is wrong, 1 when something is, 2 for bad input.
    """
    from bpcalc.check import CheckOptions, check, parse_answers, parse_tolerance
    from bpcalc.problem import load_problem, read_text

    if problem == "-" and answers == "-":
        raise BpcalcError("PROBLEM and ANSWERS cannot both be read from stdin (-)")
    options = CheckOptions(carry=carry, tolerance=parse_tolerance(tolerance) if tolerance is not None else None)
    pr = load_problem(problem)
    text, source = read_text(answers)
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
