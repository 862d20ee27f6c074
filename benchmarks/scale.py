"""Benchmark issue 9's targets for `check` and streamed `run --format json` at scale (prints ratios; not a test).

Every problem and sheet is made here from a fixed seed: a 10-80-2 net checked against its own run's JSON
(on standard input, as `run … | check P -`; the report as JSON and as plain text), a 300-300-10 net likewise
(the values a student writes; time and peak memory), batch 2-3-1
sheets of 200 and 1,000 samples right and with one wrong final parameter, and 10-80-2 run as JSON for 100
and 1,000 samples (peak memory; cost per sample). Each figure is a command a user runs, measured as that
process's CPU time and peak resident memory (best of ``--rounds``), ratios in one run.

    python benchmarks/scale.py [--rounds N] [--skip-big]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def problem(layers: list[int], samples: int = 1, update: str = "online", seed: int = 7) -> dict[str, Any]:
    """A problem with tanh hidden layers, sigmoid outputs and BCE; inputs, targets and parameters drawn from ``seed``."""
    from bpcalc.network import Network

    net = Network(tuple(layers), ("tanh",) * (len(layers) - 2) + ("sigmoid",), "bce")
    rng = random.Random(seed)
    rows = []
    for _ in range(samples):
        inputs = {u.name: round(rng.uniform(-1, 1), 2) for u in net.inputs}
        rows.append({**inputs, **{t: rng.choice([0, 1]) for t in net.target_names}})
    return {
        "network": {"layers": layers, "activations": list(net.activations), "loss": "bce"},
        "learning_rate": 0.1,
        "update": update,
        "parameters": {n: round(rng.uniform(-0.5, 0.5), 3) for n in net.param_names},
        "samples": rows,
    }


class Refused(Exception):
    """bpcalc refused the command (exit status 2): its one-line reason."""


def measure(args: list[str], stdin: Path | None = None, out: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, peak MiB) of one bpcalc process; :class:`Refused` when it exits 2."""
    with open(stdin or os.devnull, "rb") as fin, open(out or os.devnull, "wb") as fout:
        p = subprocess.Popen([sys.executable, "-m", "bpcalc", *args], cwd=ROOT, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        assert p.stderr is not None
        err = p.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 2:
        raise Refused(err.strip().splitlines()[-1] if err.strip() else "exit status 2")
    if code not in (0, 1):
        raise SystemExit(f"bpcalc {' '.join(args)} exited {code}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best(args: list[str], rounds: int, stdin: Path | None = None) -> tuple[float, float]:
    runs = [measure(args, stdin) for _ in range(rounds)]
    return min(t for t, _ in runs), max(m for _, m in runs)


def write(tmp: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp / name
    path.write_text(json.dumps(data))
    return path


def sheet(tmp: Path, prob: Path, name: str) -> Path:
    """The run's own JSON of ``prob``: a sheet right in every value."""
    out = tmp / name
    measure(["run", str(prob), "--format", "json"], out=out)
    return out


def written(tmp: Path, full: Path, name: str) -> Path:
    """What a student writes of ``full`` (forward values, loss, gradients, parameters after): the whole run's JSON of a
    300-300-10 net is over the 16 MB an answers file may be."""
    data = json.loads(full.read_text())
    data.pop("chains")
    for entry in data["samples"]:
        for key in ("parameters_before", "update", "factors", "deltas"):
            entry.pop(key, None)
    out = tmp / name
    out.write_text(json.dumps(data, indent=2))
    return out


def wrong_final(tmp: Path, right: Path, name: str) -> Path:
    """``right`` with one final parameter (w11, after the last sample and at the end) written wrong."""
    data = json.loads(right.read_text())
    data["parameters_final"]["w11"] += 0.5
    data["samples"][-1]["parameters_after"]["w11"] += 0.5
    out = tmp / name
    out.write_text(json.dumps(data, indent=2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-big", action="store_true", help="leave out the 300-300-10 sheet and the 1,000-sample runs")
    a = ap.parse_args()
    r = a.rounds
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)

        net = write(tmp, "10-80-2.json", problem([10, 80, 2]))
        answers = sheet(tmp, net, "10-80-2.answers.json")
        run_t, _ = best(["run", str(net), "--format", "json"], r)
        for fmt in ("json", "plain"):
            check_t, check_m = best(["check", str(net), "-", "--format", fmt], r, stdin=answers)
            print(
                f"check 10-80-2 correct sheet (stdin, --format {fmt:5}) {check_t:6.2f} s CPU  {check_m:6.0f} MiB   "
                f"run --format json {run_t:6.2f} s   ratio {check_t / run_t:5.2f} (target <= 3)"
            )

        for count in (200, 1000) if not a.skip_big else (200,):
            batch = write(tmp, f"batch{count}.json", problem([2, 3, 1], count, "batch"))
            right = sheet(tmp, batch, f"batch{count}.right.json")
            bad = wrong_final(tmp, right, f"batch{count}.wrong.json")
            right_t, right_m = best(["check", str(batch), str(right), "--format", "json"], r)
            bad_t, bad_m = best(["check", str(batch), str(bad), "--format", "json"], 1 if count > 200 else r)
            target = "(target <= 5)" if count == 200 else "(target: seconds)"
            print(
                f"check batch 2-3-1 × {count:4} one wrong final {bad_t:7.2f} s CPU  {bad_m:6.0f} MiB   right {right_t:6.2f} s   ratio {bad_t / right_t:5.2f} {target}"
            )

        if not a.skip_big:
            for count in (100, 1000):
                many = write(tmp, f"10-80-2x{count}.json", problem([10, 80, 2], count))
                try:
                    t, m = best(["run", str(many), "--format", "json"], 1)
                except Refused as e:  # the step engine's work bounds (issue 14) may refuse so many steps
                    print(f"run --format json 10-80-2 × {count:4}       refused (work bounds): {e}")
                    break
                if count == 100:
                    per100 = t / count
                    print(f"run --format json 10-80-2 × {count:4}       {t:7.2f} s CPU  {m:6.0f} MiB")
                else:
                    print(
                        f"run --format json 10-80-2 × {count:4}       {t:7.2f} s CPU  {m:6.0f} MiB (target <= 300)   "
                        f"cost per sample vs × 100: {t / count / per100:5.2f} (linear: 1)"
                    )
            big = write(tmp, "300-300-10.json", problem([300, 300, 10]))
            answers = written(tmp, sheet(tmp, big, "300-300-10.run.json"), "300-300-10.answers.json")
            t, m = best(["check", str(big), "-", "--format", "json"], 1, stdin=answers)
            rt, _ = best(["run", str(big), "--format", "json"], 1)
            print(f"check 300-300-10 correct sheet (json) {t:7.2f} s CPU  {m:6.0f} MiB (target <= 1024)   run --format json {rt:6.2f} s   ratio {t / rt:5.2f}")


if __name__ == "__main__":
    main()
