"""Benchmarks: each figure is a ratio against a baseline measured in the same run (machines are noisy)."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def cli(args: list[str]) -> Callable[[], None]:
    return lambda: subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True)


def row(name: str, ours: float, base: float, base_name: str) -> None:
    print(f"{name:<46} {ours * 1e3:10.2f} ms   {base_name:<34} {base * 1e3:10.2f} ms   ratio {ours / base:8.3f}")


def deep_problem(layers: list[int]) -> dict[str, Any]:
    from bpcalc.network import Network

    net = Network(tuple(layers), ("tanh",) * (len(layers) - 2) + ("sigmoid",), "bce")
    rng = random.Random(1)
    return {
        "network": {"layers": layers, "activations": list(net.activations), "loss": "bce"},
        "learning_rate": 0.1,
        "parameters": {n: round(rng.uniform(-0.5, 0.5), 3) for n in net.param_names},
        "samples": [{"f1": 0.5, "f2": -0.25, "t": 1}, {"f1": -1, "f2": 0.75, "t": 0}],
    }


def main() -> None:
    import sympy as sp

    from bpcalc.derive import build
    from bpcalc.evaluate import train
    from bpcalc.problem import build_problem, load_problem

    print("bpcalc benchmarks (best of 5; ratio = bpcalc / baseline, lower is better)\n")

    # 1. Start-up: --help must not pay for SymPy.
    row("bpcalc --help (subprocess)", best(cli(["-m", "bpcalc", "--help"])), best(cli(["-c", "pass"])), "python -c pass")
    row("bpcalc run q3 --format json (subprocess)", best(cli(["-m", "bpcalc", "run", "samples/q3.json", "--format", "json"])),
        best(cli(["-c", "import sympy"])), "python -c 'import sympy'")

    # 2. Per-sample evaluation: the layered evaluator vs subs/evalf of the expanded SymPy gradients.
    problem = load_problem(str(ROOT / "samples" / "q3.json"))
    net = problem.network
    d = build(net)
    exprs = {}
    for name in net.param_names:
        e = d.params[name].product
        while any(s.name.startswith("delta_") for s in e.free_symbols):
            e = e.subs({s: d.deltas[s.name] for s in e.free_symbols if s.name.startswith("delta_")})
        exprs[name] = e
    values = {sp.Symbol(k): float(v) for k, v in {**problem.parameters, **problem.samples[0].inputs, **problem.samples[0].targets}.items()}
    fwd = train(problem).results[0].pass_.forward
    values.update({sp.Symbol(k): v for k, v in fwd.items()})

    def naive() -> None:
        for e in exprs.values():
            e.subs(values).evalf()

    row("train q3 (2 samples, all gradients)", best(lambda: train(problem), number=20), best(naive, number=3),
        "subs+evalf, 1 sample's gradients")

    # 3. Derivation grows with the network, not exponentially with depth.
    small = deep_problem([2, 3, 1])
    deep = deep_problem([2, 8, 8, 8, 8, 1])
    nets = {k: build_problem(v, k).network for k, v in (("small", small), ("deep", deep))}

    def derive(which: str) -> Callable[[], None]:
        def go() -> None:
            build.cache_clear()
            d = build(nets[which])
            for name in nets[which].param_names:  # every parameter's chain (they are built on demand)
                d.params[name]
        return go

    t_small, t_deep = best(derive("small"), repeat=3), best(derive("deep"), repeat=3)
    row(f"derive 2-8-8-8-8-1 ({len(nets['deep'].params)} params)", t_deep, t_small, f"derive 2-3-1 ({len(nets['small'].params)} params)")
    per_small, per_deep = t_small / len(nets["small"].params), t_deep / len(nets["deep"].params)
    row("  per parameter", per_deep, per_small, "  per parameter")
    deep_p = build_problem(deep, "deep")
    row("train 2-8-8-8-8-1 (2 samples)", best(lambda: train(deep_p), number=5), best(lambda: train(problem), number=20), "train q3 (2 samples)")

    # 4. derive builds only the chain asked for, and its cost grows little with depth: one weight of a 2-16×10-1 net
    #    (154 δ definitions, 2,373 values a sample) against the same on q3 (process CPU time; issue 9 asks ≤ 1.5).
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wide = Path(tmp) / "deep.json"
        wide.write_text(json.dumps(deep_problem([2] + [16] * 10 + [1])))
        for fmt, label in (("plain", "derive -p w11 on 2-16x10-1 (CPU, subprocess)"), ("json", "  --format json")):
            command = ["-m", "bpcalc", "derive", "--param", "w11", "--format", fmt, "--problem"]
            ours, base = best_cpu_pair(command + [str(wide)], command + ["samples/q3.json"])
            row(label, ours, base, "derive -p w11 on q3 (CPU)" if fmt == "plain" else "  --format json")
    print(f"\n(SymPy {sp.__version__}, Python {sys.version.split()[0]})")


def cpu(args: list[str]) -> float:
    """The CPU time (user + system) one bpcalc subprocess takes."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def best_cpu_pair(ours: list[str], base: list[str], repeat: int = 5) -> tuple[float, float]:
    """The least CPU time of each of two commands, run in turn so that a busy spell of the machine weighs on both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(cpu(ours))
        times[1].append(cpu(base))
    return min(times[0]), min(times[1])


if __name__ == "__main__":
    main()
