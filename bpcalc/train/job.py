"""One training job: the problem, its data split into training and validation, the initial parameters, the result."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from bpcalc.errors import BpcalcError
from bpcalc.network import Network
from bpcalc.optim import SGD_SETTINGS, Optimizer
from bpcalc.problem import MAX_EPOCHS, Problem
from bpcalc.train.csvdata import Dataset
from bpcalc.train.verdict import Verdict, judge

if TYPE_CHECKING:  # numpy is imported only when a job runs
    from bpcalc.train.vectorised import History

INITS = ("problem", "random")


@dataclass(frozen=True)
class Job:
    """Everything a run of the vectorised trainer needs, checked."""

    network: Network
    parameters: dict[str, float]
    learning_rate: float
    epochs: int
    update: str
    weight_decay: float
    frozen: frozenset[str]
    training: Dataset
    validation: Dataset
    optimizer: Optimizer = SGD_SETTINGS  # the problem's update rule (bpcalc.optim)
    batch_size: int | None = None  # "minibatch" updates
    reduction: str = "mean"


@dataclass
class Result:
    job: Job
    history: History
    baseline: float  # loss of always predicting the training set's mean target, on the training set
    validation_baseline: float  # the same constant, on the validation set
    verdict: Verdict


def fraction(text: str) -> float:
    """--validation's value: a fraction strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value < 1):
        raise BpcalcError(f"--validation: expected a fraction between 0 and 1 (not 0 or 1), got {text!r}")
    return value


def split(data: Dataset, share: float, seed: int) -> tuple[Dataset, Dataset]:
    """A seeded split: round(share·n) samples, drawn at random, for validation; file order kept in both."""
    n = len(data)
    count = round(share * n)
    if count < 1 or count > n - 1:
        raise BpcalcError(
            f"{data.source}: --validation {share:g} of {n} sample{'s' if n != 1 else ''} leaves"
            f" {'no validation' if count < 1 else 'no training'} sample; use a larger data file or another fraction"
        )
    order = list(range(n))
    random.Random(seed).shuffle(order)
    held = set(order[:count])
    return data.subset([i for i in range(n) if i not in held]), data.subset(sorted(held))


def random_parameters(net: Network, seed: int) -> dict[str, float]:
    """Glorot-uniform weights, U(−a, a) with a = √(6 / (fan-in + fan-out)), and zero biases, from a seeded generator."""
    rng = random.Random(f"bpcalc init {seed}")
    out: dict[str, float] = {}
    for p in net.params:
        if p.is_bias:
            out[p.name] = 0.0
        else:
            layer = p.target.layer
            a = math.sqrt(6.0 / (net.layers[layer - 1] + net.layers[layer]))
            out[p.name] = rng.uniform(-a, a)
    return out


def epochs_option(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_EPOCHS:
        raise BpcalcError(f"--epochs: expected a whole number from 1 to {MAX_EPOCHS:,}, got {text!r}")
    return value


def decay_option(text: str | None) -> float | None:
    """--weight-decay's value; None when not given (the problem's weight_decay then holds)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise BpcalcError(f"--weight-decay: expected a number of at least 0, got {text!r}")
    return value


def make_job(
    problem: Problem,
    training: Dataset,
    validation: Dataset,
    *,
    epochs: int | None = None,
    init: str = "problem",
    seed: int = 0,
    weight_decay: float | None = None,
    network: Network | None = None,
    learning_rate: float | None = None,
) -> Job:
    """The job for ``problem`` on the data; a different ``network`` (another width) starts from random parameters."""
    update = problem.update
    net = network or problem.network
    if init not in INITS:
        raise BpcalcError(f"--init: expected problem or random, got {init!r}")
    frozen = problem.frozen
    if init == "random" or net != problem.network:
        params = random_parameters(net, seed)
        if net == problem.network:  # frozen parameters keep the problem's values
            params.update({k: float(problem.parameters[k]) for k in frozen})
        else:
            frozen = frozenset()
    else:
        params = {k: float(v) for k, v in problem.parameters.items()}
    decay = weight_decay if weight_decay is not None else float(getattr(problem, "weight_decay", 0) or 0)
    rate = float(problem.learning_rate) if learning_rate is None else learning_rate
    rules = (problem.optimizer, problem.batch_size, problem.reduction)  # mini-batches are of the data's rows
    return Job(net, params, rate, epochs or problem.epochs, update, decay, frozen, training, validation, *rules)


def arrays(data: Dataset) -> tuple[Any, Any]:
    import numpy as np

    return np.array(data.inputs, dtype=float).reshape(len(data), -1), np.array(data.targets, dtype=float).reshape(len(data), -1)


def run_job(job: Job, progress: Callable[[int], None] | None = None) -> Result:
    """Train, and judge the curves against the loss of always predicting the training set's mean target."""
    from bpcalc.train.vectorised import Settings, constant_loss, fit

    x, t = arrays(job.training)
    vx, vt = arrays(job.validation)
    mean = t.mean(axis=0)
    baseline = float(constant_loss(job.network.loss_name, mean, t).mean())
    val_baseline = float(constant_loss(job.network.loss_name, mean, vt).mean())
    if not baseline > 0:
        raise BpcalcError(f"{job.training.source}: every training target is the same, so there is nothing to learn")
    settings = Settings(job.learning_rate, job.epochs, job.update, job.weight_decay, job.frozen, job.optimizer, job.batch_size, job.reduction)
    history = fit(job.network, job.parameters, settings, x, t, (vx, vt), progress=progress)
    verdict = judge(history.training.loss, history.validation.loss, baseline)
    return Result(job, history, baseline, val_baseline, verdict)
