"""CSV for spreadsheets: one value per row (epoch, sample, section, name, value), full precision, the JSON's names."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Iterable

from bpcalc.evaluate import Run
from bpcalc.render.answer import SECTIONS
from bpcalc.render.values import Numbers

if TYPE_CHECKING:
    from bpcalc.derive import DeriveResult

HEADER = ("epoch", "sample", "section", "name", "value")


def _write(rows: Iterable[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


def run_rows(run: Run, show: tuple[str, ...] = SECTIONS, sample: int | None = None) -> Iterable[tuple[Any, ...]]:
    """Rows in table order. Sections and names:

    - forward: every forward quantity (alpha_H1, H1, ..., o, y) and ``loss``;
    - gradient: every chain-rule factor (dL/dy, dy/do, ...) and every parameter's gradient (w11, ...);
    - update: ``gradients.<p>`` (the gradient the update used: the batch mean in batch mode) and
      ``steps.<p>`` (learning rate × gradient), as the JSON's ``update`` object names them;
    - parameter: every parameter after the update (the JSON's ``parameters_after``).

    The update and parameter rows appear where an update happened (every sample online, the
    epoch's last sample in batch mode), as the tables do.
    """
    nums = Numbers(run.math)
    for r in run.results:
        if sample is not None and r.sample != sample:
            continue
        head = (r.epoch, r.sample)
        if "forward" in show:
            for k, v in r.pass_.forward.items():
                yield (*head, "forward", k, nums.full(v))
            yield (*head, "forward", "loss", nums.full(r.pass_.loss))
        if "gradients" in show:
            for k, v in r.pass_.factors.items():
                yield (*head, "gradient", k, nums.full(v))
            for k, v in r.pass_.gradients.items():
                yield (*head, "gradient", k, nums.full(v))
        if r.update is None:
            continue
        if "updates" in show:
            for k in r.update.before:
                yield (*head, "update", f"gradients.{k}", nums.full(r.update.gradients[k]))
                yield (*head, "update", f"steps.{k}", nums.full(r.update.steps[k]))
        if "parameters" in show:
            for k, v in r.after.items():
                yield (*head, "parameter", k, nums.full(v))


def run_csv(run: Run, show: tuple[str, ...] = SECTIONS, sample: int | None = None) -> str:
    return _write(run_rows(run, show, sample))


def derive_rows(d: DeriveResult, sample: int | None = None) -> Iterable[tuple[Any, ...]]:
    """Per sample: the value of every symbol in the gradient (section input, target, parameter,
    forward or delta), then the gradient itself (section gradient, named by the parameter)."""
    if d.run is None:
        return
    nums = Numbers(d.run.math)
    net = d.network
    params = set(net.param_names)
    inputs = set(net.input_names)
    targets = set(net.target_names)
    for s in d.raw:
        if sample is not None and s["sample"] != sample:
            continue
        head = (s["epoch"], s["sample"])
        for k, v in s["values"].items():
            if k in inputs:
                section = "input"
            elif k in targets:
                section = "target"
            elif k in params:
                section = "parameter"
            elif k.startswith("delta_"):
                section = "delta"
            else:
                section = "forward"
            yield (*head, section, k, nums.full(v))
        yield (*head, "gradient", d.param.param, nums.full(s["gradient"]))


def derive_csv(d: DeriveResult, sample: int | None = None) -> str:
    return _write(derive_rows(d, sample))
