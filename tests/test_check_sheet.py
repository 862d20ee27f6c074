"""`bpcalc check` on the seed sheet's own "Post Sample" tables finds exactly the sheet's real mistakes.

The sheet (question 3 of ../shared/seed/000_96aec7dd6496992b.txt; problem ``samples/q3.json``,
answers ``samples/q3-sheet-answers.json``) is worked here again, independently, with mpmath at 40
digits, both correctly and the way its author carried their own numbers forward. Why each of its
values is right, follows through, or is wrong:

Sample 1 (f1 = 100, f2 = 20, t = 1). α_H = -9, 8, -17 saturate every tanh, so the hidden gradients
are ~1e-5 or less and the hidden parameters stay as written (-0.1, 0.05, 0, ... all right). With
o = -0.6, y = σ(-0.6) = 0.35434, the output gradients are (y - t)·H = ±0.64566, and

* w31 = 1 - 0.1·0.64566 = 0.93543 → 0.935, w41 = 0.56457 → 0.565, w51 = 0.03543 → 0.035: right.
* β4: the sheet writes "β4 = 0 - (-0.646) = 0.646". The update is β4 - η·∂L/∂β4 =
  0 - 0.1·(-0.64566) = 0.06457 → 0.065. WRONG: the learning rate was left out.

Sample 2 (f1 = 25, f2 = 4, t = 0), carried forward from the sheet's own sample-1 table (β4 = 0.646):
α_H = -2.3, 2.1, -4.4; o = 0.935·tanh(-2.3) + 0.565·tanh(2.1) + 0.035·tanh(-4.4) + 0.646 = 0.24293
(the sheet: 0.243), y = 0.56043 (0.560), y - t = 0.56043. The correct values (from β4 = 0.065) are
far off (o = -0.340), so every value that matches the carried working follows through, except where
the correct value happens to be within the written digits too (β1: -0.00153 → -0.002 and β3: -8.9e-7
→ 0, both right). Then

* β2: ∂L/∂β2 = (y - t)·w41·(1 - tanh²(2.1)) = 0.56043·0.565·0.058224 = 0.018436, so
  β2 = 0 - 0.1·0.018436 = -0.0018436 → -0.0018. The table says -0.0016 (the sheet's own working line
  even has ∂L/∂β2 = 0.046 and β2 = -0.0046). WRONG: an arithmetic slip; no classic mistake gives
  -0.0016 to four decimals (worked with the already-updated w41 = 0.511 it would be -0.0017).
* w23: ∂L/∂w23 = 0.56043·0.035·(1 - tanh²(-4.4))·4 = 4.7292e-5, so w23 = 0.15 - 4.73e-6 = 0.1499953
  → 0.150. The sheet writes 0.149: the digits cut off, not rounded. WRONG: truncated.
* w31: ∂L/∂w31 = 0.56043·tanh(-2.3) = -0.54928, so w31 = 0.935 + 0.054928 = 0.989928 → 0.990 (the
  sheet's own working, 0.935 - 0.1·(-0.548) = 0.9898, also rounds to 0.990). The sheet writes 0.989.
  WRONG: truncated.
* w11: carried at full precision, ∂L/∂w11 = 0.56043·0.935·(1 - tanh²(-2.3))·25 = 0.51629 and
  w11 = -0.15163 → -0.152; the sheet writes -0.151. Not a mistake: a hand working that rounds every
  step to 3 decimals, as the sheet does, has tanh'(-2.3) = 4e^{4.6}/(1 + e^{4.6})² = 0.0392 → 0.039,
  ∂L/∂w11 = 2.273·0.246·0.935·0.039·25 = 0.510 and w11 = -0.1 - 0.051 = -0.151. Follows through.
* w21 0.042, w12 0.054, w22 -0.107, w13 -0.20003, w41 0.511, w51 0.091, β4 0.590: each is the carried
  working to the digits written (0.041739, 0.053910, -0.107374, -0.2000296, 0.510613, 0.091027,
  0.589957): follow through.

So the sheet has four real mistakes: β4 after sample 1 (learning rate left out), and β2 (slip), w23
and w31 (truncated) after sample 2.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from mpmath import mp, mpf

from bpcalc.cli import main

mp.dps = max(mp.dps, 40)  # never lower what tests/reference.py set, whichever module is collected first
ROOT = Path(__file__).resolve().parent.parent
PROBLEM = str(ROOT / "samples" / "q3.json")
ANSWERS = str(ROOT / "samples" / "q3-sheet-answers.json")
NAMES = ["w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3", "w31", "w41", "w51", "b4"]
SHEET = {  # the two "Post Sample" tables, as the sheet writes them
    1: "-0.1 0.05 0 0.1 -0.1 0 -0.2 0.15 0 0.935 0.565 0.035 0.646",
    2: "-0.151 0.042 -0.002 0.054 -0.107 -0.0016 -0.20003 0.149 0 +0.989 0.511 +0.091 +0.590",
}
REAL_MISTAKES = {(1, "b4"): "lr_missing", (2, "b2"): "slip", (2, "w23"): "truncated", (2, "w31"): "truncated"}


def sgd_step(P, f1, f2, t, lr=mpf("0.1")):
    """One sample of the sheet's network at 40 digits: the parameters after it."""
    a = {k: f1 * P[f"w1{k}"] + f2 * P[f"w2{k}"] + P[f"b{k}"] for k in (1, 2, 3)}
    H = {k: mp.tanh(a[k]) for k in a}
    o = H[1] * P["w31"] + H[2] * P["w41"] + H[3] * P["w51"] + P["b4"]
    d = 1 / (1 + mp.exp(-o)) - t  # dL/dy · dy/do = y - t
    g = {"w31": d * H[1], "w41": d * H[2], "w51": d * H[3], "b4": d}
    for k, w in ((1, "w31"), (2, "w41"), (3, "w51")):
        dh = d * P[w] * (1 - H[k] ** 2)
        g[f"w1{k}"], g[f"w2{k}"], g[f"b{k}"] = dh * f1, dh * f2, dh
    return {n: P[n] - lr * g[n] for n in P}


