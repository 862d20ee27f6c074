"""The stable JSON shape for graders: `run` and `derive` results at full precision."""

from __future__ import annotations

import json
import math
from typing import Any

from bpcalc.evaluate import Run
from bpcalc.render.numbers import full

SECTIONS = ("forward", "gradients", "updates", "parameters")
# the keys of a sample entry that each --show section gives
SECTION_KEYS = {
    "forward": ("forward", "loss"),
    "gradients": ("gradients", "factors", "deltas"),
    "updates": ("update",),
    "parameters": ("parameters_before", "parameters_after"),
}


def run_dict(run: Run, show: tuple[str, ...] = SECTIONS, sample: int | None = None) -> dict[str, Any]:
    """The JSON object of a run; ``show`` and ``sample`` leave out sections and samples (all by default)."""
    m = run.math
    pr = run.problem
    net = pr.network

    def nums(d: dict[str, Any]) -> dict[str, Any]:
        return {k: finite(m.to_float(v)) for k, v in d.items()}

    hidden = {k for sec, keys in SECTION_KEYS.items() if sec not in show for k in keys}
    samples = []
    for r in run.results:
        if sample is not None and r.sample != sample:
            continue
        entry: dict[str, Any] = {
            "epoch": r.epoch,
            "sample": r.sample,
            "inputs": {k: full(v) for k, v in r.inputs.items()},
            "targets": {k: full(v) for k, v in r.targets.items()},
            "forward": nums(r.pass_.forward),
            "loss": finite(m.to_float(r.pass_.loss)),
            "gradients": nums(r.pass_.gradients),
            "factors": nums(r.pass_.factors),
            "deltas": nums(r.pass_.deltas),
            "parameters_before": nums(r.before),
            "parameters_after": nums(r.after),
            "updated": r.update is not None,
        }
        if r.update is not None:
            entry["update"] = {"gradients": nums(r.update.gradients), "steps": nums(r.update.steps)}
        if m.name == "exact":
            entry["exact"] = exact_entry(r, m, show)
        samples.append({k: v for k, v in entry.items() if k not in hidden})
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
        "frozen": [n for n in net.param_names if n in pr.frozen],
        "mode": m.name if m.name != "rounded" else f"rounded:{m.decimals}",
        **({"round_steps": m.decimals} if m.name == "rounded" else {}),
        **({"digits": m.digits} if m.name == "exact" else {}),
        "chains": {p.name: list(net.chain(p)) for p in net.params},
        "samples": samples,
        "parameters_final": nums(run.final),
    }
    if "parameters" not in show:
        del out["parameters_final"]
    return out


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
    """JSON has no NaN or Infinity: those become null."""
    return x if math.isfinite(x) else None


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
