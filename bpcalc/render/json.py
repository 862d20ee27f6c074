"""The stable JSON shape for graders: `run` and `derive` results at full precision."""

from __future__ import annotations

import json
import math
from typing import Any

from bpcalc.evaluate import Run
from bpcalc.render.numbers import full


def run_dict(run: Run) -> dict[str, Any]:
    m = run.math
    pr = run.problem
    net = pr.network

    def nums(d: dict[str, Any]) -> dict[str, Any]:
        return {k: finite(m.to_float(v)) for k, v in d.items()}

    samples = []
    for r in run.results:
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
        "frozen": [n for n in net.param_names if n in pr.frozen],
        "mode": m.name if m.name != "rounded" else f"rounded:{m.decimals}",
        "chains": {p.name: list(net.chain(p)) for p in net.params},
        "samples": samples,
        "parameters_final": nums(run.final),
    }
    return out


def finite(x: float) -> float | None:
    """JSON has no NaN or Infinity: those become null."""
    return x if math.isfinite(x) else None


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
