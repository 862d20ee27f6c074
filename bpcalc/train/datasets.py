"""Toy data sets (xor, moons, circles, spiral, linear) from a seeded generator, written as deterministic CSV."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from bpcalc.errors import BpcalcError

KINDS = ("xor", "moons", "circles", "spiral", "linear")
MAX_ROWS = 1_000_000
MAX_CLASSES = 10
DECIMALS = 6  # every coordinate is written to 6 decimals: the same text on every machine


@dataclass(frozen=True)
class DataSpec:
    """What `bpcalc data` makes: the kind, how many rows, the noise, the seed (and the spiral's arms)."""

    kind: str
    n: int = 200
    noise: float = 0.2
    seed: int = 0
    classes: int = 2


@dataclass(frozen=True)
class Table:
    """Rows of inputs and targets with their column names (f1..fn, then t or t1..tm)."""

    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]  # inputs then targets, per row


def check_spec(spec: DataSpec) -> None:
    if spec.kind not in KINDS:
        raise BpcalcError(f"unknown data set {spec.kind!r}; expected one of {', '.join(KINDS)}")
    if not 1 <= spec.n <= MAX_ROWS:
        raise BpcalcError(f"--n: expected a number of samples from 1 to {MAX_ROWS:,}, got {spec.n}")
    if not (math.isfinite(spec.noise) and 0 <= spec.noise <= 10):
        raise BpcalcError(f"--noise: expected a number from 0 to 10, got {spec.noise}")
    if spec.classes != 2 and spec.kind != "spiral":
        raise BpcalcError(f"--classes: only the spiral has more than 2 classes ({spec.kind} has 2)")
    if not 2 <= spec.classes <= MAX_CLASSES:
        raise BpcalcError(f"--classes: expected 2 to {MAX_CLASSES} spiral arms, got {spec.classes}")


def _counts(n: int, k: int) -> list[int]:
    """n samples shared out over k classes as evenly as possible."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def generate(spec: DataSpec) -> Table:
    """The data set, row order shuffled by the same seeded generator."""
    check_spec(spec)
    rng = random.Random(spec.seed)
    noise = spec.noise
    points: list[tuple[float, float, int | float]] = []
    if spec.kind == "xor":
        # uniform points in [-1, 1]², class 1 where f1·f2 > 0, then jittered
        for _ in range(spec.n):
            x, y = rng.uniform(-1, 1), rng.uniform(-1, 1)
            label = 1 if x * y > 0 else 0
            points.append((x + noise * rng.gauss(0, 1) / 2, y + noise * rng.gauss(0, 1) / 2, label))
    elif spec.kind == "moons":
        # two interleaved half circles (as sklearn draws them), centred on the origin
        for label, count in enumerate(_counts(spec.n, 2)):
            for _ in range(count):
                a = rng.uniform(0, math.pi)
                if label == 0:
                    x, y = math.cos(a), math.sin(a)
                else:
                    x, y = 1 - math.cos(a), 0.5 - math.sin(a)
                points.append((x - 0.5 + noise * rng.gauss(0, 1), y - 0.25 + noise * rng.gauss(0, 1), label))
    elif spec.kind == "circles":
        # class 1 on a circle of radius 0.5 inside class 0 on radius 1
        for label, count in enumerate(_counts(spec.n, 2)):
            radius = 1.0 if label == 0 else 0.5
            for _ in range(count):
                a = rng.uniform(0, 2 * math.pi)
                r = radius + noise * rng.gauss(0, 1) / 2
                points.append((r * math.cos(a), r * math.sin(a), label))
    elif spec.kind == "spiral":
        # arms winding out from the origin, one per class
        for label, count in enumerate(_counts(spec.n, spec.classes)):
            for i in range(count):
                r = (i + 1) / max(count, 1)
                a = 2 * math.pi * label / spec.classes + 3 * math.pi * r + noise * rng.gauss(0, 1) / 2
                points.append((r * math.sin(a), r * math.cos(a), label))
    else:  # linear: a noisy plane, for regression (linear output, mse)
        for _ in range(spec.n):
            x, y = rng.uniform(-1, 1), rng.uniform(-1, 1)
            points.append((x, y, 0.5 * x - 0.3 * y + 0.2 + noise * rng.gauss(0, 1) / 2))
    rng.shuffle(points)
    if spec.kind == "spiral" and spec.classes > 2:
        targets = tuple(f"t{k}" for k in range(1, spec.classes + 1))
        rows = tuple((x, y, *(1.0 if k == c else 0.0 for k in range(spec.classes))) for x, y, c in points)
    else:
        targets = ("t",)
        rows = tuple((x, y, float(t)) for x, y, t in points)
    return Table(("f1", "f2"), targets, rows)


def cell(x: float) -> str:
    """A number as the CSV writes it: 6 decimals, no trailing zeros, never '-0'."""
    text = f"{round(x, DECIMALS) + 0.0:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_csv(table: Table) -> str:
    """The table as CSV text: a header line, then one line per row, LF line ends."""
    lines = [",".join(table.inputs + table.targets)]
    lines += [",".join(cell(v) for v in row) for row in table.rows]
    return "\n".join(lines) + "\n"
