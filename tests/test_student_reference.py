"""The independent student of ``tests/student`` works problems right: its full-precision working equals tests/reference.py.

Both are independent of bpcalc and of each other: the student works backpropagation by the chain rule,
the reference takes every gradient as a 110-digit finite difference of the loss. Each problem is given to
the reference at its written decimal values (numbers as strings), as the student reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mpmath import mpf

import reference
from student.mistakes import Injection
from student.net import Net, load
from student.numbers import text
from student.work import train

ROOT = Path(__file__).resolve().parent.parent
TOL = mpf(10) ** -30  # both work at 40 digits or more; the finite differences are good to far better
PROBLEMS = ["samples/negnevitsky_xor_threshold.json", "samples/mazur_step_by_step.json", "benchmarks/problems/online_two_epochs.json"]


def _reference(spec_text: str) -> dict:
    return reference.train(json.loads(spec_text, parse_float=str))


def _close(a: mpf, b: mpf) -> bool:
    return abs(a - b) <= TOL * max(1, abs(b))


def _mismatches(spec_text: str, student: list, ref: dict) -> list[str]:
    net = Net(load(spec_text))
    rows = ref["samples"]
    assert [(r["epoch"], r["sample"]) for r in rows] == [(s.epoch, s.sample) for s in student]
    out = []
    for s, r in zip(student, rows):
        expected = {("forward", n): r["forward"][n] for n in net.forward_names()}
        expected[("loss", "loss")] = r["loss"]
        expected |= {("gradient", q.name): r["gradients"][q.name] for q in net.params}
        expected |= {("parameter_after", q.name): r["parameters_after"][q.name] for q in net.params}
        for key, want in expected.items():
            if not _close(s.computed[key], want):
                out.append(f"e{s.epoch}s{s.sample} {key}: student {s.computed[key]}, reference {want}")
    return out


@pytest.mark.parametrize("name", PROBLEMS)
def test_the_students_full_working_is_the_reference(name):
    spec_text = (ROOT / name).read_text()
    student = train(load(spec_text), "full", 4)
    assert not _mismatches(spec_text, student, _reference(spec_text))


def test_negnevitsky_thresholds_are_worked_on_the_fixed_input_minus_one():
    """The student names θ3..θ5 theta1..theta3 and writes the book's numbers (Negnevitsky 2005, §6.4, pp. 178-180)."""
    spec = load((ROOT / "samples/negnevitsky_xor_threshold.json").read_text())
    net = Net(spec)
    assert [q.name for q in net.params if q.is_bias] == ["theta1", "theta2", "theta3"]
    (s,) = train(spec, "full", 4)
    written = {k[1]: v for k, v in s.text.items() if k[0] in ("forward", "parameter_after")}
    book = {"H1": "0.5250", "H2": "0.8808", "y": "0.5097",
            "w11": "0.5038", "w21": "0.4038", "theta1": "0.7962", "w12": "0.8985", "w22": "0.9985", "theta2": "-0.0985",
            "w31": "-1.2067", "w41": "1.0888", "theta3": "0.3127"}
    assert {k: written[k] for k in book} == book
    # dL/dθ = -δ: θ3's gradient is -(y - t)·y(1 - y) at the output
    y = s.computed[("forward", "y")]
    assert _close(s.computed[("gradient", "theta3")], -(y - 0) * y * (1 - y))
    assert text(s.computed[("gradient", "theta3")], 4) == "-0.1274"


def test_a_threshold_added_is_a_bias():
    """The mistake net = Σ w·x + θ (dnet/dθ = +1) works the numbers of the same network with biases b = θ (reference)."""
    path = ROOT / "samples/negnevitsky_xor_threshold.json"
    spec_text = path.read_text()
    (flipped,) = train(load(spec_text), "full", 4, Injection("threshold_sign_flipped"))
    as_bias = json.loads(spec_text)
    as_bias["network"]["bias"] = True
    as_bias["parameters"] = {k.replace("theta", "b"): v for k, v in as_bias["parameters"].items()}
    ref = _reference(json.dumps(as_bias))
    renamed = {(kind, name.replace("theta", "b")): v for (kind, name), v in flipped.computed.items()}
    flipped.computed.clear()
    flipped.computed.update(renamed)
    assert not _mismatches(json.dumps(as_bias), [flipped], ref)


def test_the_student_imports_nothing_from_bpcalc():
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tests'); import student.grade, student.mistakes, student.net, student.numbers, "
            "student.sheets, student.truth, student.work; print(sorted(m for m in sys.modules if m.split('.')[0] == 'bpcalc'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
