"""The stable JSON shape for graders: `run` and `derive` results at full precision."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bpcalc.evaluate import Run
from bpcalc.render.numbers import full

# json.dumps escapes C0 controls itself; these it leaves raw with ensure_ascii=False
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]")

SECTIONS = ("forward", "gradients", "updates", "parameters")


def run_dict(run: Run, show: tuple[str, ...] = SECTIONS, sample: int | None = None, epoch: int | None = None) -> dict[str, Any]:
    """The JSON object of a run, from the worksheet's flat walk of values; ``show``, ``sample`` and ``epoch`` leave out sections, samples and epochs."""
    from bpcalc.worksheet import View, values

    m = run.math
    pr = run.problem
    net = pr.network
    view = View(show=show, sample=sample, epoch=epoch)
    entries: dict[tuple[int, int], dict[str, Any]] = {}
    results = {(r.epoch, r.sample): r for r in run.results}
    for r in run.results:
        if (sample is None or r.sample == sample) and (epoch is None or r.epoch == epoch):
            entries[(r.epoch, r.sample)] = {
                "epoch": r.epoch,
                "sample": r.sample,
                "inputs": {k: full(v) for k, v in r.inputs.items()},
                "targets": {k: full(v) for k, v in r.targets.items()},
            }
    for v in values(run, view):
        entry = entries[(v.epoch, v.sample)]
        x = finite(m.to_float(v.value))
        if v.group == "loss":
            entry["loss"] = x
        elif v.group.startswith("update."):
            entry.setdefault("update", {}).setdefault(v.group[len("update."):], {})[v.key] = x
        else:
            entry.setdefault(v.group, {})[v.key] = x
    samples = []
    for key, entry in entries.items():
        r = results[key]
        entry["updated"] = r.update is not None
        if "update" in entry:  # after the per-sample groups, as before
            entry["update"] = entry.pop("update")
        if m.name == "exact":
            entry["exact"] = exact_entry(r, m, show)
        samples.append(entry)
    out: dict[str, Any] = {
        "title": pr.title,
        "network": {
            "layers": list(net.layers),
            "activations": list(net.activations),
            "loss": net.loss_name,
            "bias": net.bias,
        },
        "learning_rate": full(pr.learning_rate),
        "update": pr.update,
        "epochs": pr.epochs,
        "optimizer": pr.optimizer.as_dict(),
        "weight_decay": full(pr.weight_decay),
        "batch_size": pr.batch_size_of(),
        "reduction": pr.reduction,
        "frozen": [n for n in net.param_names if n in pr.frozen],
        "mode": m.name if m.name != "rounded" else f"rounded:{m.decimals}",
        **({"round_steps": m.decimals} if m.name == "rounded" else {}),
        **({"digits": m.digits} if m.name == "exact" else {}),
        "chains": {p.name: list(net.chain(p)) for p in net.params},
        "samples": samples,
    }
    if "parameters" in show:
        out["parameters_final"] = {k: finite(m.to_float(v)) for k, v in run.final.items()}
    out["epoch_totals"] = [
        {
            "epoch": e.epoch,
            "loss_sum": finite(m.to_float(e.loss_sum)),
            "loss_mean": finite(m.to_float(e.loss_mean)),
            "gradient_mean": {k: finite(m.to_float(v)) for k, v in e.gradient_mean.items()},
        }
        for e in run.epochs
        if epoch is None or e.epoch == epoch
    ]
    return out


def run_json(run: Run, view: Any, options: Any = None) -> str:
    """The `run --format json` printer."""
    return dumps(run_dict(run, view.show, view.sample, view.epoch))


def exact_entry(r: Any, m: Any, show: tuple[str, ...] = SECTIONS) -> dict[str, Any]:
    """Exact mode: every value as a decimal string to the chosen digits, and the closed forms (SymPy syntax) kept."""
    from bpcalc.render.sheet import plain_str
    from bpcalc.render.values import Numbers

    n = Numbers(m)
    groups: dict[str, Any] = {}
    if "forward" in show:
        groups.update(forward=r.pass_.forward, loss={"loss": r.pass_.loss})
    if "gradients" in show:
        groups["gradients"] = r.pass_.gradients
    if "parameters" in show:
        groups["parameters_after"] = r.after
    decimals: dict[str, Any] = {}
    closed: dict[str, Any] = {}
    for key, values in groups.items():
        dec = {k: n.full(v) for k, v in values.items()}
        forms = {k: plain_str(q) for k, v in values.items() if (q := m.closed_form(v)) is not None and not q.is_Rational}
        decimals[key] = dec["loss"] if key == "loss" else dec
        if key == "loss":
            if forms:
                closed[key] = forms["loss"]
        elif forms:
            closed[key] = forms
    return {"decimals": decimals, "closed_forms": closed}


def finite(x: float) -> float | None:
    """JSON has no NaN or Infinity: those become null; and no negative zero."""
    return x + 0.0 if math.isfinite(x) else None


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON; characters that act on a terminal (C1 controls, bidi overrides, line separators) written as
    \\u escapes, so a title from a file cannot reorder or hide what a terminal shows (the value is the same)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
