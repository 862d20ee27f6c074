"""Render docs/training_curves.png, the README's picture of the three training samples, from `bpcalc train --format json`.

Run from the repository root after any change to the trainer or the samples: python scripts/training_curves.py
(needs the plot extra: pip install -e '.[plot]').
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpcalc.train.plot import draw, pyplot, save  # noqa: E402

T = "samples/training"
CASES = [
    ("circles_underfit.json", ["--data", f"{T}/circles.csv"]),
    ("circles_good_fit.json", ["--data", f"{T}/circles.csv"]),
    ("moons_overfit.json", ["--data", f"{T}/moons_30.csv", "--validation-data", f"{T}/moons_validation.csv"]),
]


def main() -> None:
    plt = pyplot()
    plt.rcParams["svg.hashsalt"] = "bpcalc"
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, (name, args) in zip(axes, CASES):
        command = [sys.executable, "-m", "bpcalc", "train", f"{T}/{name}", *args, "--format", "json"]
        out = json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        epochs = out["epochs_trained"]
        layers = "-".join(map(str, out["network"]["layers"]))
        title = f"{name.removesuffix('.json')} ({layers}): {out['verdict']['verdict']}"
        draw(ax, [e["training_loss"] for e in epochs], [e["validation_loss"] for e in epochs], out["verdict"]["best_epoch"], title, out["baseline"]["training"])
    fig.tight_layout()
    save(fig, str(ROOT / "docs" / "training_curves.png"))


if __name__ == "__main__":
    main()
