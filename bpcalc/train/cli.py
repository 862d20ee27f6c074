"""The `data`, `train` and `tune` commands: thin click wrappers over bpcalc.train (numpy is imported only when they run)."""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from bpcalc.cli import TEXT_FORMATS, emit, resolve_format, user_errors
from bpcalc.errors import BpcalcError
from bpcalc.train.datasets import KINDS

FORMATS = TEXT_FORMATS + ["json"]
FORMAT_HELP = "rich: terminal tables and a colored chart; plain: text without escape codes (the default when piped or NO_COLOR is set); json: every epoch, for scripts."


def _width(fmt: str) -> int:
    if fmt == "rich" and sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return int(os.environ.get("COLUMNS", "0") or 0) or (80 if fmt == "rich" else 120)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@click.command("data")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.option("--n", "n", type=int, default=200, show_default=True, help="Number of samples.")
@click.option("--noise", type=float, default=0.2, show_default=True, help="Standard deviation of the noise.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generator: the same seed gives the same file.")
@click.option("--classes", type=int, default=2, show_default=True, help="spiral only: number of arms (classes); more than 2 gives one-hot targets t1..tK.")
@click.option("-o", "--output", default="-", metavar="FILE", help="The CSV file to write (default: stdout).")
@user_errors
def data_command(kind: str, n: int, noise: float, seed: int, classes: int, output: str) -> None:
    """Write a toy data set KIND (xor, moons, circles, spiral, linear) as CSV: f1,f2 then t (or t1..tK).

    linear is a noisy plane for regression (a linear output with mse); the others are classes 0/1.
    """
    from bpcalc.train.datasets import DataSpec, generate, to_csv

    text = to_csv(generate(DataSpec(kind, n, noise, seed, classes)))
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as e:
        raise BpcalcError(f"{output}: cannot write: {e.strerror}") from None


@dataclass(frozen=True)
class DataOptions:
    """The data options train and tune share, as given."""

    data: str
    validation: str | None
    validation_data: str | None
    epochs: str | None
    seed: int


def _load(problem: str, o: DataOptions) -> tuple[Any, Any, Any, str, dict[str, Any]]:
    """The problem, the training and validation sets, how the validation set was made (text and JSON)."""
    data, validation, validation_data, seed = o.data, o.validation, o.validation_data, o.seed
    from bpcalc.problem import load_problem
    from bpcalc.train.csvdata import load_dataset
    from bpcalc.train.job import fraction, split

    if validation is not None and validation_data is not None:
        raise BpcalcError("--validation and --validation-data cannot be used together: split the data, or give a validation file")
    share = fraction(validation) if validation is not None else 0.25
    pr = load_problem(problem)
    full = load_dataset(data, pr.network)
    if validation_data is not None:
        held = load_dataset(validation_data, pr.network)
        from bpcalc.escape import one_line

        return pr, full, held, f"from {one_line(held.source)}", {"training": full.source, "validation": held.source}
    training, held = split(full, share, seed)
    return pr, training, held, f"held out at random (--validation {share:g}, seed {seed})", {
        "training": full.source,
        "validation_fraction": share,
        "seed": seed,
    }


