"""Measure `bpcalc check` on answer sheets with injected mistakes it has never seen (prints rates; not a test).

Sheets come from ``tests/student`` (an independent mpmath student, no bpcalc): every problem in
``samples/`` (not the answer files), ``tests/data/check`` and ``benchmarks/problems``, biases and
thresholds on a fixed input −1 alike; every classic mistake (a threshold's sign flipped where there
are thresholds) and plain slips, each made at a random place of a random sample, plus clean sheets and
sheets with two mistakes in two samples ("pair"); four
students (full precision, full precision carrying the written parameters, rounding every step
the sheet's way, rounding every step with a δ per unit, rounding only the results written down), 2/3/4 decimals, three subsets of
quantities, and the three answer formats (each sheet is parsed in all three, which must agree,
and marked from one of them in turn). Deterministic: a fixed seed per problem.

    python benchmarks/check_injection.py [--per N] [--jobs J] [--only NAME] [--show K]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("bpcalc") is None:  # else the bpcalc installed, or on PYTHONPATH (to measure another version)
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from student.mistakes import ALL, THRESHOLD, Injection, Injections, as_tuple  # noqa: E402
from student.net import Net, load  # noqa: E402
from student.sheets import FORMATS  # noqa: E402
from student.grade import FAILURES, Verdict, grade  # noqa: E402
from student.truth import SUBSETS, Sheet, make_sheet, swappable  # noqa: E402
from student.work import STYLES, Unworkable, entry_order, units_with  # noqa: E402

KINDS = ALL + THRESHOLD + ("none", "pair")
MAX_ROWS = 24  # samples × epochs worked at most (a 200-epoch problem is cut to its first epochs)


def problems(only: str | None = None) -> list[Path]:
    paths = [p for p in sorted((ROOT / "samples").glob("*.json")) if "answers" not in p.name]
    paths += sorted((ROOT / "tests" / "data" / "check").glob("*.json")) + sorted((ROOT / "benchmarks" / "problems").glob("*.json"))
    return [p for p in paths if only is None or only in p.name]


def trimmed(spec: dict[str, Any]) -> dict[str, Any]:
    spec = dict(spec)
    epochs = int(spec.get("epochs", 1))
    spec["epochs"] = max(1, min(epochs, MAX_ROWS // len(spec["samples"]), 2))
    return spec


# --- where a mistake is made --------------------------------------------------------------------


def placement(spec: dict[str, Any], kind: str, rng: random.Random, subset: str) -> Injections:
    """A random place to make ``kind`` (None where this problem cannot have it)."""
    net = Net(spec)
    epochs, count = int(spec.get("epochs", 1)), len(spec["samples"])
    online = spec.get("update", "online") == "online"
    frozen = set(spec.get("frozen", []))
    epoch, sample = rng.randint(1, epochs), rng.randint(1, count)
    movable = [q.name for q in net.params if q.name not in frozen]
    if kind in ("lr_missing", "lr_twice", "sign_flipped"):
        if not online:
            sample = count
        if not movable:
            return None
        return Injection(kind, epoch, sample, params=() if rng.random() < 0.25 else (rng.choice(movable),))
    if kind in ("tanh_one_minus", "tanh_as_dsigmoid", "dsigmoid_as_sigmoid"):
        units = units_with(net, "tanh" if kind.startswith("tanh") else "sigmoid")
        if not units:
            return None
        return Injection(kind, epoch, sample, units=() if rng.random() < 0.3 else (rng.choice(units).name,))
    if kind == "updated_weights":
        later = [q for q in net.params if not q.is_bias and q.source.layer >= 1 and q.name not in frozen]  # type: ignore[union-attr]
        return Injection(kind, epoch, sample) if online and later and net.last >= 2 else None
    if kind == "target_flipped":
        targets = [float(smp[u.target]) for smp in spec["samples"] for u in net.outputs]
        return Injection(kind, epoch, sample) if all(0 <= t <= 1 for t in targets) else None
    if kind == "inputs_swapped":
        names = [u.name for u in net.inputs]
        if len(names) < 2:
            return None
        a, b = rng.sample(names, 2)
        return Injection(kind, epoch, sample, pair=(a, b))
    if kind == "bias_times_input":
        biases = [q for q in net.params if q.is_bias]
        if not biases:
            return None
        q = rng.choice(biases)
        return Injection(kind, epoch, sample, params=(q.name,), index=rng.randrange(net.sizes[q.unit.layer - 1]))
    if kind == "dropped_factor":
        q = rng.choice(net.params)
        return Injection(kind, epoch, sample, params=(q.name,), index=rng.randrange(len(net.chain_names(q))))
    if kind == "pair":  # two mistakes, in two different samples
        slots = [(e, s) for e in range(1, epochs + 1) for s in range(1, count + 1)]
        if len(slots) < 2:
            return None
        first, second = sorted(rng.sample(slots, 2))
        made = []
        for (e, s), other in zip((first, second), rng.sample(list(ALL), 2)):
            inj = placement(spec, other, rng, subset)
            if inj is None or (not online and other in ("lr_missing", "lr_twice", "sign_flipped") and s != count):
                return None
            made.append(replace(inj, epoch=e, sample=s))
        return tuple(made)  # type: ignore[return-value]
    if kind == "threshold_sign_flipped":
        return Injection(kind, epoch, sample) if net.threshold else None
    if kind == "bias_not_updated":
        biases = [q for q in net.params if q.is_bias and q.name not in frozen]
        if not biases or (not online and sample != count):
            return None
        return Injection(kind, epoch, sample)
    if kind == "tanh_without_4":
        units = units_with(net, "tanh")
        return Injection(kind, epoch, sample, units=() if rng.random() < 0.3 else (rng.choice(units).name,)) if units else None
    if kind in ("dldy_sign_flipped", "sse_gradient_for_ce"):
        if net.acts[-1] == "softmax" or (kind == "sse_gradient_for_ce" and net.loss not in ("bce", "ce")):
            return None
        return Injection(kind, epoch, sample)
    if kind == "update_not_carried":
        if not online or (epoch, sample) == (1, 1):
            return None
        return Injection(kind, epoch, sample)
    if kind == "wrong_input":
        weights = [q for q in net.params if q.source is not None and net.sizes[q.source.layer] > 1]
        if not weights:
            return None
        q = rng.choice(weights)
        index = rng.choice([i for i in range(net.sizes[q.source.layer]) if i != q.source.pos - 1])  # type: ignore[union-attr]
        return Injection(kind, epoch, sample, params=(q.name,), index=index)
    if kind == "weights_swapped":
        pairs = swappable(net)
        return Injection(kind, epoch, sample, pair=rng.choice(pairs)) if pairs else None
    if kind == "rounded_early":
        choices = [(u.name, 1) for row in net.units[1:] for u in row if net.act(u) in ("sigmoid", "tanh")]
        choices += [(u.name, 0) for u in net.outputs if net.acts[-1] != "softmax"]
        if not choices:
            return None
        unit, index = rng.choice(choices)
        return Injection(kind, epoch, sample, units=(unit,), index=index)
    if kind in ("truncated", "slip", "digits_transposed"):
        keys = [k for k in entry_order(spec) if k[0] in SUBSETS[subset]]
        if kind == "truncated" and rng.random() < 0.3:
            chosen = tuple(k for k in keys if k[0] == "parameter_after")
        else:
            chosen = (rng.choice(keys),)
        return Injection(kind, epoch, sample, entries=chosen, slip=rng.choice(["last1", "last3", "digit", "swap", "sign", "shift"]))
    return None


# --- one sheet -----------------------------------------------------------------------------------


def rows_of(sheet: Sheet) -> list[tuple[int, int, tuple[str, str], str]]:
    return [(e, s, k, t) for (e, s, k), t in sheet.texts.items()]


def mark(problem_text: str, source: str, sheet: Sheet, fmt: str, variant: int) -> tuple[dict[Any, Verdict], str]:
    """bpcalc's verdicts for the sheet written in ``fmt`` (after checking the three formats parse alike)."""
    from bpcalc.check import check, parse_answers
    from bpcalc.errors import BpcalcError
    from bpcalc.problem import parse_problem

    problem = parse_problem(problem_text, source)
    rows = rows_of(sheet)
    epochs = int(sheet.spec.get("epochs", 1))
    parsed: dict[str, Any] = {}
    for name, write in FORMATS.items():
        try:
            answers = parse_answers(write(rows, epochs, variant), f"sheet.{name}", problem)
        except BpcalcError as e:
            return {}, f"{name}: {e}"
        parsed[name] = answers
    base = _entries(parsed["json"])
    for name, answers in parsed.items():
        if _entries(answers) != base:
            return {}, f"{name} parses differently from json"
    report = check(problem, parsed[fmt])
    got = {(i.epoch, i.sample, (i.key.kind, i.key.name)): Verdict(i.verdict, i.mistake, i.note, i.given.text) for i in report.items}
    return got, ""


