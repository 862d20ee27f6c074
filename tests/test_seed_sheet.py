"""The hand-worked seed sheet, question 3, through samples/q3.json.

Network: 2-3-1, tanh hidden, sigmoid output, L = -t ln y - (1-t) ln(1-y),
learning rate 0.1, online; sample 1 = (f1, f2, t) = (100, 20, 1), sample 2 =
(25, 4, 0); weights w11 = -0.1, w21 = 0.05, w12 = 0.1, w22 = -0.1, w13 = -0.2,
w23 = 0.15, w31 = 1, w41 = 0.5, w51 = 0.1, all biases 0 (the sheet's beta1..4
are our b1..b4).

Where each expected number comes from is written next to it:
  [sheet]  a number the sheet prints, and which is right (checked by hand and
           against the reference); asserted to the sheet's printed digits;
  [ref]    the correct value computed by tests/reference.py (mpmath, gradients
           by finite differences at 110 digits), where the sheet is wrong or
           prints nothing; rounded values are the reference's, rounded by hand;
  [hand]   derived by hand in the comment.
The sheet's mistakes (documented where they matter):
  * beta4 after sample 1: the sheet writes beta4 = 0 - (-0.646) = 0.646, i.e. it
    drops the learning rate; correct: 0 - 0.1 * (-0.6457) = 0.0646 -> 0.065.
  * dL/dw11 at sample 1: the sheet writes -0.00003; correct -3.93e-6
    ((y - t) w31 (1 - tanh^2(-9)) f1 = -0.6457 * 6.09e-8 * 100).
  * dL/dw12 at sample 1: the sheet writes +0.000014; correct -0.0000145 (the
    factor (y - t) = -0.646 is negative; magnitude right, sign wrong).
  * everything of sample 2 from o on (o = 0.243, y = 0.560, all gradients and
    the "post sample 2" table) inherits the wrong beta4 = 0.646; correct
    o = -0.340, y = 0.416, and beta4 = 0.0646 - 0.1 * 0.4159 = 0.023.
"""

from __future__ import annotations

import json

import pytest

import reference as R


Q3 = R.SAMPLES_DIR / "q3.json"


@pytest.fixture(scope="module")
def ref():
    return R.train(R.load_problem(Q3))


@pytest.fixture
def got(run_json):
    return run_json(Q3)


def test_q3_file_is_the_sheet_problem():
    # the sample file encodes exactly the sheet's question 3 [sheet]
    p = json.loads(Q3.read_text(encoding="utf-8"))
    assert p["network"] == {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                            "loss": "bce"}
    assert p["learning_rate"] == 0.1
    assert p["parameters"] == {"w11": -0.1, "w21": 0.05, "b1": 0, "w12": 0.1, "w22": -0.1,
                               "b2": 0, "w13": -0.2, "w23": 0.15, "b3": 0,
                               "w31": 1, "w41": 0.5, "w51": 0.1, "b4": 0}
    assert p["samples"] == [{"f1": 100, "f2": 20, "t": 1}, {"f1": 25, "f2": 4, "t": 0}]
    assert p.get("update", "online") == "online" and p.get("epochs", 1) == 1


def test_sample1_forward_pass(got):
    s1 = got["samples"][0]
    f = s1["forward"]
    # [sheet] "100(-0.1) + 20(0.05) + 0 = -10 + 1 = -9", "10 - 2 = 8",
    # "-20 + 3 = -17": exact decimal arithmetic, so only binary rounding slack
    assert f["alpha_H1"] == pytest.approx(-9, abs=1e-12)
    assert f["alpha_H2"] == pytest.approx(8, abs=1e-12)
    assert f["alpha_H3"] == pytest.approx(-17, abs=1e-12)
    # [sheet] "= -1 + 0.5(1) + 0.1(-1) = -0.6"   ([ref] o = -0.60000008)
    R.assert_printed(f["o"], "-0.6", "o")
    assert f["o"] == pytest.approx(-0.6, abs=1e-6)
    # [sheet] "y = 1/(1 + e^0.6) = 0.354"
    R.assert_printed(f["y"], "0.354", "y")
    # [sheet] tanh(-9) = -1, tanh(8) = 1, tanh(-17) = -1 (to the sheet's digits)
    R.assert_printed(f["H1"], "-1", "H1")
    R.assert_printed(f["H2"], "1", "H2")
    R.assert_printed(f["H3"], "-1", "H3")
    assert s1["inputs"] == {"f1": 100, "f2": 20}
    assert s1["targets"] == {"t": 1}


def test_sample1_output_layer_gradients(got):
    g = got["samples"][0]["gradients"]
    # [sheet] dL/dw31 = -1/0.354 * 0.229 * tanh(-9) = 0.646
    R.assert_printed(g["w31"], "0.646", "dL/dw31")
    # [sheet] dL/dw41 = -0.646, dL/dw51 = 0.646, dL/dbeta4 = -0.646
    R.assert_printed(g["w41"], "-0.646", "dL/dw41")
    R.assert_printed(g["w51"], "0.646", "dL/dw51")
    R.assert_printed(g["b4"], "-0.646", "dL/db4")
    # [hand] sigmoid + bce: dL/db4 = y - t exactly
    y = got["samples"][0]["forward"]["y"]
    assert g["b4"] == pytest.approx(y - 1, rel=1e-12)


