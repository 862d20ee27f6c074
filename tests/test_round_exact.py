"""--round-steps (a hand calculation rounded at every step) and --exact (rationals, closed forms, any digits).

Numbers come from independent sources only:

* the seed sheet's sample 1, where its arithmetic is right (o = -0.6, y = 0.354, e^0.6/(1+e^0.6)^2
  = 0.229, w31 = 1 - 0.1(0.646) = 0.935, w41 = 0.565, w51 = 0.035);
* a hand-rounding oracle written here for the sheet's 2-3-1 network (Decimal arithmetic for sums
  and products, mpmath at 40 digits for tanh and e^x, every displayed result rounded half up);
* the mpmath reference of ``tests/reference.py`` (forward pass from the definitions, gradients by
  110-digit finite differences of the loss), fed the problem's decimals exactly.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from mpmath import mp, mpf

import reference as R
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = ROOT / "samples" / "q3.json"


def run_json(*args: str) -> dict:
    r = CliRunner().invoke(main, ["run", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


# --- the hand-rounding oracle ------------------------------------------------------------------


def hand_q3(decimals: int) -> list[dict]:
    """The seed sheet's question 3 worked by hand, every result rounded to ``decimals`` places (half up).

    Rounded: each pre-activation, activation, the loss, each chain factor (dL/dy, dy/do, dL/dH_k,
    dH_k/dα_k, computed from the rounded α_k as the sheet does), each gradient (the product of its
    rounded chain factors), each η·gradient and each new parameter.
    """
    q = Decimal(1).scaleb(-decimals)

    def r(x) -> Decimal:
        if isinstance(x, Decimal):
            return x.quantize(q, rounding=ROUND_HALF_UP)
        with mp.workdps(40):
            return Decimal(mp.nstr(x, 40, strip_zeros=False)).quantize(q, rounding=ROUND_HALF_UP)

    def m(d: Decimal) -> mpf:
        return mpf(str(d))

    problem = json.loads(Q3.read_text(), parse_float=Decimal)
    p = {k: Decimal(v) for k, v in problem["parameters"].items()}
    lr = Decimal(problem["learning_rate"])
    out = []
    with mp.workdps(40):
        for s in problem["samples"]:
            f = [Decimal(s["f1"]), Decimal(s["f2"])]
            t = Decimal(s["t"])
            fw: dict[str, Decimal] = {}
            for j in (1, 2, 3):
                fw[f"alpha_H{j}"] = r(f[0] * p[f"w1{j}"] + f[1] * p[f"w2{j}"] + p[f"b{j}"])
            for j in (1, 2, 3):
                fw[f"H{j}"] = r(mp.tanh(m(fw[f"alpha_H{j}"])))
            fw["o"] = r(fw["H1"] * p["w31"] + fw["H2"] * p["w41"] + fw["H3"] * p["w51"] + p["b4"])
            o = m(fw["o"])
            fw["y"] = r(1 / (1 + mp.exp(-o)))
            y = m(fw["y"])
            loss = r(-m(t) * mp.log(y) - (1 - m(t)) * mp.log(1 - y))
            fac: dict[str, Decimal] = {}
            fac["dL/dy"] = r((y - m(t)) / (y * (1 - y)))
            fac["dy/do"] = r(mp.exp(-o) / (1 + mp.exp(-o)) ** 2)
            delta_o = r(fac["dL/dy"] * fac["dy/do"])
            w_out = {1: "w31", 2: "w41", 3: "w51"}
            for j in (1, 2, 3):
                a = m(fw[f"alpha_H{j}"])
                fac[f"do/dH{j}"] = p[w_out[j]]
                fac[f"dL/dH{j}"] = r(p[w_out[j]] * delta_o)
                fac[f"dH{j}/dalpha_H{j}"] = r(4 * mp.exp(-2 * a) / (1 + mp.exp(-2 * a)) ** 2)
            grads: dict[str, Decimal] = {}
            for j in (1, 2, 3):
                head = fac["dL/dy"] * fac["dy/do"] * p[w_out[j]] * fac[f"dH{j}/dalpha_H{j}"]
                grads[f"w1{j}"] = r(head * f[0])
                grads[f"w2{j}"] = r(head * f[1])
                grads[f"b{j}"] = r(head)
            for j in (1, 2, 3):
                grads[w_out[j]] = r(fac["dL/dy"] * fac["dy/do"] * fw[f"H{j}"])
            grads["b4"] = r(fac["dL/dy"] * fac["dy/do"])
            steps = {k: r(lr * g) for k, g in grads.items()}
            after = {k: r(p[k] - steps[k]) for k in p}
            out.append({"forward": fw, "loss": loss, "factors": fac, "gradients": grads, "steps": steps, "after": after})
            p = after
    return out


# --- hand-rounded ---------------------------------------------------------------------------------


def test_round_steps_3_reproduces_the_sheets_sample_1() -> None:
    d = run_json(str(Q3), "--round-steps", "3")
    assert d["mode"] == "rounded:3" and d["round_steps"] == 3
    s1 = d["samples"][0]
    # the sheet: o = -1 + 0.5(1) + 0.1(-1) = -0.6; y = 1/(1 + e^0.6) = 0.354; e^0.6/(1+e^0.6)^2 = 0.229
    assert s1["forward"]["o"] == -0.6
    assert s1["forward"]["y"] == 0.354
    assert s1["factors"]["dy/do"] == 0.229
    # tanh(-9), tanh(8), tanh(-17) to 3 decimals: -1, 1, -1 (the sheet's values)
    assert [s1["forward"][h] for h in ("H1", "H2", "H3")] == [-1.0, 1.0, -1.0]
    # dL/dy = (0.354 - 1)/(0.354 (1 - 0.354)) = -1/0.354 = -2.8249 -> -2.825
    assert s1["factors"]["dL/dy"] == -2.825
    # the sheet's updates where its arithmetic is right: w31 = 1 - 0.1(0.646) = 0.935, w41 = 0.565, w51 = 0.035
    after = s1["parameters_after"]
    assert (after["w31"], after["w41"], after["w51"]) == (0.935, 0.565, 0.035)
    # β4 = 0 - 0.1(-0.646) = 0.065; the sheet's 0.646 drops the learning rate
    assert after["b4"] == 0.065
    # the sheet's "≈ 0" hidden gradients: 4e^{-18}/(1+e^{-18})^2 = 6.1e-8 rounds to 0, nothing moves
    assert all(s1["gradients"][k] == 0 for k in ("w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3"))
    assert [after[k] for k in ("w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3")] == [
        -0.1, 0.05, 0, 0.1, -0.1, 0, -0.2, 0.15, 0,
    ]
    # The sheet writes dL/dw31 = -1/0.354 × 0.229 × -1 = 0.646, but its own rounded factors give
    # 2.825 × 0.229 = 0.646925 -> 0.647 (0.646 is the unrounded 0.64566 rounded): bpcalc shows the
    # hand product of what it displays.
    assert s1["gradients"]["w31"] == 0.647


@pytest.mark.parametrize("decimals", [2, 3, 4])
def test_round_steps_match_an_independent_hand_calculation(decimals: int) -> None:
    d = run_json(str(Q3), "--round-steps", str(decimals))
    hand = hand_q3(decimals)
    assert len(d["samples"]) == len(hand) == 2
    for got, want in zip(d["samples"], hand):
        where = f"sample {got['sample']}, {decimals} decimals"
        for k, v in want["forward"].items():
            assert got["forward"][k] == float(v), f"{where}: {k}"
        assert got["loss"] == float(want["loss"]), f"{where}: loss"
        for k, v in want["factors"].items():
            assert got["factors"][k] == float(v), f"{where}: {k}"
        for k, v in want["gradients"].items():
            assert got["gradients"][k] == float(v), f"{where}: dL/d{k}"
            assert got["update"]["steps"][k] == float(want["steps"][k]), f"{where}: η·dL/d{k}"
            assert got["parameters_after"][k] == float(want["after"][k]), f"{where}: {k} after"


def test_rounding_is_half_up_on_the_decimal_value_not_the_double() -> None:
    from bpcalc.arith import RoundedMath

    m = RoundedMath(3)
    # 0.1 × 0.565 is 0.056499999999999995 as a double; on paper it is 0.0565 -> 0.057
    assert m.step(0.1 * 0.565) == 0.057
    assert m.step(0.0645) == 0.065 and m.step(-0.0645) == -0.065
    assert m.step(2.825 * 0.229) == 0.647
    assert str(m.step(-0.0004)) == "0.0"  # no negative zero


def test_round_steps_tables_show_the_rounded_decimals() -> None:
    r = CliRunner().invoke(main, ["run", str(Q3), "--round-steps", "4", "--sample", "1", "--show", "forward", "--format", "plain"])
    assert r.exit_code == 0
    assert "every step rounded to 4 decimals" in " ".join(r.output.split())
    # y = σ(-0.6) = 0.35434369... -> 0.3543 by hand
    assert "1/(1 + e^(0.6000))" in r.output and " 0.3543" in r.output


# --- exact ----------------------------------------------------------------------------------------


def _decimal_problem(path: Path) -> dict:
    """The problem with every number as its decimal string, for the reference to read exactly."""
    return json.loads(path.read_text(), parse_float=str)


def _close(got: str, want: mpf, digits: int, what: str) -> None:
    g = mpf(got)
    tol = mpf(10) ** (-(digits - 2)) * max(abs(want), mpf(10) ** -60)
    assert abs(g - want) <= tol, f"{what}: bpcalc {got}, reference {mp.nstr(want, digits + 5)}"


def _check_exact_against_reference(path: Path, digits: int) -> None:
    got = run_json(str(path), "--exact", "--digits", str(digits))
    assert got["mode"] == "exact" and got["digits"] == digits
    want = R.train(_decimal_problem(path))
    for g, w in zip(got["samples"], want["samples"]):
        where = f"{path.name} epoch {g['epoch']} sample {g['sample']}"
        dec = g["exact"]["decimals"]
        for k, v in w["forward"].items():
            _close(dec["forward"][k], v, digits, f"{where}: {k}")
        _close(dec["loss"], w["loss"], digits, f"{where}: loss")
        for k, v in w["gradients"].items():
            _close(dec["gradients"][k], v, digits, f"{where}: dL/d{k}")
        for k, v in w["parameters_after"].items():
            _close(dec["parameters_after"][k], v, digits, f"{where}: {k} after")


def test_exact_q3_agrees_with_the_reference_to_30_digits() -> None:
    with mp.workdps(50):
        _check_exact_against_reference(Q3, 30)


SOFTMAX_BATCH = {
    "title": "relu, leaky relu, softmax + ce, batch, frozen, two epochs",
    "network": {"layers": [3, 3, 2, 2], "activations": ["relu", "leaky_relu", "softmax"], "loss": "ce"},
    "learning_rate": 0.5,
    "epochs": 2,
    "update": "batch",
    "frozen": ["w11", "b4"],
    "parameters": {
        "w11": 0.1, "w21": -0.2, "w31": 0.3, "b1": 0.01,
        "w12": 0.2, "w22": 0.1, "w32": -0.1, "b2": 0,
        "w13": -0.3, "w23": 0.2, "w33": 0.1, "b3": 0.02,
        "w41": 0.1, "w51": 0.2, "w61": -0.1, "b4": 0,
        "w42": -0.2, "w52": 0.1, "w62": 0.2, "b5": 0.1,
        "w71": 0.5, "w81": -0.4, "b6": 0, "w72": -0.3, "w82": 0.2, "b7": 0.05,
    },
    "samples": [{"f1": 1, "f2": 0.5, "f3": -1, "t1": 1, "t2": 0}, {"f1": -0.5, "f2": 2, "f3": 0.25, "t1": 0, "t2": 1}],
}

SIGMOID_MSE = {
    "network": {"layers": [2, 2, 2], "activations": ["sigmoid", "linear"], "loss": "mse", "bias": False},
    "learning_rate": 0.25,
    "parameters": {"w11": 0.15, "w21": 0.2, "w12": 0.25, "w22": 0.3, "w31": 0.4, "w41": 0.45, "w32": 0.5, "w42": 0.55},
    "samples": [{"f1": 0.05, "f2": 0.1, "t1": 0.01, "t2": 0.99}, {"f1": 1, "f2": -1, "t1": 0.5, "t2": 0.25}],
}


@pytest.mark.parametrize("problem", [SOFTMAX_BATCH, SIGMOID_MSE], ids=["softmax-batch-frozen", "sigmoid-linear-mse"])
def test_exact_agrees_with_the_reference_on_other_networks(problem: dict, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))
    with mp.workdps(50):
        _check_exact_against_reference(path, 25)


def test_exact_agrees_with_float_to_float_precision() -> None:
    exact = run_json(str(Q3), "--exact")
    floats = run_json(str(Q3))
    for e, f in zip(exact["samples"], floats["samples"]):
        for key in ("forward", "gradients", "factors", "parameters_after"):
            for k, v in f[key].items():
                assert e[key][k] == pytest.approx(v, rel=1e-12, abs=1e-300), f"{key}.{k}"
        assert e["loss"] == pytest.approx(f["loss"], rel=1e-12)


def test_exact_closed_forms_are_the_sheets_expressions() -> None:
    d = run_json(str(Q3), "--exact", "--sample", "1")
    closed = d["samples"][0]["exact"]["closed_forms"]
    dec = d["samples"][0]["exact"]["decimals"]
    # α_H1 = 100(-1/10) + 20(1/20) + 0 = -9 exactly: a rational, shown as its decimal, no closed form
    assert dec["forward"]["alpha_H1"] == "-9" and "alpha_H1" not in closed["forward"]
    # H1 = tanh(-9) = -tanh(9); o = H1·1 + H2·(1/2) + H3·(1/10) + 0 (by hand)
    t = sp.tanh
    assert sp.simplify(sp.sympify(closed["forward"]["H1"]) - t(-9)) == 0
    o = t(-9) + t(8) / 2 + t(-17) / 10
    assert sp.simplify(sp.sympify(closed["forward"]["o"]) - o) == 0
    # y = 1/(1 + e^{-o}); dL/dβ4 = y - t = y - 1 (by hand)
    assert sp.simplify(sp.sympify(closed["forward"]["y"]) - 1 / (1 + sp.exp(-o))) == 0
    assert sp.simplify(sp.sympify(closed["gradients"]["b4"]) - (1 / (1 + sp.exp(-o)) - 1)) == 0
    # and the closed forms' values (SymPy at 40 digits) agree with the reference
    with mp.workdps(50):
        ref = R.train(_decimal_problem(Q3))["samples"][0]
        for k in ("H1", "H2", "H3", "o", "y"):
            _close(str(sp.N(sp.sympify(closed["forward"][k]), 40)), ref["forward"][k], 35, k)


def test_exact_shows_closed_forms_next_to_decimals() -> None:
    # at 120 columns the substituted sums of the exact table fit on one line (piped output is 100 by default)
    args = ["run", str(Q3), "--exact", "--sample", "1", "--show", "forward", "--format", "plain", "--width", "120"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "exact arithmetic, 10 significant digits" in " ".join(r.output.split())
    # tanh(-9) = -0.99999996954004... (mpmath): 10 significant digits, closed form beside it
    line = next(x for x in r.output.splitlines() if x.startswith("H1 "))
    assert "-0.9999999695" in line and "-tanh(9)" in line
    assert "100·(-0.1) + 20·(0.05) + 0" in r.output  # the file's decimals, exactly


def test_exact_digits_sets_significant_digits() -> None:
    d = run_json(str(Q3), "--exact", "--digits", "40", "--sample", "1")
    y = d["samples"][0]["exact"]["decimals"]["forward"]["y"]
    assert len(y.replace("0.", "", 1)) == 40
    with mp.workdps(60):
        _close(y, R.train(_decimal_problem(Q3))["samples"][0]["forward"]["y"], 40, "y")


def test_exact_stays_fast_over_many_updates(tmp_path: Path) -> None:
    # closed forms nest every earlier update; past a size only the decimals are carried on
    import time

    problem = json.loads(Q3.read_text())
    problem["epochs"] = 10
    path = tmp_path / "q3x10.json"
    path.write_text(json.dumps(problem))
    start = time.perf_counter()
    d = run_json(str(path), "--exact", "--digits", "20")
    assert time.perf_counter() - start < 30
    assert len(d["samples"]) == 20
    with mp.workdps(50):
        want = R.train(_decimal_problem(path))["parameters_final"]
    for k, v in want.items():
        assert d["parameters_final"][k] == pytest.approx(float(v), rel=1e-12, abs=1e-300)