def _entries(answers: Any) -> list[tuple[Any, ...]]:
    return [(e.epoch, e.sample, e.key.kind, e.key.name, e.given.value) for e in answers.entries]


def run_problem(args: tuple[str, int, tuple[str, ...], float | None]) -> list[dict[str, Any]]:
    """Every sheet of one problem: its configuration and the outcome of each value."""
    path_text, per, kinds, slip_range = args
    if slip_range is not None:
        import bpcalc.check.diagnose

        bpcalc.check.diagnose.SLIP_RANGE = slip_range
    path = Path(path_text)
    text = path.read_text()
    spec = trimmed(load(text))
    problem_text = json.dumps(trimmed(json.loads(text)))
    results = []
    for kind in kinds:
        for n in range(per):
            pick = random.Random(f"{path.name}:{kind}:{n}")
            rng = random.Random(f"{path.name}:{kind}:{n}:place")
            style, decimals = pick.choice(STYLES), pick.choice((2, 3, 4))
            subset, fmt = pick.choice(("params", "fgp", "all")), pick.choice(("json", "csv", "hand"))
            spelling = pick.randrange(6)  # how names and signs are typed
            sheet = None
            for _ in range(8):  # find a place where the mistake shows at these digits
                inj = None if kind == "none" else placement(spec, kind, rng, subset)
                if kind != "none" and inj is None:
                    break
                try:
                    candidate = make_sheet(spec, style, decimals, inj, subset)
                except Unworkable:
                    continue
                sheet = candidate
                if kind == "none" or candidate.wrong:
                    break
            if sheet is None:
                continue
            config = {"problem": path.name, "kind": kind, "style": style, "decimals": decimals, "subset": subset, "format": fmt,
                      "injection": " + ".join(i.describe() for i in as_tuple(sheet.injection)) or "none", "shows": bool(sheet.wrong) or kind == "none"}
            try:
                got, fault = mark(problem_text, path.name, sheet, fmt, spelling)
            except Exception as e:  # a crash is a measured failure, not the end of the run
                got, fault = {}, f"crash: {type(e).__name__}: {e}"
            config["fault"] = fault
            outcomes = [] if fault else grade(sheet, got)
            config["outcomes"] = [(o.kind, repr(o.slot), o.detail) for o in outcomes]
            config.update(sheet_level(sheet, got, outcomes) if not fault else {"detected": False, "located": False, "diagnosed": False})
            results.append(config)
    return results


