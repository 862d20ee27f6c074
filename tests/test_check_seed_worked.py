"""The seed sheet as worked (every value its working writes, tests/data/check/seed-sheet-worked.txt): its first mistake
in the order the sheet works is β4 after sample 1, and its typo "ω13 = −0.12" is charged once — sample 2 works on with
−0.2 (α_H3 = 25(−0.2) + 4(0.15) = −4.4, as the sheet writes it), so w13 = −0.20003 after sample 2 is not wrong again.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _report() -> dict:
    result = CliRunner().invoke(main, ["check", str(ROOT / "samples" / "q3.json"), str(ROOT / "tests" / "data" / "check" / "seed-sheet-worked.txt"), "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def test_first_mistake_in_working_order_is_beta4_after_sample_1():
    report = _report()
    assert report["first_mistake"]["step"] == "β4 after sample 1"
    assert report["first_mistake"]["mistake"] == "lr_missing"
    # ∂L/∂w11 of sample 1 (the sheet's −0.00003 for −3.9e−06) comes later in the sheet's working than β4
    steps = [i["step"] for i in report["items"] if i["verdict"] == "wrong"]
    assert steps.index("β4 after sample 1") < steps.index("∂L/∂w11 in sample 1")


def test_a_typo_the_next_sample_did_not_use_is_charged_once():
    items = {(i["sample"], i["label"]): i for i in _report()["items"]}
    assert items[(1, "w13 after")]["verdict"] == "wrong"
    assert items[(2, "α_H3")]["verdict"] == "right"
    assert items[(2, "w13 after")]["verdict"] in ("right", "follows")
