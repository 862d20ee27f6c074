"""Time `bpcalc check` on the seed sheet against a baseline measured in the same run (prints ratios; not a test).

The baseline is another copy of bpcalc (``--baseline DIR``, e.g. an older commit unpacked with
``git archive``) marking the same sheet in the same way; runs alternate between the two so that a
busy machine slows both alike. Without ``--baseline`` the ratio is against training q3 20 times.

    python benchmarks/check_speed.py [--baseline DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import sys, time
sys.path.insert(0, {root!r})
from bpcalc.problem import load_problem
from bpcalc.check import check, parse_answers
from bpcalc.evaluate import train
pr = load_problem({problem!r})
text = open({answers!r}).read()
def best(f, n):
    b = 1e9
    for _ in range(n):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b
check(pr, parse_answers(text, 'a', pr))
print(best(lambda: check(pr, parse_answers(text, 'a', pr)), 7), best(lambda: [train(pr) for _ in range(20)], 7))
"""


def measure(root: Path) -> tuple[float, float]:
    code = PROBE.format(root=str(root), problem=str(ROOT / "samples" / "q3.json"), answers=str(ROOT / "samples" / "q3-sheet-answers.json"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=None, help="another bpcalc source tree to compare with")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    ours: list[float] = []
    theirs: list[float] = []
    trains: list[float] = []
    for _ in range(a.rounds):
        c, t = measure(ROOT)
        ours.append(c)
        trains.append(t)
        if a.baseline is not None:
            theirs.append(measure(a.baseline)[0])
    print(f"check seed sheet (q3, 26 values): {1000 * min(ours):.1f} ms (best of {a.rounds} rounds × 7)")
    print(f"  ratio to training q3 ×20 (same run): {min(ours) / min(trains):.1f}")
    if theirs:
        print(f"  baseline {a.baseline}: {1000 * min(theirs):.1f} ms; ratio ours/baseline = {min(ours) / min(theirs):.2f}")


if __name__ == "__main__":
    main()