def test_sample1_hidden_layer_gradients(got):
    g = got["samples"][0]["gradients"]
    # The sheet writes "-0.00003 ~ 0" for dL/dw11.  Wrong magnitude:
    # [hand] (y - t) w31 (1 - tanh^2(-9)) f1 = -0.64566 * 1 * 6.0918e-8 * 100
    # [ref]  -3.9333e-6
    assert g["w11"] == pytest.approx(-3.9333e-6, rel=1e-4)
    # The sheet writes "+0.000014 ~ 0" for dL/dw12.  Wrong sign:
    # [ref] -1.45318e-5 = -0.64566 * 0.5 * (1 - tanh^2(8)) * 100
    assert g["w12"] < 0
    R.assert_printed(-g["w12"], "0.000014", "|dL/dw12|", mode="truncate")
    assert g["w12"] == pytest.approx(-1.45318e-5, rel=1e-5)
    # [sheet] every other hidden-layer gradient "~ 0" (to the sheet's 3 decimals)
    for name in ("w21", "b1", "w22", "b2", "w13", "w23", "b3"):
        assert abs(g[name]) < 5e-4, name
    # [ref] the saturated unit H3 (alpha = -17): tiny but not zero
    assert g["b3"] == pytest.approx(-4.4263833e-16, rel=1e-7)
    assert g["w13"] == pytest.approx(-4.4263833e-14, rel=1e-7)


def test_parameters_after_sample1(got):
    after = got["samples"][0]["parameters_after"]
    # [sheet] "Post Sample 1" table, output layer
    R.assert_printed(after["w31"], "0.935", "w31")   # 1 - 0.1 * 0.646
    R.assert_printed(after["w41"], "0.565", "w41")   # 0.5 - 0.1 * (-0.646)
    R.assert_printed(after["w51"], "0.035", "w51")   # 0.1 - 0.1 * 0.646
    # [ref] beta4 = 0 - 0.1 * (-0.64566) = 0.064566 -> 0.065; the sheet's
    # 0.646 omits the learning rate
    R.assert_printed(after["b4"], "0.065", "b4 (beta4)")
    assert after["b4"] != pytest.approx(0.646, abs=0.01)
    # [sheet] hidden layer unchanged to its digits (-0.1, 0.05, 0, 0.1, -0.1, 0,
    # -0.2, 0.15, 0); the changes are < 2e-6, so this holds to 3 decimals too
    sheet = {"w11": "-0.100", "w21": "0.050", "b1": "0.000", "w12": "0.100",
             "w22": "-0.100", "b2": "0.000", "w13": "-0.200", "w23": "0.150", "b3": "0.000"}
    for name, printed in sheet.items():
        R.assert_printed(after[name], printed, name)
    # and the update really happened ([ref] w11 = -0.0999996067)
    assert after["w11"] == pytest.approx(-0.09999960667, rel=1e-9)
    # online mode: sample 2 starts from sample 1's result
    assert got["samples"][1]["parameters_before"] == after


def test_sample2_forward_pass(got):
    f = got["samples"][1]["forward"]
    # [sheet] "25(-0.1) + 4(0.05) + 0 = -2.3", "2.1", "-4.4"
    R.assert_printed(f["alpha_H1"], "-2.3", "alpha_H1")
    R.assert_printed(f["alpha_H2"], "2.1", "alpha_H2")
    R.assert_printed(f["alpha_H3"], "-4.4", "alpha_H3")
    # [sheet] tanh values used in "0.935(-0.98) + 0.565(0.970) + 0.035(-0.999)"
    R.assert_printed(f["H1"], "-0.98", "H1")
    R.assert_printed(f["H2"], "0.970", "H2")
    # the sheet chops tanh(-4.4) = -0.99970 to -0.999 (rounding gives -1.000)
    R.assert_printed(f["H3"], "-0.999", "H3", mode="truncate")
    # [ref] the sheet's o = 0.243 and y = 0.560 use its wrong beta4 = 0.646;
    # correct: o = -0.33979, y = 0.41586
    R.assert_printed(f["o"], "-0.340", "o")
    R.assert_printed(f["y"], "0.416", "y")
    assert got["samples"][1]["inputs"] == {"f1": 25, "f2": 4}
    assert got["samples"][1]["targets"] == {"t": 0}


def test_parameters_after_sample2(got):
    after = got["samples"][1]["parameters_after"]
    # [ref] beta4 = 0.064566 - 0.1 * 0.41586 = 0.0229795 -> 0.023 (the sheet:
    # 0.590, from its wrong beta4 after sample 1)
    R.assert_printed(after["b4"], "0.023", "b4 (beta4)")
    # [ref] the rest of the correct "post sample 2" table, to 3 decimals
    correct = {"w31": "0.976", "w41": "0.524", "w51": "0.077",
               "w11": "-0.138", "w21": "0.044", "b1": "-0.002",
               "w12": "0.066", "w22": "-0.105", "b2": "-0.001",
               "w13": "-0.200", "w23": "0.150", "b3": "0.000"}
    for name, printed in correct.items():
        R.assert_printed(after[name], printed, name)
    assert got["parameters_final"] == after


def test_full_precision_against_reference(got, ref):
    # [ref] every forward value, loss, gradient and parameter of both samples
    # to 1e-9 relative (the hidden-layer gradients of sample 1 are as small as
    # 4e-16 because tanh(-17) is saturated)
    problems = R.compare_run(got, ref)
    assert not problems, R.report(problems)
