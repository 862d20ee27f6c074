"""Benchmarks for `train` and `tune` (issue 13), as ratios against baselines measured in the same run.

1. The vectorised trainer on a 2-16-1 net (tanh, σ, bce), 1,000 samples (750 training, 250 validation),
   500 epochs of batch updates, against a plain hand-written numpy loop of the same arithmetic (forward,
   loss, backward, update, and the validation loss every epoch). Target: ratio ≤ 1.5.
2. `bpcalc tune` of 27 combinations (learning_rate × hidden × weight_decay) of such nets, as a user runs
   it (a subprocess); target: under a minute on a 2-core machine.

Run: python benchmarks/train_bench.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench import best, row  # noqa: E402
from bpcalc.network import Network  # noqa: E402
from bpcalc.problem import build_problem  # noqa: E402
from bpcalc.train.csvdata import Dataset  # noqa: E402
from bpcalc.train.datasets import DataSpec, generate, to_csv  # noqa: E402
from bpcalc.train.job import make_job, random_parameters, run_job, split  # noqa: E402

EPOCHS = 500


def problem(hidden: int = 16) -> dict:
    net = Network((2, hidden, 1), ("tanh", "sigmoid"), "bce")
    return {
        "network": {"layers": [2, hidden, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "learning_rate": 0.5,
        "epochs": EPOCHS,
        "update": "batch",
        "parameters": {k: round(v, 6) for k, v in random_parameters(net, 0).items()},
        "samples": [{"f1": 0, "f2": 0, "t": 0}],
    }


def hand_loop(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray, x: np.ndarray, t: np.ndarray, vx: np.ndarray, vt: np.ndarray, lr: float) -> tuple[list[float], list[float]]:
    """What anyone would write: tanh hidden, σ output, bce, mean gradient, losses of both sets every epoch."""
    n = len(x)
    train_losses, val_losses = [], []
    for _ in range(EPOCHS):
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        y = 1 / (1 + np.exp(-z))
        train_losses.append(float(np.mean(np.logaddexp(0, -z) * t + np.logaddexp(0, z) * (1 - t))))
        vz = np.tanh(vx @ w1 + b1) @ w2 + b2
        val_losses.append(float(np.mean(np.logaddexp(0, -vz) * vt + np.logaddexp(0, vz) * (1 - vt))))
        d2 = y - t
        d1 = (d2 @ w2.T) * (1 - h * h)
        w2 = w2 - lr * (h.T @ d2) / n
        b2 = b2 - lr * d2.sum(axis=0) / n
        w1 = w1 - lr * (x.T @ d1) / n
        b1 = b1 - lr * d1.sum(axis=0) / n
    return train_losses, val_losses


def interleaved(ours: Any, base: Any, rounds: int = 7) -> tuple[float, float]:
    """Best time of each, the two measured in turn so that a busy machine slows both alike."""
    a, b = [], []
    for _ in range(rounds):
        a.append(best(ours, repeat=1))
        b.append(best(base, repeat=1))
    return min(a), min(b)


def main() -> None:
    print("train/tune benchmarks (best of 7, measured in turn; ratio = bpcalc / baseline, lower is better)\n")
    table = generate(DataSpec("moons", 1000, 0.2, 0))
    data = Dataset("moons", tuple(r[:2] for r in table.rows), tuple(r[2:] for r in table.rows))
    training, validation = split(data, 0.25, 0)
    pr = build_problem(problem(), "2-16-1")
    job = make_job(pr, training, validation)

    x = np.array(training.inputs)
    t = np.array(training.targets)
    vx, vt = np.array(validation.inputs), np.array(validation.targets)
    p = job.parameters
    w1 = np.array([[p[f"w{i}{j}" if j < 10 else f"w{i}_{j}"] for j in range(1, 17)] for i in (1, 2)])
    b1 = np.array([p[f"b{j}"] for j in range(1, 17)])
    w2 = np.array([[p[f"w{i}1" if i < 10 else f"w{i}_1"]] for i in range(3, 19)])
    b2 = np.array([p["b17"]])
    ours, base = interleaved(lambda: run_job(job), lambda: hand_loop(w1, b1, w2, b2, x, t, vx, vt, 0.5))
    row("vectorised trainer, 2-16-1, 1,000 samples, 500 ep", ours, base, "hand-written numpy loop")
    # the same arithmetic: the same curves
    got = run_job(job).history.training.loss
    want, _ = hand_loop(w1, b1, w2, b2, x, t, vx, vt, 0.5)
    print(f"{'':46} largest relative difference of the training curves: {max(abs(a - b) / b for a, b in zip(got, want)):.1e}")

    with tempfile.TemporaryDirectory() as tmp:
        csv, prob = Path(tmp) / "moons.csv", Path(tmp) / "p.json"
        csv.write_text(to_csv(table))
        import json

        prob.write_text(json.dumps(problem()))
        args = [sys.executable, "-m", "bpcalc", "tune", str(prob), "--data", str(csv), "--format", "json",
                "--grid", "learning_rate=0.01,0.1,1", "--grid", "hidden=8,16,32", "--grid", "weight_decay=0,0.001,0.01"]
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
        seconds = time.perf_counter() - t0
    print(f"\nbpcalc tune, 27 combinations of 2-h-1 nets, 1,000 samples, 500 epochs each: {seconds:.1f} s (target: under 60 s)")


if __name__ == "__main__":
    main()
