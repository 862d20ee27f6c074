"""The command line: thin click commands over the library; errors become one line and exit 2."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import click

from bpcalc import __version__
from bpcalc.errors import BpcalcError, message_line
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


def notation_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--notation: the names to read and write (default: the problem's "notation", else sheet)."""
    from bpcalc.notations import NOTATIONS

    return click.option("--notation", type=click.Choice(list(NOTATIONS)), default=None, help="Names in this notation (default: the problem's, else sheet; see `bpcalc names`).")(fn)


def _precision(precision: int, math: Any) -> int:
    """Hand-rounded values are shown with the decimals they were rounded to, unless --precision says otherwise."""
    source = click.get_current_context().get_parameter_source("precision")
    if math.name == "rounded" and source == click.core.ParameterSource.DEFAULT:
        return int(math.decimals)
    return precision


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a BpcalcError into one line on stderr (file text escaped) and its exit status; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BpcalcError as e:
            fail(str(e), e.exit_code)

    return wrapper


def fail(message: str, code: int = 2) -> None:
    """The error edge: exactly one line on stderr, whatever the message holds, then exit ``code``."""
    click.echo(f"bpcalc: {message_line(message)}", err=True)
    sys.exit(code)


SINK = "bpcalc.output"
INPUTS = ("problem", "answers")  # arguments naming files that -o must not overwrite


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """-o/--output FILE and --width N for a command: its output goes through one bpcalc.output.Sink."""
    from bpcalc.output import MAX_WIDTH, MIN_WIDTH, PIPE_WIDTH, Sink

    @functools.wraps(fn)
    def wrapper(*args: Any, output: str | None = None, width: int | None = None, **kwargs: Any) -> Any:
        inputs = tuple(v for k, v in kwargs.items() if k in INPUTS and isinstance(v, str) and v != "-")
        sink = Sink(output, width, inputs)
        click.get_current_context().meta[SINK] = sink
        try:
            return fn(*args, **kwargs)
        finally:
            sink.close()

    wrapper = click.option(
        "--width",
        type=click.IntRange(MIN_WIDTH, MAX_WIDTH),
        default=None,
        metavar="N",
        help=f"Columns for text tables (default: the terminal's width; piped or to a file, COLUMNS or {PIPE_WIDTH}).",
    )(wrapper)
    return click.option(
        "-o",
        "--output",
        "output",
        type=FILE,
        default=None,
        metavar="FILE",
        help="Write the output to FILE (UTF-8) instead of standard output.",
    )(wrapper)


# file arguments: paths in shell completion; bpcalc.problem.read_text reports what is wrong with them
FILE = click.Path(readable=False, allow_dash=True)


def _sink() -> Any:
    from bpcalc.output import Sink

    ctx = click.get_current_context(silent=True)
    sink = ctx.find_root().meta.get(SINK) if ctx is not None else None
    return sink if sink is not None else Sink()


def resolve_format(fmt: str) -> str:
    from bpcalc.output import resolve_format as resolve

    return resolve(fmt, _sink().target)


def emit(renderable: Any, fmt: str) -> None:
    """Print a rich renderable: styled on a terminal (or with FORCE_COLOR), plain (no escape codes) otherwise."""
    _sink().print(renderable, styled=fmt == "rich")


def write(text: str, kind: str = "text") -> None:
    """Write a rendered document (kind 'json' stays JSON in any encoding)."""
    _sink().write(text, kind)


def printed(printer: Any, out: Any, fmt: str) -> None:
    """A registry printer's output: a rich renderable to the terminal, text through the output edge (its medium)."""
    if printer.renderable:
        emit(out, fmt)
    else:
        write(out, printer.medium)


class OneLineGroup(click.Group):
    """A group whose usage errors (a bad option value, a missing argument) are one line on stderr, exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        from bpcalc.output import guard

        guard(sys.stdout)
        guard(sys.stderr)
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:  # bare `bpcalc`: the help, as click shows it
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            where = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
            fail(f"{e.format_message()}{where}", e.exit_code)
        except click.ClickException as e:
            fail(e.format_message(), e.exit_code)
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
    bpcalc check samples/q3.json samples/q3-sheet-answers.json
                                        mark a worked sheet (exit 0 all right, 1 mistakes)

    \b
    Output: rich tables on a terminal, plain text when piped or NO_COLOR is
    set (FORCE_COLOR keeps them rich); -o FILE writes to a file; --width N
    sets the columns (default: the terminal's; piped, COLUMNS or 100).
    Bad input: one line on stderr and exit status 2.
    """


