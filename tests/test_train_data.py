"""`bpcalc data`: the shapes the data sets are defined to have (checked from geometry at zero noise), and the same bytes for the same seed."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpcalc.train.datasets import DataSpec, cell, generate, to_csv
from bpcalc.train.verdict import GOOD_FIT, OVERFITTING, UNDERFITTING, judge

ROOT = Path(__file__).resolve().parent.parent


def rows(kind: str, **kw: float) -> list[tuple[float, ...]]:
    return list(generate(DataSpec(kind, **kw)).rows)  # type: ignore[arg-type]


def test_circles_without_noise_lie_on_radius_one_and_a_half() -> None:
    for f1, f2, t in rows("circles", n=101, noise=0):
        assert math.hypot(f1, f2) == pytest.approx(0.5 if t == 1 else 1.0, abs=1e-12)
    assert sum(t for *_, t in rows("circles", n=101, noise=0)) == 50  # 51 outer, 50 inner


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    for f1, f2, t in rows("moons", n=60, noise=0):
        x, y = f1 + 0.5, f2 + 0.25  # undo the centring
        if t == 0:
            assert math.hypot(x, y) == pytest.approx(1, abs=1e-12) and y >= -1e-12
        else:
            assert math.hypot(x - 1, y - 0.5) == pytest.approx(1, abs=1e-12) and y <= 0.5 + 1e-12


def test_xor_without_noise_is_class_one_where_f1_f2_share_a_sign() -> None:
    for f1, f2, t in rows("xor", n=80, noise=0):
        assert t == (1 if f1 * f2 > 0 else 0) and max(abs(f1), abs(f2)) <= 1


def test_linear_without_noise_is_the_plane() -> None:
    for f1, f2, t in rows("linear", n=50, noise=0):
        assert t == pytest.approx(0.5 * f1 - 0.3 * f2 + 0.2, abs=1e-12)


def test_spiral_with_three_arms_is_one_hot() -> None:
    table = generate(DataSpec("spiral", n=30, classes=3))
    assert table.inputs == ("f1", "f2") and table.targets == ("t1", "t2", "t3")
    assert all(sorted(r[2:]) == [0.0, 0.0, 1.0] for r in table.rows)
    assert [sum(r[2 + k] for r in table.rows) for k in range(3)] == [10, 10, 10]


def test_noise_spreads_points_by_about_its_size() -> None:
    radii = [math.hypot(f1, f2) - (0.5 if t else 1.0) for f1, f2, t in rows("circles", n=4000, noise=0.2)]
    sd = math.sqrt(sum(r * r for r in radii) / len(radii))
    assert sd == pytest.approx(0.1, rel=0.05)  # radius noise is noise/2


def test_cells_are_six_decimals_without_minus_zero() -> None:
    assert [cell(x) for x in (0.0, -0.0, -1e-9, 1.5, -0.1234567, 2.0, 1e-7)] == ["0", "0", "0", "1.5", "-0.123457", "2", "0"]


def test_same_seed_same_bytes_in_another_process() -> None:
    """Independent of hash seeds and of anything else in the process: a fresh interpreter writes the same text."""
    code = "from bpcalc.train.datasets import *; import sys; sys.stdout.write(to_csv(generate(DataSpec('spiral', 150, 0.3, 7))))"
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    assert out == to_csv(generate(DataSpec("spiral", 150, 0.3, 7)))
    assert out != to_csv(generate(DataSpec("spiral", 150, 0.3, 8)))
    assert out.startswith("f1,f2,t\n") and out.count("\n") == 151


# --- the verdict rule on hand-made curves ------------------------------------------------------

def test_verdict_rule_on_hand_made_curves() -> None:
    b = 0.7
    flat = [0.69, 0.65, 0.62, 0.60]
    v = judge(flat, [0.70, 0.66, 0.64, 0.63], b)
    assert v.kind == UNDERFITTING and "86% of the 0.7000" in v.reason  # 0.60 / 0.7
    v = judge([0.6, 0.3, 0.1, 0.02], [0.6, 0.35, 0.30, 0.40], b)  # gap 0.38/0.7, risen 0.10/0.7 from epoch 2
    assert v.kind == OVERFITTING and v.best_epoch == 2 and "the best epoch is 2" in v.reason
    v = judge([0.6, 0.3, 0.1, 0.08], [0.6, 0.32, 0.13, 0.12], b)
    assert v.kind == GOOD_FIT and v.best_epoch == 3
    # well above training but not rising: no overfitting by the rule, and the reason says so
    v = judge([0.6, 0.3, 0.1, 0.05], [0.6, 0.40, 0.30, 0.29], b)
    assert v.kind == GOOD_FIT and "not rising" in v.reason
    # just under the thresholds: 0.349/0.7 < 0.5 → not underfitting
    assert judge([0.6, 0.349], [0.6, 0.36], b).kind == GOOD_FIT
    assert judge([0.6, 0.35], [0.6, 0.36], b).kind == UNDERFITTING
