"""Benchmark: a 10-80-2 network's whole run as plain text against the same run as JSON.

Issue 9's target: `run --format plain` of a 10-80-2 net costs at most 4× its `--format json`, measured
as the commands a user runs (subprocesses, best of 5). The second line times printing alone, from the
trained run to the finished text in one process (training shared and not timed): the printers' own ratio.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import best  # noqa: E402  (benchmarks/bench.py: the least wall time of a few calls)


def problem(layers: list[int]) -> dict[str, Any]:
    from bpcalc.network import Network

    net = Network(tuple(layers), ("tanh",) * (len(layers) - 2) + ("sigmoid",), "bce")
    rng = random.Random(7)
    inputs = {u.name: round(rng.uniform(-1, 1), 2) for u in net.inputs}
    targets = {t: rng.choice([0, 1]) for t in net.target_names}
    return {
        "network": {"layers": layers, "activations": list(net.activations), "loss": "bce"},
        "learning_rate": 0.1,
        "parameters": {n: round(rng.uniform(-0.5, 0.5), 3) for n in net.param_names},
        "samples": [{**inputs, **targets}],
    }


def main() -> None:
    from rich.console import Console

    from bpcalc.evaluate import train
    from bpcalc.problem import build_problem
    from bpcalc.render.json import run_json
    from bpcalc.render.text import run_plain
    from bpcalc.worksheet import View

    run = train(build_problem(problem([10, 80, 2]), "10-80-2"))

    def plain() -> None:
        Console(file=io.StringIO(), width=120, color_system=None, force_terminal=False).print(run_plain(run, View()))

    def as_json() -> None:
        run_json(run, View())

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        path.write_text(json.dumps(problem([10, 80, 2])))

        def command(fmt: str) -> Callable[[], Any]:
            args = [sys.executable, "-m", "bpcalc", "run", str(path), "--format", fmt]
            return lambda: subprocess.run(args, cwd=ROOT, capture_output=True, check=True, env={"COLUMNS": "120", "PATH": ""})

        p, j = best(command("plain")), best(command("json"))
        print(f"10-80-2 `run --format plain` {p * 1e3:9.1f} ms   `--format json` {j * 1e3:9.1f} ms   ratio {p / j:6.2f} (target <= 4)")
    p, j = best(plain), best(as_json)
    print(f"10-80-2 printing only:  plain {p * 1e3:9.1f} ms            json {j * 1e3:9.1f} ms   ratio {p / j:6.2f}")


if __name__ == "__main__":
    main()