EXAMPLES = {
    "run": """\b
Examples:
  bpcalc run samples/q3.json                       the whole sheet, sample by sample
  bpcalc run samples/q3.json --sample 1 --show forward
  bpcalc run samples/q3.json --round-steps 3       rounded at every step, as by hand
  bpcalc run samples/q3.json --format json | bpcalc check samples/q3.json -
  bpcalc run samples/q3.json --format latex -o q3.tex && pdflatex q3.tex
  cat p.json | bpcalc run - --format plain --width 80""",
    "derive": """\b
Examples:
  bpcalc derive --param w11                        on the seed sheet's 2-3-1 network
  bpcalc derive -p b4 --problem samples/q3.json    with its value at every sample
  bpcalc derive -p w11 --problem samples/q3.json --exact --format markdown -o w11.md""",
    "check": """\b
Examples:
  bpcalc check samples/q3.json samples/q3-sheet-answers.json
  bpcalc check samples/q3.json answers.txt --format json -o marks.json
  bpcalc run samples/q3.json --format json | bpcalc check samples/q3.json -""",
}


@main.command(epilog=EXAMPLES["run"], short_help="Work PROBLEM sample by sample: the whole sheet.")
@click.argument("problem", metavar="PROBLEM", type=FILE)
@click.option("--format", "fmt", type=click.Choice(RUN_FORMATS), default="auto", show_default=True, help=FORMAT_HELP + " moodle: a Moodle XML quiz (one Cloze question).")
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@answer_options
@click.option("--show", metavar="PARTS", default=None, help="Which tables: any of forward,gradients,updates,parameters (default: all).")
@output_options
@notation_option
@click.option("--view", "view", type=click.Choice(["scalar", "matrix"]), default="scalar", show_default=True, help="matrix: Z1 = W1·X + b1, ..., dW1 as matrices (text, latex, markdown).")
@click.option("--epoch", "epoch", metavar="K", default=None, help="Show epoch K only (the run still works every epoch).")
@click.option("--last", "last", is_flag=True, help="Show the last epoch only.")
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
    notation: str | None,
    view: str,
    epoch: str | None = None,
    last: bool = False,
) -> None:
    """Work PROBLEM (a JSON problem file, or - for stdin) sample by sample."""
    from bpcalc.evaluate import train
    from bpcalc.modes import check_size, number_system, parse_epoch, parse_sample, parse_show
    from bpcalc.problem import load_problem

    fmt = resolve_format(fmt)
    if latex_body and fmt != "latex":
        raise BpcalcError("--latex-body needs --format latex")
    math = number_system(round_steps, exact, digits)
    sections = parse_show(show)
    pr = load_problem(problem)
    k = parse_sample(sample, len(pr.samples), pr.source)
    if epoch is not None and last:
        raise BpcalcError("--epoch and --last: give one of them")
    one_epoch = pr.epochs if last else parse_epoch(epoch, pr.epochs, pr.source)
    check_size(pr, k, fmt, math, one_epoch)
    if fmt == "json" and view == "scalar":  # written sample by sample as the run makes them, none of them kept
        from bpcalc.arith import FloatMath
        from bpcalc.evaluate import Run, iter_train
        from bpcalc.render.json import run_json_stream
        from bpcalc.worksheet import View

        streamed = Run(pr, math or FloatMath())
        for piece in run_json_stream(streamed, iter_train(streamed, streamed=True), View(show=sections, sample=k, epoch=one_epoch)):
            write(piece, "json")
        return
    result = train(pr, math)
    precision = _precision(precision, math)
    from bpcalc.notations import notation_for
    from bpcalc.render.formats import PrintOptions
    from bpcalc.worksheet import View

    shown = View(precision, sections, k, epoch=one_epoch, notation=notation_for(pr.network, notation or pr.notation))
    if view == "matrix":
        from bpcalc.matrixview import run_matrix

        write(run_matrix(result, shown, fmt, PrintOptions(latex_body=latex_body)), "latex" if fmt == "latex" else "text")
        return
    printer = FORMATS[fmt]
    printed(printer, printer.run_printer()(result, shown, PrintOptions(latex_body=latex_body)), fmt)


@main.command(epilog=EXAMPLES["derive"], short_help="The chain rule for one parameter, symbolically.")
@click.option("--param", "-p", "param", required=True, help="The parameter: w11, b4 or β4, ...")
@click.option("--problem", "problem", default=None, metavar="FILE", type=FILE, help="Evaluate at this problem's samples (- for stdin). Default: the seed sheet's network.")
@click.option("--format", "fmt", type=click.Choice(DERIVE_FORMATS), default="auto", show_default=True, help=FORMAT_HELP)
@click.option("--precision", type=click.IntRange(0, 17), default=3, show_default=True, help="Decimals shown (display only).")
@answer_options
@output_options
@notation_option
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
    notation: str | None,
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
    d = derivation_for(param, problem, math, notation)
    precision = _precision(precision, math)
    if sample is not None:
        k = parse_sample(sample, len(d.problem.samples), d.problem.source)
        d = dataclasses.replace(d, samples=[s for s in d.samples if s["sample"] == k], raw=[s for s in d.raw if s["sample"] == k])
    from bpcalc.render.formats import PrintOptions

    printer = FORMATS[fmt]
    printed(printer, printer.derive_printer()(d, precision, PrintOptions(latex_body=latex_body)), fmt)


