"""CSV for spreadsheets: one value per row (epoch, sample, section, name, value), full precision, the JSON's names."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Iterable

from bpcalc.evaluate import Run
from bpcalc.render.values import Numbers

if TYPE_CHECKING:
    from bpcalc.derive import DeriveResult

HEADER = ("epoch", "sample", "section", "name", "value")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(x: Any) -> Any:
    """A text cell a spreadsheet would read as a formula (=, +, -, @, tab, CR first) starts with ' instead; numbers stay numbers."""
    if isinstance(x, str) and x.startswith(_FORMULA_START) and not _is_number(x):
        return "'" + x
    return x


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _write(rows: Iterable[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(tuple(cell(c) for c in row) for row in rows)
    return buf.getvalue()


def _delta_key(pre: str) -> str:
    from bpcalc import names as N
    from bpcalc.names import SHEET

    n = SHEET.parse(pre)
    return N.delta(n.unit).key if n is not None and n.kind == "pre" else f"delta_{pre}"


def run_rows(run: Run, view: Any = None) -> Iterable[tuple[Any, ...]]:
    """Rows from the worksheet's flat walk of values, in sheet order. Sections and names:

    - forward: every forward quantity (alpha_H1, H1, ..., o, y) and ``loss``;
    - gradient: every parameter's gradient (dL/dw11, ...), then every chain-rule factor (dL/dy, dy/do, ...);
    - delta: every unit's δ = dL/d(pre-activation) (delta_H1, ..., delta_o);
    - parameter: every parameter after the update (the JSON's ``parameters_after``);
    - update: ``gradients.<p>`` (the gradient the update used: the batch mean in batch mode) and
      ``steps.<p>`` (learning rate × gradient), as the JSON's ``update`` object names them.

    The update and parameter rows appear where an update happened (every sample online, the
    epoch's last sample in batch mode), as the tables do.
    """
    from bpcalc.worksheet import View, values

    nums = Numbers(run.math)
    for v in values(run, view or View()):
        head = (v.epoch, v.sample)
        x = nums.full(v.value)
        if v.group == "forward":
            yield (*head, "forward", v.key, x)
        elif v.group == "loss":
            yield (*head, "forward", "loss", x)
        elif v.group == "gradients":
            yield (*head, "gradient", f"dL/d{v.key}", x)
        elif v.group == "factors":
            yield (*head, "gradient", v.key, x)
        elif v.group == "deltas":
            yield (*head, "delta", _delta_key(v.key), x)
        elif v.group == "parameters_after" and v.updated:
            yield (*head, "parameter", v.key, x)
        elif v.group.startswith("update."):
            yield (*head, "update", f"{v.group[len('update.'):]}.{v.key}", x)


def run_csv(run: Run, view: Any = None, options: Any = None) -> str:
    """The `run --format csv` printer."""
    return _write(run_rows(run, view))


def derive_rows(d: DeriveResult) -> Iterable[tuple[Any, ...]]:
    """Per sample: the value of every symbol in the gradient (section input, target, parameter,
    forward or delta), then the gradient itself (section gradient, named by the parameter)."""
    from bpcalc.derivesheet import build, values

    if d.run is None:
        return
    nums = Numbers(d.run.math)
    for epoch, sample, section, key, value in values(build(d)):
        yield (epoch, sample, section, key, nums.full(value))


def derive_csv(d: DeriveResult, precision: int = 3, options: Any = None) -> str:
    """The `derive --format csv` printer."""
    return _write(derive_rows(d))