def _data_options(fn: Any) -> Any:
    """The shared options, handed to the command as one DataOptions ``source``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, data: str, validation: str | None, validation_data: str | None, epochs: str | None, seed: int, **kw: Any) -> Any:
        return fn(*args, source=DataOptions(data, validation, validation_data, epochs, seed), **kw)

    for option in reversed(
        [
            click.option("--data", "data", required=True, metavar="FILE", help="CSV with the problem's columns: f1..fn, then t or t1..tm."),
            click.option("--validation", "validation", default=None, metavar="F", help="Hold out this fraction of --data, drawn with --seed, for validation (default 0.25)."),
            click.option("--validation-data", "validation_data", default=None, metavar="FILE", help="Validate on this CSV instead of holding out part of --data."),
            click.option("--epochs", "epochs", default=None, metavar="N", help="Epochs to train (default: the problem's)."),
            click.option("--seed", type=int, default=0, show_default=True, help="Seed of the validation split and of random initial parameters."),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


@click.command("train")
@click.argument("problem", metavar="PROBLEM")
@_data_options
@click.option("--init", type=click.Choice(["problem", "random"]), default="problem", show_default=True, help="Start from the problem's parameters, or from seeded random ones (Glorot uniform, zero biases).")
@click.option("--weight-decay", "weight_decay", default=None, metavar="λ", help="L2 weight decay: (λ/2)·Σw² over the weights (not the biases) added to every update's objective.")
@click.option("--every", type=click.IntRange(1), default=None, metavar="K", help="Show every K-th epoch in the table (default: 0, 1, 2, 5, 10, 20, 50, ...).")
@click.option("--chart/--no-chart", default=True, show_default=True, help="Draw the two loss curves in the terminal.")
@click.option("--plot", "plot", default=None, metavar="FILE", help="Also draw the curves to FILE.png or FILE.svg (needs the plot extra: matplotlib).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True, help=FORMAT_HELP)
@user_errors
def train_command(
    problem: str,
    source: DataOptions,
    init: str,
    weight_decay: str | None,
    every: int | None,
    chart: bool,
    plot: str | None,
    fmt: str,
) -> None:
    """Train PROBLEM's network on a data set: training and validation loss per epoch, and a verdict.

    The verdict, in the seed sheet's terms: underfitting (poor on training and new data), overfitting
    (good on training data, poor on new data) or a good fit; see the README for the rule.
    """
    from bpcalc.train.job import decay_option, epochs_option, make_job, run_job
    from bpcalc.train.progress import progress_bar

    fmt = resolve_format(fmt)
    if plot is not None:
        from bpcalc.train.plot import check_path, pyplot

        check_path(plot)
        pyplot()  # a missing matplotlib is said before training, not after
    pr, training, held, held_out, about = _load(problem, source)
    epochs = epochs_option(source.epochs, pr.epochs)
    job = make_job(pr, training, held, epochs=epochs, init=init, seed=source.seed, weight_decay=decay_option(weight_decay))
    with progress_bar(job.epochs, "training") as advance:
        result = run_job(job, advance)
    if plot is not None:
        from bpcalc.train.plot import save_curves

        h = result.history
        title = f"{'-'.join(map(str, job.network.layers))} network: {result.verdict.kind}"
        save_curves(plot, h.training.loss, h.validation.loss, result.verdict.best_epoch, title, result.baseline)
    if fmt == "json":
        from bpcalc.train.render import train_dict

        click.echo(_dumps(train_dict(result, {**about, "problem": pr.source})), nl=False)
        return
    from bpcalc.train.render import train_renderable

    emit(train_renderable(result, held_out, _width(fmt), plain=fmt == "plain", every=every, chart=chart), fmt)


@click.command("tune")
@click.argument("problem", metavar="PROBLEM")
@_data_options
@click.option("--grid", "grid", multiple=True, metavar="KEY=V1,V2,...", help="Values to try: learning_rate, hidden (the width of every hidden layer), weight_decay, epochs. Repeat for each key.")
@click.option("--init", type=click.Choice(["problem", "random"]), default=None, help="Initial parameters (default: the problem's; random, from --seed, whenever hidden is in the grid).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True, help=FORMAT_HELP)
@user_errors
def tune_command(
    problem: str,
    source: DataOptions,
    grid: tuple[str, ...],
    init: str | None,
    fmt: str,
) -> None:
    """Train every combination of a grid of hyperparameters and choose the one with the lowest validation loss."""
    from bpcalc.train.job import epochs_option
    from bpcalc.train.progress import progress_bar
    from bpcalc.train.tune import parse_grid, tune

    fmt = resolve_format(fmt)
    g = parse_grid(grid)
    pr, training, held, held_out, about = _load(problem, source)
    count = len(g.combinations())
    with progress_bar(count, "combinations") as advance:
        tuning = tune(
            pr,
            training,
            held,
            g,
            init=init,
            seed=source.seed,
            epochs=epochs_option(source.epochs, pr.epochs),
            progress=(lambda k, n: advance(k)) if advance else None,
        )
    if fmt == "json":
        from bpcalc.train.render import tune_dict

        click.echo(_dumps(tune_dict(tuning, {**about, "problem": pr.source})), nl=False)
        return
    from bpcalc.escape import one_line
    from bpcalc.train.render import describe_data, tune_renderable

    job = tuning.trials[0].result.job
    header = [f"{count} combinations of {', '.join(g.keys)} for {one_line(pr.source)}", describe_data(job, held_out)]
    emit(tune_renderable(tuning, header, _width(fmt), plain=fmt == "plain"), fmt)


def register(group: click.Group) -> None:
    """Add the commands to the bpcalc group."""
    for command in (data_command, train_command, tune_command):
        group.add_command(command)
