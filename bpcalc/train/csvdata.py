"""Read a data CSV (f1..fn, t or t1..tm) for a problem's network; every fault names the file, line and column."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from bpcalc.errors import ProblemError
from bpcalc.escape import one_line
from bpcalc.network import Network
from bpcalc.problem import read_text

MAX_ROWS = 1_000_000
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Dataset:
    """Rows read from one file, as floats: inputs in f1..fn order, targets in t1..tm order."""

    source: str
    inputs: tuple[tuple[float, ...], ...]
    targets: tuple[tuple[float, ...], ...]

    def __len__(self) -> int:
        return len(self.inputs)

    def subset(self, indices: list[int]) -> "Dataset":
        return Dataset(self.source, tuple(self.inputs[i] for i in indices), tuple(self.targets[i] for i in indices))


def _shown(text: str) -> str:
    text = one_line(text)
    return '"' + (text if len(text) <= 40 else text[:37] + "...") + '"'


def load_dataset(path: str, net: Network) -> Dataset:
    text, source = read_text(path, "a CSV data file")
    return parse_dataset(text, source, net)


def parse_dataset(text: str, source: str, net: Network) -> Dataset:
    """The rows of ``text`` for ``net``: its input columns and its target columns, each once, in any order."""
    ins, outs = net.input_names, net.target_names
    want = ", ".join(ins + outs)
    shape = f"this {len(ins)}-input, {len(outs)}-output network"
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise ProblemError(source, "", "contains NUL bytes, expected a CSV data file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ProblemError(source, "", f"empty; expected a header line with {want}") from None
    except csv.Error as e:
        raise ProblemError(source, "line 1", f"not CSV ({e})") from None
    names = [h.strip() for h in header]
    if len(outs) == 1 and "t" not in names and "t1" in names:
        names = ["t" if n == "t1" else n for n in names]
    columns: dict[str, int] = {}
    for i, name in enumerate(names):
        place = f"line 1, column {i + 1}"
        if name not in ins and name not in outs:
            raise ProblemError(source, place, f"unknown column {_shown(header[i])}; {shape} takes {want}")
        if name in columns:
            raise ProblemError(source, place, f"column {name} is given twice (also column {columns[name] + 1})")
        columns[name] = i
    for name in ins + outs:
        if name not in columns:
            raise ProblemError(source, "line 1", f"missing column {name}; {shape} needs {want}")
    probability = net.loss.needs_probability
    inputs: list[tuple[float, ...]] = []
    targets: list[tuple[float, ...]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(names):
                raise ProblemError(source, f"line {line}", f"expected {len(names)} cells ({', '.join(names)}), got {len(row)}")
            if len(inputs) >= MAX_ROWS:
                raise ProblemError(source, f"line {line}", f"more than {MAX_ROWS:,} rows")
            values: dict[str, float] = {}
            for name, col in columns.items():
                raw = row[col].strip()
                place = f"line {line}, column {col + 1} ({name})"
                value = float(raw) if _NUMBER.fullmatch(raw) else None
                if value is None or not math.isfinite(value):
                    what = "a number (the target)" if name in outs else "a number"
                    got = "an empty cell" if not raw else _shown(raw)
                    raise ProblemError(source, place, f"expected {what}, got {got}")
                if probability and name in outs and not 0 <= value <= 1:
                    raise ProblemError(source, place, f"the {net.loss_name} loss needs a target between 0 and 1, got {raw}")
                values[name] = value
            inputs.append(tuple(values[n] for n in ins))
            targets.append(tuple(values[n] for n in outs))
    except csv.Error as e:
        raise ProblemError(source, f"line {reader.line_num}", f"not CSV ({e})") from None
    if not inputs:
        raise ProblemError(source, "", "no data rows after the header line")
    return Dataset(source, tuple(inputs), tuple(targets))
