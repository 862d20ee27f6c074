"""The tolerance covers every honest rounding order: rounding only the results written down is one (issue 8).

Hand derivation (q3, sample 2 worked from the correct parameters after sample 1, written to 3 decimals):
α_H1 = 25·(−0.100) + 4·0.050 + 0 = −2.300, H1 = tanh(−2.3) = −0.980, y = 0.416 (σ(−0.340) = 0.41586).
Rounding only results, a student takes 1 − H1² from the written H1 = −0.980: 0.0396, and
dL/dw11 = (y − t)·w31·(1 − H1²)·f1 = 0.416·0.935·0.0396·25 = 0.38508 → 0.385, where the full-precision
value is 0.3833 and rounding every factor gives 0.383.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
AFTER_1 = "w11 = -0.100, w21 = 0.050, b1 = 0.000, w12 = 0.100, w22 = -0.100, b2 = 0.000\nw13 = -0.200, w23 = 0.150, b3 = 0.000, w31 = 0.935, w41 = 0.565, w51 = 0.035, b4 = 0.065\n"


def _verdicts(tmp_path: Path, sample2: str) -> dict[tuple[int, str], str]:
    a = tmp_path / "a.txt"
    a.write_text(f"# sample 1\n{AFTER_1}# sample 2\n{sample2}")
    result = CliRunner().invoke(main, ["check", Q3, str(a), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return {(i["sample"], i["label"]): i["verdict"] for i in json.loads(result.stdout)["items"]}


def test_results_only_rounding_is_right(tmp_path):
    got = _verdicts(tmp_path, "α_H1 = -2.300\nH1 = -0.980\ny = 0.416\ndL/dw11 = 0.385\n")
    assert set(got.values()) == {"right"}, got


def test_beyond_every_rounding_order_is_still_wrong(tmp_path):
    got = _verdicts(tmp_path, "α_H1 = -2.300\nH1 = -0.980\ny = 0.416\ndL/dw11 = 0.388\n")
    assert got[(2, "∂L/∂w11")] == "wrong"


def test_a_tie_may_be_rounded_either_way(tmp_path):
    # y = w11·f1 + β1 = 0.1919 → 0.192 to 3 decimals, t = 0.1689: dL/dw11 = (y − t)·f1 = 0.023 (0.0231 kept: 0.023);
    # η·g = 0.5·0.023 = 0.0115, a tie: rounded down, w11 = 0.1919 − 0.011 = 0.1809 → 0.181 (up: 0.1799 → 0.180;
    # at full precision 0.1919 − 0.5·0.023 = 0.1804 → 0.180). 0.181 is an honest working; 0.182 is not.
    problem = {"network": {"layers": [1, 1], "activations": ["linear"], "loss": "half_sse"}, "learning_rate": 0.5,
               "parameters": {"w11": 0.1919, "b1": 0}, "samples": [{"f1": 1, "t": 0.1689}]}
    p = tmp_path / "p.json"
    p.write_text(json.dumps(problem))
    for written, verdict in (("0.181", "right"), ("0.180", "right"), ("0.182", "wrong")):
        a = tmp_path / "a.txt"
        a.write_text(f"dL/dw11 = 0.023\nw11 = {written}\n")
        result = CliRunner().invoke(main, ["check", str(p), str(a), "--format", "json"])
        items = {i["label"]: i["verdict"] for i in json.loads(result.stdout)["items"]}
        assert items["w11 after"] == verdict, (written, items)
