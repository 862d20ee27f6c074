"""A class of answers files for q3's variants (tests and benchmarks): their answer keys, some with a value changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


def write_class(d: Path, files: int, name: Callable[[int], str] = lambda k: f"student{k}") -> tuple[Path, list[str]]:
    """``files`` answers files in ``d``, the k-th (from 1) named ``name(k)`` plus its variant id: the key of its variant
    of q3, a third with β4's last update off by 0.25, a quarter with ∂L/∂w31's last gradient written 0. The manifest
    and the files."""
    from bpcalc.cli import main

    count = min(files, 99)
    done = CliRunner().invoke(main, ["variants", str(ROOT / "samples" / "q3.json"), "--count", str(count), "--seed", "7", "--out", str(d / "v")])
    assert done.exit_code == 0, done.output
    paths = []
    for k in range(1, files + 1):
        v = (k - 1) % count + 1
        key = json.loads((d / "v" / f"v{v:02d}-key.json").read_text())
        last = key["samples"][-1]
        if k % 3 == 1:
            last["parameters_after"]["b4"] += 0.25
        if k % 4 == 2:
            last["gradients"]["w31"] = 0.0
        path = d / f"{name(k)}_v{v:02d}.json"
        path.write_text(json.dumps({"samples": key["samples"]}))
        paths.append(str(path))
    return d / "v" / "manifest.csv", paths