def sheet_level(sheet: Sheet, got: dict[Any, Verdict], outcomes: list[Any]) -> dict[str, bool]:
    """Per sheet with a mistake that shows: detected (something marked wrong), located (the first value marked wrong,
    in the order bpcalc works the sheet, is wrong, in the first sample where a value is wrong), diagnosed (and is
    named with the injected mistake, or one that gives the same number)."""
    flagged = [slot for slot, v in got.items() if v.verdict == "wrong"]
    if not sheet.wrong:
        return {"detected": bool(flagged), "located": False, "diagnosed": False}
    first_sample = min((e, s) for e, s, _ in sheet.wrong)
    first = flagged[0] if flagged else None
    located = first is not None and first in sheet.wrong and first[:2] == first_sample
    kinds = {o.slot: o.kind for o in outcomes}
    diagnosed = located and kinds.get(first) in ("wrong:named", "wrong:tie")
    return {"detected": bool(flagged), "located": located, "diagnosed": diagnosed}


def sheet_rates(results: list[dict[str, Any]], by: str) -> list[str]:
    """Sheets marked entirely right (of the correctly worked), and detected / located / diagnosed (of those with a mistake that shows)."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        c = groups[str(r[by])]
        clean = r["kind"] == "none"
        shows = r["shows"] and not clean
        c["clean"] += clean
        c["clean_ok"] += clean and not r["fault"] and not any(o in ("right:marked_wrong",) for o, _, _ in r["outcomes"])
        c["mistaken"] += shows
        for k in ("detected", "located", "diagnosed"):
            c[k] += shows and bool(r.get(k))
    total: Counter[str] = Counter()
    lines = [f"{by:<22}{'clean':>7}{'all ✓':>8}{'with':>7}{'detect':>8}{'locate':>8}{'diagnose':>9}"]

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:7.1f}%" if b else "      -"

    for name in sorted(groups) + ["all"]:
        c = groups[name] if name != "all" else total
        if name != "all":
            total.update(c)
        lines.append(f"{name:<22}{c['clean']:>7}{pct(c['clean_ok'], c['clean']):>8}{c['mistaken']:>7}{pct(c['detected'], c['mistaken']):>8}"
                     f"{pct(c['located'], c['mistaken']):>8}{pct(c['diagnosed'], c['mistaken']):>9}")
    return lines


# --- the report ----------------------------------------------------------------------------------


def rates(results: list[dict[str, Any]], by: str) -> list[str]:
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        c = groups[str(r[by])]
        c["sheets"] += 1
        c["faults"] += bool(r["fault"])
        bad = False
        for o, _, _ in r["outcomes"]:
            c[o] += 1
            bad = bad or o in FAILURES
        c["sheets_ok"] += not bad and not r["fault"]
    lines = [f"{by:<22}{'sheets':>7}{'ok':>7}{'wrong':>7}{'missed':>8}{'misnamed':>9}{'ties':>6}{'right':>7}{'false+':>8}{'follows':>8}{'ECF✗':>7}{'ambig':>6}{'faults':>7}"]
    total: Counter[str] = Counter()
    for name in sorted(groups):
        c = groups[name]
        total.update(c)
        lines.append(_line(name, c))
    lines.append(_line("all", total))
    return lines


def _line(name: str, c: Counter[str]) -> str:
    wrong = c["wrong:named"] + c["wrong:named_follows"] + c["wrong:missed"] + c["wrong:misnamed"] + c["wrong:tie"]
    right = sum(v for k, v in c.items() if k.startswith("right:"))
    follows = sum(v for k, v in c.items() if k.startswith("follows:"))

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:6.1f}%" if b else "     -"

    return (
        f"{name:<22}{c['sheets']:>7}{pct(c['sheets_ok'], c['sheets']):>7}{wrong:>7}{pct(c['wrong:missed'], wrong):>8}{pct(c['wrong:misnamed'], wrong):>9}"
        f"{c['wrong:tie']:>6}{right:>7}{pct(c['right:marked_wrong'], right):>8}{follows:>8}{pct(c['follows:marked_wrong'], follows):>7}"
        f"{sum(v for k, v in c.items() if k.startswith('ambiguous:')):>6}{c['faults']:>7}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per", type=int, default=6, help="sheets per problem and mistake kind")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None, help="problems whose file name contains this")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--show", type=int, default=8, help="failures to list per outcome")
    ap.add_argument("--save", default=None, help="write every result as JSON here")
    ap.add_argument("--slip-range", type=float, default=None, help="try another SLIP_RANGE (bpcalc.check.diagnose) to weigh the slip tie-break")
    a = ap.parse_args()
    kinds = tuple(a.kinds.split(","))
    work = [(str(p), a.per, kinds, a.slip_range) for p in problems(a.only)]
    with ProcessPoolExecutor(a.jobs) as pool:
        results = [r for rs in pool.map(run_problem, work) for r in rs]
    if a.save:
        Path(a.save).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    shown = sum(1 for r in results if r["shows"])
    print(f"{len(results)} sheets ({shown} where the injected mistake shows at the digits written) over {len(work)} problems\n")
    print("wrong = values no correct working from the student's own values gives; missed = marked right/follows without naming it;")
    print("misnamed = flagged but the mistake named does not reproduce the value; false+ = right values marked wrong;")
    print("ECF✗ = values that follow through from an earlier mistake but are marked wrong; ambig = values a mistake changed")
    print("within what some other way of rounding a correct working gives (either verdict is accepted); ok = sheets with no failure\n")
    for by in ("kind", "format", "style", "subset", "decimals", "problem"):
        print("\n".join(rates(results, by)))
        print()
    print("Per sheet: clean = correctly worked sheets, all ✓ = of them marked with no right value wrong; with = sheets whose")
    print("mistake shows at the digits written; detect / locate / diagnose: see sheet_level\n")
    for by in ("kind", "style", "decimals"):
        print("\n".join(sheet_rates(results, by)))
        print()
    failures: dict[str, list[str]] = defaultdict(list)
    for r in results:
        if r["fault"]:
            failures["fault"].append(f"{r['problem']} {r['injection']} {r['style']}/{r['decimals']}/{r['subset']}/{r['format']}: {r['fault']}")
        for o, slot, detail in r["outcomes"]:
            if o in FAILURES:
                failures[o].append(f"{r['problem']} {r['injection']} {r['style']}/{r['decimals']}/{r['subset']}: {slot} {detail}")
    for o, lines in failures.items():
        print(f"{o}: {len(lines)}")
        for line in lines[: a.show]:
            print("   ", line)


if __name__ == "__main__":
    main()
