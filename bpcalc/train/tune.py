"""A hyperparameter grid: every combination trained, the one with the lowest validation loss chosen."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from bpcalc.errors import BpcalcError
from bpcalc.problem import MAX_EPOCHS, Problem
from bpcalc.train.csvdata import Dataset
from bpcalc.train.job import Result, make_job, run_job

KEYS = ("learning_rate", "hidden", "weight_decay", "epochs")
MAX_COMBINATIONS = 1000
MAX_WIDTH = 10_000


@dataclass(frozen=True)
class Grid:
    """The keys in the order given, each with its values in the order given."""

    keys: tuple[str, ...]
    values: tuple[tuple[float | int, ...], ...]

    def combinations(self) -> list[dict[str, float | int]]:
        return [dict(zip(self.keys, combo)) for combo in itertools.product(*self.values)]


def _value(key: str, text: str, option: str) -> float | int:
    raw = text.strip()
    if key in ("hidden", "epochs"):
        hi = MAX_WIDTH if key == "hidden" else MAX_EPOCHS
        try:
            v = int(raw)
        except ValueError:
            v = 0
        if not 1 <= v <= hi:
            what = "hidden units per layer" if key == "hidden" else "epochs"
            raise BpcalcError(f"{option}: expected whole numbers of {what} from 1 to {hi:,}, got {raw!r}")
        return v
    try:
        x = float(raw)
    except ValueError:
        x = math.nan
    if key == "learning_rate" and not (math.isfinite(x) and x > 0):
        raise BpcalcError(f"{option}: expected positive learning rates, got {raw!r}")
    if key == "weight_decay" and not (math.isfinite(x) and x >= 0):
        raise BpcalcError(f"{option}: expected weight decays of at least 0, got {raw!r}")
    return x


def parse_grid(texts: tuple[str, ...] | list[str]) -> Grid:
    """--grid key=v1,v2,... options, checked: known keys, each once, at least one value each."""
    if not texts:
        raise BpcalcError(f"tune needs at least one --grid KEY=V1,V2,... (keys: {', '.join(KEYS)})")
    keys: list[str] = []
    values: list[tuple[float | int, ...]] = []
    for text in texts:
        option = f"--grid {text}"
        key, eq, rest = text.partition("=")
        key = key.strip()
        if not eq:
            raise BpcalcError(f"{option}: expected KEY=V1,V2,... (keys: {', '.join(KEYS)})")
        if key not in KEYS:
            raise BpcalcError(f"{option}: unknown key {key!r}; expected one of {', '.join(KEYS)}")
        if key in keys:
            raise BpcalcError(f"{option}: {key} is given twice; list all its values in one --grid")
        parts = [p for p in rest.split(",") if p.strip()]
        if not parts:
            raise BpcalcError(f"{option}: the grid for {key} is empty; give one or more values, comma-separated")
        vals = tuple(_value(key, p, option) for p in parts)
        if len(set(vals)) != len(vals):
            raise BpcalcError(f"{option}: a value of {key} is listed twice")
        keys.append(key)
        values.append(vals)
    count = math.prod(len(v) for v in values)
    if count > MAX_COMBINATIONS:
        raise BpcalcError(f"the grid has {count:,} combinations; tune trains at most {MAX_COMBINATIONS:,}")
    return Grid(tuple(keys), tuple(values))


@dataclass
class Trial:
    combination: dict[str, float | int]
    result: Result


@dataclass
class Tuning:
    grid: Grid
    trials: list[Trial]
    chosen: int  # index of the lowest final validation loss
    by_training: int  # index of the lowest final training loss

    @property
    def corners(self) -> tuple[int, int]:
        """The grid's extremes: every key at its first value, and every key at its last."""
        return 0, len(self.trials) - 1


def tune(
    problem: Problem,
    training: Dataset,
    validation: Dataset,
    grid: Grid,
    *,
    init: str | None = None,
    seed: int = 0,
    epochs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tuning:
    """Train every combination; with ``hidden`` in the grid each starts from seeded random parameters."""
    net = problem.network
    if "hidden" in grid.keys:
        if len(net.layers) < 3:
            raise BpcalcError(f"--grid hidden: the {'-'.join(map(str, net.layers))} network of {problem.source} has no hidden layer")
        if problem.frozen:
            raise BpcalcError(f"--grid hidden: {problem.source} freezes {', '.join(sorted(problem.frozen))}; at another width those parameters are not there")
        if init == "problem":
            raise BpcalcError("--init problem cannot be used with --grid hidden: another width needs other parameters (use --init random)")
        init = "random"
    trials = []
    combos = grid.combinations()
    for i, combo in enumerate(combos):
        width = combo.get("hidden")
        network = replace(net, layers=(net.layers[0], *([int(width)] * (len(net.layers) - 2)), net.layers[-1])) if width else None
        job = make_job(
            problem,
            training,
            validation,
            epochs=int(combo["epochs"]) if "epochs" in combo else epochs,
            init=init or "problem",
            seed=seed,
            weight_decay=float(combo["weight_decay"]) if "weight_decay" in combo else None,
            network=network,
            learning_rate=float(combo["learning_rate"]) if "learning_rate" in combo else None,
        )
        trials.append(Trial(combo, run_job(job)))
        if progress is not None:
            progress(i + 1, len(combos))
    chosen = min(range(len(trials)), key=lambda i: (trials[i].result.verdict.validation, i))
    by_training = min(range(len(trials)), key=lambda i: (trials[i].result.verdict.training, i))
    return Tuning(grid, trials, chosen, by_training)


def describe(combination: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in combination.items())
