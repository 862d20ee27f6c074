"""Benchmark: marking a class of 30 sheets in one `bpcalc check` process against 30 separate `check` runs
(the ratio is per file, both measured in the same run), and making 30 variants of q3.

    python benchmarks/classroom.py [--repeat N]

The 30 sheets are one variant of q3 worked from `bpcalc run --format json`, written to 3 decimals, 20
clean and 10 with a mistake injected (a learning rate left out, a slip, a gradient written 0 and
carried): what a TA marks, not a test of the marking (the tests do that).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import best  # noqa: E402  (benchmarks/bench.py: the least wall time of a few calls)


def bpcalc(*args: str) -> Callable[[], None]:
    return lambda: subprocess.run([sys.executable, "-m", "bpcalc", *args], cwd=ROOT, capture_output=True)


def make_class(d: Path) -> Path:
    """A variant of q3 and 30 answers files for it (see the module)."""
    subprocess.run([sys.executable, "-m", "bpcalc", "variants", "samples/q3.json", "--count", "1", "--seed", "2", "--out", str(d)],
                   cwd=ROOT, capture_output=True, check=True)
    problem = d / "v01.json"
    run = json.loads(subprocess.run([sys.executable, "-m", "bpcalc", "run", str(problem), "--format", "json"],
                                    cwd=ROOT, capture_output=True, check=True, text=True).stdout)
    students = d / "answers"
    students.mkdir()
    for k in range(30):
        samples = []
        for s in run["samples"]:
            samples.append({
                "sample": s["sample"],
                "forward": {n: f"{v:.3f}" for n, v in s["forward"].items()},
                "loss": f"{s['loss']:.3f}",
                "gradients": {n: f"{v:.3f}" for n, v in s["gradients"].items()},
                "parameters_after": {n: f"{v:.3f}" for n, v in s["parameters_after"].items()},
            })
        last = run["samples"][-1]
        if k % 3 == 1:  # the learning rate left out in the last update of β4
            samples[-1]["parameters_after"]["b4"] = f"{last['parameters_before']['b4'] - last['gradients']['b4']:.3f}"
        elif k % 6 == 2:  # a slip
            samples[-1]["parameters_after"]["w31"] = f"{last['parameters_after']['w31'] + 0.25:.3f}"
        elif k % 6 == 5:  # a gradient written 0, and the update carried from it
            samples[-1]["gradients"]["w41"] = "0.000"
            samples[-1]["parameters_after"]["w41"] = samples[0]["parameters_after"]["w41"]
        (students / f"student{k + 1:02d}.json").write_text(json.dumps({"samples": samples}))
    return problem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        problem = make_class(d)
        files = sorted(str(p) for p in (d / "answers").iterdir())
        one = best(bpcalc("check", str(problem), str(d / "answers"), "--gradebook", str(d / "grades.csv")), args.repeat)

        def separate() -> None:
            for f in files:
                bpcalc("check", str(problem), f)()

        many = best(separate, max(1, args.repeat - 1))
        n = len(files)
        print("bpcalc classroom benchmarks (best of runs; ratio = ours / baseline, lower is better)\n")
        print(f"{'check 30 files, one process, per file':<46} {one / n * 1e3:9.1f} ms   "
              f"{'30 separate check runs, per file':<34} {many / n * 1e3:9.1f} ms   ratio {one / many:6.3f}")
        variants = best(bpcalc("variants", "samples/q3.json", "--count", "30", "--seed", "7", "--out", str(d / "v30")), 1)
        start = best(bpcalc("--help"), args.repeat)
        print(f"{'variants q3 --count 30 (with answer keys)':<46} {variants * 1e3:9.1f} ms   "
              f"{'bpcalc --help (start-up)':<34} {start * 1e3:9.1f} ms   ratio {variants / start:6.3f}")


if __name__ == "__main__":
    main()