def independent_verdicts():
    """Right / follows / wrong for each sheet value, from the mpmath working alone (no drift allowance)."""
    P0 = dict(zip(NAMES, map(mpf, "-0.1 0.05 0 0.1 -0.1 0 -0.2 0.15 0 1 0.5 0.1 0".split())))
    correct1 = sgd_step(P0, 100, 20, 1)
    correct2 = sgd_step(correct1, 25, 4, 0)
    written1 = dict(zip(NAMES, SHEET[1].split()))
    carried2 = sgd_step({n: mpf(v) for n, v in written1.items()}, 25, 4, 0)
    out = {}
    for s, correct, carried in ((1, correct1, correct1), (2, correct2, carried2)):
        for n, text in zip(NAMES, SHEET[s].split()):
            half = Decimal(1).scaleb(Decimal(text).as_tuple().exponent) / 2
            near = lambda x: abs(Decimal(text) - Decimal(mp.nstr(x, 30))) <= half  # noqa: E731
            out[(s, n)] = "right" if near(correct[n]) else "follows" if near(carried[n]) else "wrong"
    return out, carried2


def check_json() -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", PROBLEM, ANSWERS, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_the_shipped_answers_are_the_sheets_tables():
    data = json.loads(Path(ANSWERS).read_text())
    for entry in data["samples"]:
        table = entry["parameters_after"]
        assert list(table) == NAMES
        assert " ".join(table.values()) == SHEET[entry["sample"]]


def test_sheet_real_mistakes_each_once_with_the_right_diagnosis():
    code, report = check_json()
    assert code == 1
    wrong = {(i["sample"], i["name"]): i["mistake"] for i in report["items"] if i["verdict"] == "wrong"}
    assert wrong == REAL_MISTAKES
    assert report["summary"] == {"checked": 26, "right": 14, "follows": 8, "wrong": 4, "score": 22 / 26}
    assert report["first_mistake"]["step"] == "β4 after sample 1"


