"""check names a classic mistake of threshold sheets: the threshold added (net = Σ w·x + θ) rather than subtracted.

The student's values are worked here by hand (plain Python floats, straight from the definitions), never taken from bpcalc.
"""

from __future__ import annotations

import math
from pathlib import Path

from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEGNEVITSKY = str(ROOT / "samples" / "negnevitsky_xor_threshold.json")


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_threshold_added_is_named(tmp_path: Path) -> None:
    # Negnevitsky's first XOR step worked with net = Σ w·x + θ: α3 = 0.5 + 0.4 + 0.8, α4 = 0.9 + 1.0 − 0.1
    a1, a2 = 0.5 + 0.4 + 0.8, 0.9 + 1.0 - 0.1
    h1, h2 = sigma(a1), sigma(a2)
    o = -1.2 * h1 + 1.1 * h2 + 0.3
    y = sigma(o)
    delta = (y - 0) * y * (1 - y)  # dL/do for L = (y − t)²/2
    sheet = tmp_path / "sheet.txt"
    lines = [f"alpha_H1 = {a1:.4f}", f"alpha_H2 = {a2:.4f}", f"H1 = {h1:.4f}", f"H2 = {h2:.4f}", f"o = {o:.4f}", f"y = {y:.4f}",
             f"dL/dtheta3 = {delta:.4f}"]  # dnet/dθ taken as +1
    sheet.write_text("# sample 1\n" + "\n".join(lines) + "\n")
    r = CliRunner().invoke(main, ["check", NEGNEVITSKY, str(sheet), "--format", "plain", "--width", "200"])
    assert r.exit_code == 1, r.output
    assert "threshold sign flipped: you added the thresholds (net = Σ w·x + θ)" in r.output
    assert "α_H1 = f1·w11 + f2·w21 - θ1 = 1·0.5 + 1·0.4 - 0.8 = 0.100" in " ".join(r.output.split())  # (notes fold to the width)
    assert "0 right" in r.output and "1 wrong" in r.output  # one story: the rest follows through from it


def test_check_refuses_the_rules_it_does_not_mark(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.txt"
    sheet.write_text("# sample 1\ny = 0.5\n")
    r = CliRunner().invoke(main, ["check", str(ROOT / "samples" / "rules" / "orr_momentum_quadratic.json"), str(sheet)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        f"bpcalc: {ROOT / 'samples' / 'rules' / 'orr_momentum_quadratic.json'}: check marks plain SGD sheets so far, not sheets with the momentum optimizer"
    ]
