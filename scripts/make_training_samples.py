"""Write samples/training/: the data files (as `bpcalc data` makes them) and the three problems that underfit, fit and overfit.

Run from the repository root: python scripts/make_training_samples.py. The files it writes are committed;
tests/test_train_samples.py checks that the data files are still what `bpcalc data` makes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpcalc.network import Network  # noqa: E402
from bpcalc.train.datasets import DataSpec, generate, to_csv  # noqa: E402
from bpcalc.train.job import random_parameters  # noqa: E402

OUT = ROOT / "samples" / "training"

# file name → the `bpcalc data` arguments that make it
DATA = {
    "circles.csv": DataSpec("circles", n=200, noise=0.2, seed=6),
    "moons_30.csv": DataSpec("moons", n=30, noise=0.35, seed=2),
    "moons_validation.csv": DataSpec("moons", n=200, noise=0.35, seed=3),
}

PROBLEMS = {
    "circles_underfit.json": dict(
        title="Underfitting: one hidden unit cannot draw a circle (2-1-1 on circles.csv)",
        layers=[2, 1, 1], learning_rate=0.5, epochs=1000, data="circles.csv",
    ),
    "circles_good_fit.json": dict(
        title="A good fit: eight hidden units on the same circles (2-8-1 on circles.csv)",
        layers=[2, 8, 1], learning_rate=0.5, epochs=1000, data="circles.csv",
    ),
    "moons_overfit.json": dict(
        title="Overfitting: 64 hidden units, 30 noisy samples, 3000 epochs (2-64-1 on moons_30.csv)",
        layers=[2, 64, 1], learning_rate=0.5, epochs=3000, data="moons_30.csv",
    ),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first_rows = {}
    for name, spec in DATA.items():
        text = to_csv(generate(spec))
        (OUT / name).write_text(text, encoding="utf-8", newline="")
        header, first = text.splitlines()[:2]
        first_rows[name] = dict(zip(header.split(","), first.split(",")))
    for name, p in PROBLEMS.items():
        layers = p["layers"]
        acts = ["tanh"] * (len(layers) - 2) + ["sigmoid"]
        net = Network(tuple(layers), tuple(acts), "bce")
        params = {k: round(v, 3) for k, v in random_parameters(net, 0).items()}
        row = first_rows[p["data"]]
        problem = {
            "title": p["title"],
            "description": f"Train with: bpcalc train samples/training/{name} --data samples/training/{p['data']}."
            " The one sample is the data file's first row, so `bpcalc run` works its first step by hand.",
            "network": {"layers": layers, "activations": acts, "loss": "bce"},
            "learning_rate": p["learning_rate"],
            "epochs": p["epochs"],
            "update": "batch",
            "parameters": params,
            "samples": [{k: json.loads(v) for k, v in row.items()}],
        }
        (OUT / name).write_text(json.dumps(problem, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