def class_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`check`'s options for marking a class (see bpcalc.classroom.cli)."""
    from bpcalc.classroom.cli import class_options as options

    return options(fn)


def check_class(*args: Any, **kwargs: Any) -> int:
    """Mark many files (or with the class options): bpcalc.classroom.cli.check_class; the exit status."""
    from bpcalc.classroom.cli import check_class as run

    return run(*args, **kwargs)


@main.command("check", epilog=EXAMPLES["check"], short_help="Mark a worked sheet (ANSWERS) against PROBLEM.")
@click.argument("problem", metavar="PROBLEM", type=FILE)
@click.argument("answers", metavar="ANSWERS...", nargs=-1, required=True, type=FILE)
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
@notation_option
@class_options
@output_options
@user_errors
def check_command(
    problem: str, answers: tuple[str, ...], tolerance: str | None, answer_decimals: int | None, carry: bool, fmt: str, notation: str | None, **marking: Any
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
    if notation:  # the answers' names (a class's files too)
        import dataclasses

        pr = dataclasses.replace(pr, notation=notation)
    if len(answers) > 1 or fmt == "gradescope" or any(marking.values()) or os.path.isdir(answers[0]):
        sys.exit(check_class(pr, answers, options, fmt, **marking))
    text, source = read_answers(answers[0])
    report = _check_in_notation(pr, text, source, options, notation)
    fmt = resolve_format(fmt)
    if fmt == "json":  # written item by item
        from bpcalc.render.check import check_json_stream

        for piece in check_json_stream(report):
            write(piece, "json")
    else:
        from bpcalc.render.check import render_check

        emit(render_check(report, pr, plain=fmt == "plain"), fmt)
    if report.summary.wrong:
        sys.exit(1)


def _check_in_notation(pr: Any, text: str, source: str, options: Any, notation: str | None) -> Any:
    """check's report on answers in ``notation`` (default: the problem's); a one-line error when the names fit
    another notation far better (bpcalc.notation_check), rather than marks against the wrong weights."""
    from bpcalc.check import check, parse_answers
    from bpcalc.errors import ProblemError
    from bpcalc.notation_check import hint

    used = notation or pr.notation
    try:
        report = check(pr, parse_answers(text, source, pr, notation), options)  # None: the problem's, or the sheet's for run's own output
    except ProblemError as e:
        better = None if notation else hint(pr, text, source, options, used, None)
        raise BpcalcError(better) if better else e
    s = report.summary
    better = None if notation or not s.checked else hint(pr, text, source, options, used, s.score)
    if better:
        raise BpcalcError(better)
    return report


@main.command("names", short_help="Which weight is which: the sheet's names beside a textbook's.")
@click.argument("problem", metavar="PROBLEM", type=FILE)
@notation_option
@output_options
@user_errors
def names_command(problem: str, notation: str | None) -> None:
    """Which weight is which: PROBLEM's units and parameters in the sheet notation and in the textbook profiles.

    \b
    bpcalc names samples/han_kamber_pei_backprop.json --notation global
    """
    from bpcalc.nametable import cross_reference
    from bpcalc.problem import load_problem

    pr = load_problem(problem)
    write(cross_reference(pr, notation or (pr.notation if pr.notation != "sheet" else None)))


@main.command("convert", short_help="PROBLEM in another notation or with weight matrices (JSON).")
@click.argument("problem", metavar="PROBLEM", type=FILE)
@notation_option
@click.option("--matrices", "layout", flag_value="to_from", default=None, help="Parameters as weight matrices W[l] of shape (n_l, n_l-1) and bias vectors.")
@click.option("--layout", "layout", type=click.Choice(["to_from", "from_to"]), help="With matrices: to_from (deeplearning.ai) or from_to (CS231n, X·W).")
@output_options
@user_errors
def convert_command(problem: str, notation: str | None, layout: str | None) -> None:
    """PROBLEM written in another notation (--notation) or with matrices (--matrices); JSON on stdout.

    \b
    bpcalc convert samples/mazur_step_by_step.json --notation sequential
    bpcalc convert samples/q3.json --matrices
    """
    from bpcalc.convert import convert, dumps
    from bpcalc.jsontext import parse_json
    from bpcalc.problem import read_text

    text, source = read_text(problem)
    write(dumps(convert(parse_json(text, source), source, notation, layout)), "json")


from bpcalc.classroom.cli import new_command, quality_command, variants_command  # noqa: E402  (the instructor's commands)
from bpcalc.train.cli import register as _register_train  # noqa: E402  (data, train, tune; after the helpers it uses)

main.add_command(new_command)
main.add_command(variants_command)
main.add_command(quality_command)
_register_train(main)