def test_sheet_verdicts_agree_with_an_independent_working():
    _, report = check_json()
    mine, carried2 = independent_verdicts()
    got = {(i["sample"], i["name"]): i["verdict"] for i in report["items"]}
    # The one value whose verdict needs the hand-rounding allowance: see the module docstring (w11).
    assert mine.pop((2, "w11")) == "wrong" and got.pop((2, "w11")) == "follows"
    assert abs(carried2["w11"] - mpf("-0.151629")) < mpf("1e-6")
    assert got == mine
    # what bpcalc expected for the carried sample 2 is the independent carried working
    for i in report["items"]:
        if i["sample"] == 2 and i["verdict"] != "right":
            assert abs(i["expected"] - float(carried2[i["name"]])) < 1e-9 * max(1, abs(i["expected"]))


def test_sheet_diagnoses_read_like_a_marker():
    _, report = check_json()
    text = {(i["sample"], i["name"]): i["diagnosis"] for i in report["items"]}
    assert text[(1, "b4")] == (
        "β4 after sample 1 — learning rate left out: you wrote 0.646 = β4 - dL/dβ4; "
        "the update is β4 - η·dL/dβ4 = 0 - 0.1·(-0.646) = 0.065"
    )
    assert text[(2, "b2")].startswith("β2 after sample 2 — arithmetic slip: you wrote -0.0016, expected -0.0018: ")
    assert text[(2, "b2")].endswith("β2 = β2 - η·dL/dβ2 = 0 - 0.1·(0.0184) = -0.0018")
    assert text[(2, "w23")].startswith("w23 after sample 2 — truncated instead of rounded: you wrote 0.149: 0.149995... cut off after 3 decimals; rounded it is 0.150.")
    assert text[(2, "w31")].startswith("w31 after sample 2 — truncated instead of rounded: you wrote +0.989: 0.989927... cut off after 3 decimals; rounded it is 0.990.")
    assert text[(2, "w31")].endswith("w31 = w31 - η·dL/dw31 = 0.935 - 0.1·(-0.549) = 0.990")
    assert text[(2, "w21")] == "right given your earlier values; the correct value is 0.044"
    assert text[(1, "w31")] == ""


def test_sheet_plain_output():
    result = CliRunner().invoke(main, ["check", PROBLEM, ANSWERS, "--format", "plain"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0] == "Q3: 2-3-1 network, tanh hidden, sigmoid output, cross-entropy"
    assert "error carried forward · tolerance from the digits written (at most 2 decimals)" in lines
    assert "Sample 1: f1 = 100, f2 = 20, t = 1" in lines and "Sample 2: f1 = 25, f2 = 4, t = 0" in lines
    assert any(line.split()[:6] == ["β4", "after", "0.646", "0.065", "✗", "wrong"] for line in lines)
    assert any(line.split()[:7] == ["w41", "after", "0.511", "0.511", "↪", "follows", "through"] for line in lines)
    assert lines[-1] == "checked 26: 14 right, 8 followed through, 4 wrong · score 0.846 · first mistake: β4 after sample 1"


def test_without_carry_every_value_built_on_the_slip_is_wrong():
    result = CliRunner().invoke(main, ["check", PROBLEM, ANSWERS, "--format", "json", "--no-carry"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    mine, _ = independent_verdicts()
    for i in report["items"]:
        # against the correct working only: right exactly where the independent working says right
        assert (i["verdict"] == "right") == (mine[(i["sample"], i["name"])] == "right"), i
    assert {i["verdict"] for i in report["items"]} == {"right", "wrong"}
    follows = [i for i in report["items"] if i["mistake"] == "follows_earlier"]
    assert {(i["sample"], i["name"]) for i in follows} >= {(2, "w21"), (2, "w41"), (2, "b4")}
