"""Published worked examples with the parametrised activations, reproduced to their printed digits.

As in test_published_more.py: every expected number is one the SOURCE PRINTS, asserted to its
printed digits (``R.assert_printed``); where a source prints a wrong number the comment says why
and the test asserts the correct value instead, marked [correct], from tests/reference.py (an
independent 110-digit implementation) rounded by hand to the source's digits. Each test also
compares the whole run with the reference at 1e-9 relative.

Sources:
  * studyx.ai homework 110840372: the delta learning rule for one continuous bipolar perceptron
    (f(net) = 2/(1 + e^(−λnet)) − 1, λ = 1, f' = ½(1 − O²)), four inputs, learning rate 0.2, two
    patterns; the posted answer slips twice on f'.
"""

from __future__ import annotations

import reference as R

SAMPLES = R.SAMPLES_DIR
DELTA = "studyx_delta_rule_bipolar.json"


def test_delta_rule_metadata_and_shape():
    p = R.load_sample(DELTA)
    assert "studyx.ai" in p["source"] and "110840372" in p["source"]
    assert p["network"] == {"layers": [4, 1], "activations": ["bipolar_sigmoid"], "loss": "half_sse", "bias": False}
    assert len(p["notes"]) >= 3


def test_delta_rule_pattern_1(run_json):
    s1 = run_json(SAMPLES / DELTA)["samples"][0]
    assert s1["forward"]["o"] == 5                                    # printed net1 = 5
    R.assert_printed(s1["forward"]["y"], "0.9866", "O1")              # printed O1 = 2/(1+e^(-5)) - 1 = 0.9866
    R.assert_printed(-s1["factors"]["dL/dy"], "0.0134", "Error1")     # printed Error1 = d1 - O1 = 0.0134
    # printed f'(net) = 1/2(1 - 0.9866²) = 0.0134: that is 1 - O1; ½(1 − 0.9866²) = ½·0.02662 = 0.0133 [correct]
    R.assert_printed(s1["factors"]["dy/do"], "0.0133", "f'(net1) [correct]")
    # printed ΔW1 = 0.2 × 0.0134 × 0.0134 × X1 = [0 -0.0000359 0.0000718 0.0000359], from the slip;
    # 0.2 × 0.013386 × 0.013296 = 0.0000356 [correct]
    steps = s1["update"]["steps"]
    assert steps["w11"] == 0                                          # printed 0 (X1 starts with 0)
    R.assert_printed(-steps["w21"], "-0.0000356", "ΔW1[2] [correct]")
    R.assert_printed(-steps["w31"], "0.0000712", "ΔW1[3] [correct]")
    R.assert_printed(-steps["w41"], "0.0000356", "ΔW1[4] [correct]")
    after = s1["parameters_after"]
    assert after["w11"] == 1                                          # printed W2 = [1 ...]
    # printed W2 = [1 -1.0000359 1.0000718 2.0000359], carrying the slip [correct below]
    R.assert_printed(after["w21"], "-1.0000356", "W2[2] [correct]")
    R.assert_printed(after["w31"], "1.0000712", "W2[3] [correct]")
    R.assert_printed(after["w41"], "2.0000356", "W2[4] [correct]")


def test_delta_rule_pattern_2(run_json):
    s2 = run_json(SAMPLES / DELTA)["samples"][1]
    # printed net2 = 4.0001436 from its W2; with the right W2: 1 + 2.0000712 + 1.0000712 = 4.0001424 [correct]
    R.assert_printed(s2["forward"]["o"], "4.0001424", "net2 [correct]")
    R.assert_printed(s2["forward"]["y"], "0.9640", "O2")              # printed O2 = 0.9640
    R.assert_printed(-s2["factors"]["dL/dy"], "-1.9640", "Error2")    # printed Error2 = -1 - 0.9640 = -1.9640
    # printed f'(net) = 1/2(1 - 0.9640²) = 0.0357; ½(1 − 0.929296) = 0.0354 (0.0353 from O2 = 0.964033) [correct]
    R.assert_printed(s2["factors"]["dy/do"], "0.0353", "f'(net2) [correct]")
    # printed ΔW2 = 0.2 × -1.9640 × 0.0357 × X2 = [-0.0140 0.0280 -0.0140 0];
    # 0.2 × −1.96403 × 0.035321 = −0.013874 [correct]
    steps = s2["update"]["steps"]
    R.assert_printed(-steps["w11"], "-0.0139", "ΔW2[1] [correct]")
    R.assert_printed(-steps["w21"], "0.0277", "ΔW2[2] [correct]")
    R.assert_printed(-steps["w31"], "-0.0139", "ΔW2[3] [correct]")
    assert steps["w41"] == 0                                          # printed 0 (X2 ends with 0)


def test_delta_rule_matches_reference(run_json):
    R.assert_matches_reference(run_json(SAMPLES / DELTA), R.load_sample(DELTA))


def test_delta_rule_is_the_delta_rule(run_json):
    # ΔW = a·(d − O)·½(1 − O²)·X computed here from the printed formula, at full precision, for
    # both patterns in turn: bpcalc's p − η·dL/dp on ½(d − O)² is the same update.
    from mpmath import mp, mpf

    p = R.load_sample(DELTA)
    w = [mpf(p["parameters"][k]) for k in ("w11", "w21", "w31", "w41")]
    got = run_json(SAMPLES / DELTA)["samples"]
    with mp.workdps(40):
        for s, g in zip(p["samples"], got):
            x = [mpf(s[f"f{i}"]) for i in range(1, 5)]
            o = 2 / (1 + mp.exp(-mp.fsum(wi * xi for wi, xi in zip(w, x)))) - 1
            w = [wi + mpf("0.2") * (s["t"] - o) * (1 - o * o) / 2 * xi for wi, xi in zip(w, x)]
            for k, v in zip(("w11", "w21", "w31", "w41"), w):
                assert R.is_close(g["parameters_after"][k], v), k
