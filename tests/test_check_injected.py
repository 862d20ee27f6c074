"""`bpcalc check` on sheets with injected mistakes, each a case it once marked wrongly (found by benchmarks/check_injection.py).

Every sheet is worked by the independent student of ``tests/student`` (mpmath, no bpcalc): a
problem worked correctly, in one of four ways of keeping numbers, with one classic mistake made at
a chosen place, written out in one of the three answer formats. The ground truth comes from that
working alone (``student.truth``): a value is wrong when no correct working from the student's own
earlier values gives it, and must then be flagged with the mistake made; a value the mistake left
alone must be right; one that follows from it must not be marked wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from student.grade import Verdict, grade
from student.mistakes import Injection
from student.net import load
from student.numbers import text as written
from student.sheets import FORMATS
from student.truth import Sheet, make_sheet
from student.work import train

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    problem: str  # relative to the repository
    injection: Injection | None
    style: str  # full | carry | chain | delta (see student.work)
    decimals: int
    subset: str  # params | fgp | all
    fmt: str  # json | csv | hand


CASES = {
    # A student who rounds every step with a δ per unit (y(1 - y), δ rounded, gradient = δ·input) was marked wrong.
    "delta rounding, linear units": Case("samples/hmkcode_linear_no_bias.json", None, "delta", 3, "all", "csv"),
    "delta rounding, inputs of 25": Case("samples/q3.json", None, "delta", 2, "fgp", "hand"),
    "delta rounding, tanh everywhere": Case("samples/lfd_example_7_1_tanh.json", None, "delta", 3, "fgp", "json"),
    # A student who keeps every digit within a sample and copies the 4-decimal parameters down.
    "full precision within a sample": Case("benchmarks/problems/online_two_epochs.json", None, "carry", 4, "fgp", "json"),
    # A derivative taken wrongly at one unit only was called an arithmetic slip.
    "σ' as σ at one of two outputs": Case("samples/pythonandml_3_2_2.json", Injection("dsigmoid_as_sigmoid", units=("y2",)), "full", 3, "all", "json"),
    "σ' as σ at one hidden unit": Case("samples/han_kamber_pei_backprop.json", Injection("dsigmoid_as_sigmoid", units=("H1",)), "chain", 3, "params", "hand"),
    "1 - tanh at a tanh output": Case("samples/lfd_example_7_1_tanh.json", Injection("tanh_one_minus", units=("y",)), "full", 4, "fgp", "csv"),
    "tanh' as σ' at one hidden unit": Case("samples/lfd_example_7_1_tanh.json", Injection("tanh_as_dsigmoid", units=("H1",)), "carry", 4, "fgp", "json"),
    # Mistakes worked by a δ-rounding student were not reproduced, so called slips.
    "target flipped, δ rounding": Case("samples/han_kamber_pei_backprop.json", Injection("target_flipped"), "delta", 4, "params", "csv"),
    "updated weights, δ rounding": Case("samples/hmkcode_linear_no_bias.json", Injection("updated_weights"), "delta", 3, "fgp", "hand"),
    # η² moves w11 by 1.2 units of the last digit: named, not a slip (more than one unit).
    "η twice, a small step": Case("samples/hmkcode_linear_no_bias.json", Injection("lr_twice", params=("w11",)), "carry", 2, "params", "json"),
    # Batch: a mistake in sample 1 shows only in the update after sample 2.
    "batch, inputs swapped in sample 1": Case("samples/schiendorfer_batch_no_bias.json", Injection("inputs_swapped", 1, 1, pair=("f1", "f2")), "chain", 4, "params", "hand"),
    "batch, target flipped in an earlier sample": Case("benchmarks/problems/batch_two_epochs.json", Injection("target_flipped", 2, 1), "delta", 3, "params", "csv"),
    # A wrong value kept at full precision was carried on as written, so what followed was marked wrong.
    "full precision after a dropped factor": Case("samples/q3.json", Injection("dropped_factor", 1, 1, params=("w11",), index=3), "full", 3, "fgp", "json"),
    "full precision after a slip in y": Case("samples/lfd_example_7_1_tanh.json", Injection("slip", entries=(("forward", "y"),), slip="last3"), "full", 3, "all", "hand"),
    # β3 × f2 in the sheet's rounding: the input is a factor of the one rounded product.
    "bias times input, sheet rounding": Case("benchmarks/problems/relu_hidden.json", Injection("bias_times_input", params=("b3",), index=1), "chain", 2, "all", "csv"),
    # Ties: η left out of β3 (a mistake made once) beat β3's gradient times H1 (which the right others belie).
    "η left out of one batch update": Case("benchmarks/problems/batch_two_epochs.json", Injection("lr_missing", 1, 2, params=("b3",)), "full", 2, "fgp", "json"),
    # β2 after a right ∂L/∂β2 is an update mistake, not a derivative one.
    "η twice after a right gradient": Case("tests/data/check/mistakes_problem.json", Injection("lr_twice", params=("b2",)), "delta", 2, "fgp", "hand"),
    # Batch, the same sample twice, only the final table written: a mistake in either sample gives it (cannot tell which step).
    "batch, cannot tell which sample": Case("tests/data/check/batch_twice.json", Injection("target_flipped", 1, 1), "full", 3, "params", "json"),
    # Rounding only the results written down (issue 8): an honest working, marked right.
    "results only, tanh everywhere": Case("samples/lfd_example_7_1_tanh.json", None, "results", 2, "all", "json"),
    "results only, q3": Case("samples/q3.json", None, "results", 3, "all", "hand"),
    # The nine mistakes of issue 8, each made by the independent student and named.
    "bias never updated": Case("tests/data/check/mistakes_problem.json", Injection("bias_not_updated"), "full", 3, "params", "json"),
    "tanh' without its 4": Case("tests/data/check/mistakes_problem.json", Injection("tanh_without_4"), "chain", 3, "fgp", "csv"),
    "dL/dy sign flipped": Case("samples/q3.json", Injection("dldy_sign_flipped"), "full", 3, "fgp", "hand"),
    "y - t as dL/dy for bce": Case("tests/data/check/mistakes_problem.json", Injection("sse_gradient_for_ce"), "delta", 3, "all", "json"),
    "update not carried": Case("tests/data/check/mistakes_problem.json", Injection("update_not_carried", 1, 2), "full", 3, "params", "csv"),
    "wrong input": Case("tests/data/check/mistakes_problem.json", Injection("wrong_input", params=("w21",), index=0), "full", 3, "fgp", "hand"),
    "weights swapped": Case("tests/data/check/mistakes_problem.json", Injection("weights_swapped", pair=("w12", "w21")), "chain", 3, "fgp", "json"),
    "digits transposed": Case("tests/data/check/mistakes_problem.json", Injection("digits_transposed", entries=(("parameter_after", "w31"),)), "full", 3, "params", "json"),
    "a factor rounded early": Case("tests/data/check/mistakes_problem.json", Injection("rounded_early", units=("y",), index=1), "full", 3, "fgp", "csv"),
}


def sheet_for(case: Case) -> Sheet:
    return make_sheet(load((ROOT / case.problem).read_text()), case.style, case.decimals, case.injection, case.subset)


def check_sheet(case: Case, sheet: Sheet, variant: int = 1) -> tuple[int, dict]:
    rows = [(e, s, k, t) for (e, s, k), t in sheet.texts.items()]
    answers = FORMATS[case.fmt](rows, int(sheet.spec.get("epochs", 1)), variant)
    result = CliRunner().invoke(main, ["check", str(ROOT / case.problem), "-", "--format", "json"], input=answers)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def verdicts(report: dict) -> dict:
    return {(i["epoch"], i["sample"], (i["kind"], i["name"])): Verdict(i["verdict"], i["mistake"], i["diagnosis"], i["given"]) for i in report["items"]}


@pytest.mark.parametrize("name", list(CASES))
def test_injected_sheet_is_marked_like_a_careful_marker(name):
    case = CASES[name]
    sheet = sheet_for(case)
    if case.injection is not None:
        assert sheet.wrong, "the mistake must show at the digits written"
    code, report = check_sheet(case, sheet)
    failures = [f"{o.kind} {o.slot}: {o.detail}" for o in grade(sheet, verdicts(report), ties=False) if o.failed]
    assert not failures, "\n".join(failures)
    assert code == (1 if sheet.wrong else 0)
    for item in report["items"]:
        if item["verdict"] == "wrong":
            assert item["diagnosis"].startswith(item["step"] + " — "), item["diagnosis"]


def test_the_rounding_students_are_not_the_exact_working():
    """Guard on the fixtures above: each clean sheet has values off the exact ones by more than the written digits allow."""
    for name, case in CASES.items():
        if case.injection is not None:
            continue
        spec = load((ROOT / case.problem).read_text())
        exact = train(spec, "full", case.decimals)
        sheet = sheet_for(case)
        off = [
            slot for (e, s, key), text in sheet.texts.items()
            for slot in [(e, s, key)]
            for r in exact
            if (r.epoch, r.sample) == (e, s) and text != written(r.computed[key], case.decimals)
        ]
        assert off, name


def test_a_batch_mistake_is_told_in_the_sample_it_was_made():
    case = CASES["batch, inputs swapped in sample 1"]
    _, report = check_sheet(case, sheet_for(case))
    # told once, at the first value the sheet works (the output layer's w31), the rest of the sample following through
    sample2 = [i for i in report["items"] if i["sample"] == 2]
    first = sample2[0]
    assert first["name"] == "w31" and first["verdict"] == "wrong" and first["mistake"] == "inputs_swapped"
    # sample 1 of the problem has f1 = 3, f2 = 1
    assert "in sample 1, you swapped f1 and f2 (used f1 = 1, f2 = 3)" in first["diagnosis"]
    assert "mean(dL/dw31)" in first["diagnosis"]
    assert {i["verdict"] for i in sample2[1:]} == {"follows"}
    assert all("follows through from the inputs swapped in w31 after sample 2" == i["diagnosis"] for i in sample2[1:])


def test_cannot_tell_which_step_names_the_candidates():
    case = CASES["batch, cannot tell which sample"]
    _, report = check_sheet(case, sheet_for(case))
    first = report["first_mistake"]
    assert first["step"] == "w31 after sample 2" and first["mistake"] == "unclear"
    assert "the values written do not show where: target used as 1 - t (you used 1 - t as the target" in first["diagnosis"]
    assert "or target used as 1 - t (in sample 1, you used 1 - t as the target" in first["diagnosis"]
    later = [i for i in report["items"] if i["sample"] == 2][1:]
    assert later and all(i["diagnosis"] == "follows through from the unclear mistake in w31 after sample 2" for i in later)


def test_a_mistake_within_one_unit_is_a_slip():
    """The documented tie-break: η left out moves w32 by 0.7 units of its third decimal (0.1941 to 0.1935),
    as close as a slipped digit; the student wrote 0.193, and the marker calls it a slip with the expected value."""
    case = Case("samples/han_kamber_pei_backprop.json", Injection("lr_missing", params=("w32",)), "chain", 3, "params", "json")
    sheet = sheet_for(case)
    slot = (1, 1, ("parameter_after", "w32"))
    assert sheet.texts[slot] == "0.193" and slot in sheet.wrong
    # the correct working: w32 = 0.2 - 0.9·0.007 = 0.1937 to the sheet's 3 decimals; with η left out 0.2 - 0.007
    assert Decimal("0.2") - Decimal("0.9") * Decimal("0.007") == Decimal("0.1937")
    _, report = check_sheet(case, sheet)
    w32 = next(i for i in report["items"] if i["name"] == "w32")
    assert w32["verdict"] == "wrong" and w32["mistake"] == "slip"
    assert "you wrote 0.193, expected 0.194" in w32["diagnosis"]


def test_the_three_forms_of_one_injected_sheet_are_marked_alike():
    base = CASES["updated weights, δ rounding"]
    sheet = sheet_for(base)
    marks = []
    for fmt in ("json", "csv", "hand"):
        for variant in (0, 1, 2):
            _, report = check_sheet(Case(base.problem, base.injection, base.style, base.decimals, base.subset, fmt), sheet, variant)
            marks.append([(i["epoch"], i["sample"], i["kind"], i["name"], i["verdict"], i["mistake"]) for i in report["items"]])
    assert all(m == marks[0] for m in marks)


@pytest.mark.parametrize("options", [["--round-steps", "2"], ["--exact"]], ids=["round-steps", "exact"])
def test_hand_rounded_and_exact_runs_pipe_into_check(options):
    """`bpcalc run --round-steps N` and `--exact` add keys of their own to the JSON; check takes them as it takes the rest."""
    q3 = str(ROOT / "samples" / "q3.json")
    run = CliRunner().invoke(main, ["run", q3, "--format", "json", *options])
    assert run.exit_code == 0, run.output
    result = CliRunner().invoke(main, ["check", q3, "-", "--format", "json"], input=run.stdout)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["wrong"] == 0
