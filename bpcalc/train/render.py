"""What `train` and `tune` show: epoch tables, the curves, the verdict (rich renderables) and their JSON."""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpcalc.escape import one_line
from bpcalc.train.chart import loss_chart
from bpcalc.train.job import Job, Result
from bpcalc.train.tune import Tuning, describe
from bpcalc.train.verdict import GOOD_FIT, OVERFITTING, UNDERFITTING


def loss_text(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4f}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3e}"


def share_text(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def table_epochs(last: int, best: int, every: int | None = None) -> list[int]:
    """0, then 1, 2, 5, 10, 20, 50, ... (or every K-th epoch), the last epoch and the best validation epoch."""
    if every:
        picks = set(range(0, last + 1, every))
    else:
        picks, k = {0}, 0
        while True:
            e = (1, 2, 5)[k % 3] * 10 ** (k // 3)
            if e > last:
                break
            picks.add(e)
            k += 1
    return sorted(picks | {last, best})


def describe_job(job: Job) -> str:
    net = job.network
    acts = " → ".join(net.activations)
    decay = f", weight decay {job.weight_decay:g}" if job.weight_decay else ""
    decay = _rule(job) + decay
    frozen = f", frozen {', '.join(sorted(job.frozen))}" if job.frozen else ""
    return (
        f"{'-'.join(map(str, net.layers))} network ({acts}, {net.loss_name} loss{'' if net.bias else ', no biases'}),"
        f" learning rate {job.learning_rate:g}, {_updates(job)}, {job.epochs:,} epochs{decay}{frozen}"
    )


def describe_data(job: Job, held_out: str) -> str:
    return (
        f"{len(job.training)} training samples from {one_line(job.training.source)},"
        f" {len(job.validation)} validation samples {held_out}"
    )


def epoch_table(result: Result, every: int | None, plain: bool, width: int) -> Table:
    h = result.history
    v = result.verdict
    accuracy = h.training.accuracy is not None
    heads = [("epoch", "right"), ("training\nloss", "right"), ("validation\nloss", "right")]
    heads += [("training\naccuracy", "right"), ("validation\naccuracy", "right")] if accuracy else []
    rows = []
    for e in table_epochs(len(h.training.loss) - 1, v.best_epoch, every):
        row = [f"{e:,}", loss_text(h.training.loss[e]), loss_text(h.validation.loss[e])]  # type: ignore[union-attr]
        if accuracy:
            row += [share_text(h.training.accuracy[e]), share_text(h.validation.accuracy[e])]  # type: ignore[index, union-attr]
        rows.append(row + ["◀" if e == v.best_epoch else ""])
    return table(heads + [("", "left")], rows, plain, width, (3, 4) if accuracy else ())


def sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}."


def verdict_text(result: Result) -> str:
    v = result.verdict
    return f"Verdict: {v.kind}. {sentence(v.reason)}"


def train_renderable(result: Result, held_out: str, width: int, plain: bool, every: int | None = None, chart: bool = True) -> RenderableType:
    job = result.job
    parts: list[RenderableType] = [
        Text(describe_job(job)),
        Text(describe_data(job, held_out)),
        Text(
            f"Baseline (always predicting the training mean target): training {loss_text(result.baseline)},"
            f" validation {loss_text(result.validation_baseline)}"
        ),
        epoch_table(result, every, plain, width),
        Text("◀ the lowest validation loss"),
    ]
    if chart:
        h = result.history
        drawn = loss_chart(h.training.loss, h.validation.loss, min(width, 120), color=not plain)
        parts.append(Text(drawn) if plain else Text.from_ansi(drawn))
    parts.append(Text(verdict_text(result), style="" if plain else "bold"))
    return Group(*parts)


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def verdict_dict(result: Result) -> dict[str, Any]:
    v = result.verdict
    return {
        "verdict": v.kind,
        "reason": v.reason,
        "baseline": _num(v.baseline),
        "training_loss": _num(v.training),
        "validation_loss": _num(v.validation),
        "training_share_of_baseline": _num(v.training_share),
        "gap_share_of_baseline": _num(v.gap_share),
        "best_epoch": v.best_epoch,
        "best_validation_loss": _num(v.best_validation),
        "rise_share_of_baseline": _num(v.rise_share),
    }


def _updates(job: Job) -> str:
    if job.update == "minibatch":
        return f"mini-batches of {job.batch_size}" + (" (gradients summed)" if job.reduction == "sum" else "")
    return f"{job.update} updates" + (" (gradients summed)" if job.update == "batch" and job.reduction == "sum" else "")


def _rule(job: Job) -> str:
    opt = job.optimizer
    if opt.name == "momentum":
        return f", {'Nesterov ' if opt.nesterov else ''}momentum {float(opt.momentum):g}"
    if opt.name == "adam":
        return f", Adam (β1 {float(opt.beta1):g}, β2 {float(opt.beta2):g}, ε {float(opt.epsilon):g})"
    return ""


def job_dict(job: Job) -> dict[str, Any]:
    net = job.network
    return {
        "network": {"layers": list(net.layers), "activations": list(net.activations), "loss": net.loss_name, "bias": net.bias},
        "learning_rate": job.learning_rate,
        "update": job.update,
        "epochs": job.epochs,
        "weight_decay": job.weight_decay,
        "optimizer": job.optimizer.as_dict(),
        "batch_size": job.batch_size,
        "reduction": job.reduction,
        "frozen": sorted(job.frozen),
        "training_samples": len(job.training),
        "validation_samples": len(job.validation),
    }


def train_dict(result: Result, data: dict[str, Any]) -> dict[str, Any]:
    h = result.history
    epochs = []
    for e in range(len(h.training.loss)):
        entry: dict[str, Any] = {"epoch": e, "training_loss": _num(h.training.loss[e]), "validation_loss": _num(h.validation.loss[e])}
        if h.training.accuracy is not None:
            entry["training_accuracy"] = h.training.accuracy[e]
            entry["validation_accuracy"] = h.validation.accuracy[e]
        epochs.append(entry)
    return {
        **job_dict(result.job),
        "data": data,
        "baseline": {"training": _num(result.baseline), "validation": _num(result.validation_baseline)},
        "epochs_trained": epochs,
        "verdict": verdict_dict(result),
        "parameters": h.parameters,
    }


# --- tune -------------------------------------------------------------------------------------

SHORT = {UNDERFITTING: "underfit", OVERFITTING: "overfit", GOOD_FIT: "good fit"}


GRID_HEADS = {"learning_rate": "η", "hidden": "hidden", "weight_decay": "λ", "epochs": "epochs"}
GRID_KEY = {"learning_rate": "η: learning rate", "weight_decay": "λ: weight decay"}


def table(heads: list[tuple[str, str]], rows: list[list[str]], plain: bool, width: int, optional: tuple[int, ...] = (), styles: list[str] | None = None) -> Table:
    """A table that fits ``width`` without cutting a value.

    Each column is as wide as its widest value and its longest header word; where that is too wide,
    the ``optional`` columns are left out one by one, then header words break (the spare width going
    to the columns whose header words are longest), and only where even the values do not fit do they fold.
    """
    sep = 3  # a space, a rule and a space between columns; framed tables add a rule and a space at each side
    drops = [tuple(optional[:i]) for i in range(len(optional) + 1)]

    def build(drop: tuple[int, ...], fixed: list[int] | None) -> Table:
        t = Table(box=box.SIMPLE if plain else box.ROUNDED, show_edge=not plain, pad_edge=not plain)
        keep = [k for k in range(len(heads)) if k not in drop]
        for j, k in enumerate(keep):
            head, justify = heads[k]
            t.add_column(head, justify=justify, overflow="fold", width=fixed[j] if fixed else None)  # type: ignore[arg-type]
        for i, row in enumerate(rows):
            t.add_row(*[row[k] for k in keep], style=styles[i] if styles else "")
        return t

    for words in (True, False):
        for drop in drops:
            keep = [k for k in range(len(heads)) if k not in drop]
            values = [max((len(r[k]) for r in rows), default=1) for k in keep]
            longest = [max([values[j]] + [len(x) for x in heads[k][0].split()]) for j, k in enumerate(keep)]
            budget = width - sep * (len(keep) - 1) - (0 if plain else 4)
            if sum(longest if words else values) > budget:
                continue
            fixed = list(longest if words else values)
            spare = budget - sum(fixed)
            while not words and spare > 0 and fixed != longest:
                for j in sorted(range(len(fixed)), key=lambda j: fixed[j] - longest[j]):
                    if spare > 0 and fixed[j] < longest[j]:
                        fixed[j] += 1
                        spare -= 1
            return build(drop, fixed)
    return build(optional, None)


def tune_table(tuning: Tuning, plain: bool, width: int) -> Table:
    accuracy = tuning.trials[0].result.history.training.accuracy is not None
    heads = [("#", "right")] + [(GRID_HEADS[k], "right") for k in tuning.grid.keys]
    heads += [("training\nloss", "right"), ("validation\nloss", "right")] + ([("val.\nacc.", "right")] if accuracy else [])
    heads += [("verdict", "left"), ("lowest\nloss", "left")]
    lowest = {(True, True): "both ◀", (True, False): "val. ◀", (False, True): "train.", (False, False): ""}
    rows = []
    for i, trial in enumerate(tuning.trials):
        r = trial.result
        row = [str(i + 1)] + [f"{trial.combination[k]:g}" for k in tuning.grid.keys]
        row += [loss_text(r.verdict.training), loss_text(r.verdict.validation)]
        if accuracy:
            row.append(share_text(r.history.validation.accuracy[-1]))  # type: ignore[index]
        rows.append(row + [SHORT[r.verdict.kind], lowest[(i == tuning.chosen, i == tuning.by_training)]])
    styles = ["" if plain or i != tuning.chosen else "bold" for i in range(len(rows))]
    optional = ((len(heads) - 3,) if accuracy else ()) + (len(heads) - 1,)  # accuracy, then the "lowest" marks (said below)
    return table(heads, rows, plain, width, optional, styles)


def tune_lines(tuning: Tuning) -> list[str]:
    c, b = tuning.trials[tuning.chosen], tuning.trials[tuning.by_training]
    lines = [
        f"Chosen by validation loss: #{tuning.chosen + 1} ({describe(c.combination)}):"
        f" validation {loss_text(c.result.verdict.validation)}, training {loss_text(c.result.verdict.training)}."
    ]
    if tuning.by_training == tuning.chosen:
        lines.append("Picking on training loss would have chosen the same combination.")
    else:
        lines.append(
            f"Picking on training loss would have chosen differently: #{tuning.by_training + 1} ({describe(b.combination)})"
            f" has the lowest training loss, {loss_text(b.result.verdict.training)}, but validation"
            f" {loss_text(b.result.verdict.validation)}, higher than the chosen one's."
        )
    first, last = tuning.corners
    for label, i in (("Chosen", tuning.chosen), ("First corner of the grid", first), ("Last corner of the grid", last)):
        if label != "Chosen" and i == tuning.chosen:
            continue
        r = tuning.trials[i].result
        lines.append(f"{label}, #{i + 1} ({describe(tuning.trials[i].combination)}): {r.verdict.kind}. {sentence(r.verdict.reason)}")
    return lines


def tune_renderable(tuning: Tuning, header: list[str], width: int, plain: bool) -> RenderableType:
    parts: list[RenderableType] = [Text(line) for line in header]
    parts.append(tune_table(tuning, plain, width))
    keys = [GRID_KEY[k] for k in tuning.grid.keys if k in GRID_KEY]
    parts.append(Text("; ".join(["◀ chosen: the lowest validation (val.) loss", "train.: the lowest training loss", "acc.: accuracy", *keys])))
    parts += [Text(line) for line in tune_lines(tuning)]
    return Group(*parts)


def tune_dict(tuning: Tuning, data: dict[str, Any]) -> dict[str, Any]:
    first, last = tuning.corners
    return {
        "data": data,
        "grid": {k: list(v) for k, v in zip(tuning.grid.keys, tuning.grid.values)},
        "combinations": [
            {
                "combination": t.combination,
                **job_dict(t.result.job),
                "training_loss": _num(t.result.verdict.training),
                "validation_loss": _num(t.result.verdict.validation),
                **(
                    {"validation_accuracy": t.result.history.validation.accuracy[-1]}
                    if t.result.history.validation.accuracy is not None
                    else {}
                ),
                "verdict": verdict_dict(t.result),
            }
            for t in tuning.trials
        ],
        "chosen": tuning.chosen + 1,
        "chosen_by_training_loss": tuning.by_training + 1,
        "same_choice": tuning.chosen == tuning.by_training,
        "corners": [first + 1, last + 1],
    }
