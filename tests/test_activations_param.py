"""Activations with parameters: leaky_relu's slope, relu's derivative at 0, bipolar_sigmoid, scaled_tanh.

Every expected number comes from an independent source:

* the mpmath reference of ``tests/reference.py`` (forward pass from the definitions, written there
  independently: 2/(1 + e^(−λx)) − 1, a·tanh(b·x), max(s·x, x); gradients by 110-digit central
  finite differences of the loss), at 1e-9 relative;
* a hand-rounding oracle below (Decimal sums and products, mpmath for the functions and
  ``mp.diff`` — numerical differentiation of the definitions — for their derivatives, every shown
  result rounded half up);
* hand derivations in the comments (relu at exactly 0, the saturated tails).
"""

from __future__ import annotations

import json
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from click.testing import CliRunner
from mpmath import mp, mpf

import reference as R
import test_reference_gradients as RG
from bpcalc.arith import FloatMath
from bpcalc.cli import main
from bpcalc.derive import build, delta_name
from bpcalc.evaluate import evaluate
from bpcalc.problem import build_problem
from test_derive import _full_expression
from test_round_exact import _check_exact_against_reference

SPECS: list[Any] = [
    {"name": "leaky_relu", "slope": 0.1},
    {"name": "leaky_relu", "slope": 0.2},
    "bipolar_sigmoid",
    {"name": "bipolar_sigmoid", "slope": 0.5},
    {"name": "bipolar_sigmoid", "slope": 2},
    "scaled_tanh",
    {"name": "scaled_tanh", "a": 1.7159, "b": 0.6667},
    {"name": "scaled_tanh", "a": 2, "b": 0.5},
    {"name": "relu", "derivative_at_zero": 1},
    {"name": "relu", "derivative_at_zero": 0.5},
]


def _id(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    return spec["name"] + "-" + "-".join(f"{k}{v}" for k, v in spec.items() if k != "name")


def run_json(problem: dict, tmp_path: Path, *args: str) -> dict:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))
    r = CliRunner().invoke(main, ["run", str(path), "--format", "json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


# --- 1. random networks against the reference ---------------------------------------------------

# each activation as the first hidden layer (with a sigmoid+bce or linear+mse output) and as the
# output layer (squared-error losses: its range is not (0, 1))
PLACES = [("hidden", "sigmoid", "bce"), ("hidden", "linear", "mse"), ("output", None, "half_sse"), ("output", None, "sse")]


def _random_cases() -> list[tuple[str, dict, dict]]:
    rng = random.Random(20261201)
    cases = []
    for spec in SPECS:
        for where, out, loss in PLACES:
            hidden, out_act = (spec, out) if where == "hidden" else (rng.choice(["tanh", "sigmoid", spec]), spec)
            for _ in range(50):
                problem = RG._draw_problem(rng, hidden, out_act, loss, (1, 2), bias=True, n_samples=2)
                ref = R.train(problem)
                if RG._well_conditioned(problem, ref):
                    break
            else:  # pragma: no cover - generator would need retuning
                raise RuntimeError("no well-conditioned draw")
            cases.append((f"{_id(spec)}-{where}-{loss}", problem, ref))
    return cases


_CASES = _random_cases()


@pytest.mark.parametrize("case", _CASES, ids=[c[0] for c in _CASES])
def test_random_network_matches_reference(case: tuple[str, dict, dict], run_json: Any) -> None:
    cid, problem, ref = case
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, f"case {cid}\n" + R.report(problems)


def test_reference_is_written_from_the_definitions() -> None:
    # the reference's own forward rules, checked at points worked by hand
    with mp.workdps(40):
        # Fausett: f(x) = 2/(1 + e^−x) − 1 = tanh(x/2); f(0.6) = tanh(0.3) = 0.2913126124515909...
        assert abs(R.Network.activate("bipolar_sigmoid", [mpf("0.6")])[0] - mp.tanh(mpf("0.3"))) < mpf(10) ** -35
        # Zurada's steepness λ = 2: f(x) = tanh(x)
        y = R.Network.activate("bipolar_sigmoid", [mpf("0.6")], {"slope": mpf(2)})[0]
        assert abs(y - mp.tanh(mpf("0.6"))) < mpf(10) ** -35
        # LeCun: f(1) = 1.7159·tanh(2/3) = 1.0000... (he chose the constants so that f(±1) = ±1)
        assert abs(R.Network.activate("scaled_tanh", [mpf(1)])[0] - 1) < mpf("5e-5")
        assert R.Network.activate("leaky_relu", [mpf(-2)], {"slope": mpf("0.2")})[0] == mpf("-0.4")


# --- 2. hand-rounded: an independent oracle -------------------------------------------------------


def _mp_function(spec: Any):
    """The activation as a function of an mpf, from its definition (as the problem file names it)."""
    name = spec if isinstance(spec, str) else spec["name"]
    p = {} if isinstance(spec, str) else spec
    if name == "bipolar_sigmoid":
        lam = mpf(str(p.get("slope", 1)))
        return lambda x: 2 / (1 + mp.exp(-lam * x)) - 1
    if name == "scaled_tanh":
        a, b = mpf(str(p.get("a", "1.7159"))), mpf(str(p["b"])) if "b" in p else mpf(2) / 3
        return lambda x: a * mp.tanh(b * x)
    if name == "leaky_relu":
        s = mpf(str(p.get("slope", "0.01")))
        return lambda x: x if x > 0 else s * x
    raise ValueError(name)


def hand_1_1_1(problem: dict, decimals: int) -> dict:
    """A 1-1-1 net with half squared error worked by hand, every shown result rounded half up (the
    sheet's way: each factor rounded, the derivatives from the rounded pre-activations, each gradient
    the rounded product of its rounded factors)."""
    q = Decimal(1).scaleb(-decimals)

    def r(x: Any) -> Decimal:
        if isinstance(x, Decimal):
            return x.quantize(q, rounding=ROUND_HALF_UP)
        return Decimal(mp.nstr(x, 40, strip_zeros=False)).quantize(q, rounding=ROUND_HALF_UP)

    f_hidden, f_out = (_mp_function(a) for a in problem["network"]["activations"])
    p = {k: Decimal(str(v)) for k, v in problem["parameters"].items()}
    lr = Decimal(str(problem["learning_rate"]))
    s = problem["samples"][0]
    x, t = Decimal(str(s["f1"])), Decimal(str(s["t"]))
    with mp.workdps(40):
        fw = {"alpha_H1": r(x * p["w11"] + p["b1"])}
        fw["H1"] = r(f_hidden(mpf(str(fw["alpha_H1"]))))
        fw["o"] = r(fw["H1"] * p["w21"] + p["b2"])
        fw["y"] = r(f_out(mpf(str(fw["o"]))))
        fac = {
            "dL/dy": r(fw["y"] - t),
            "dy/do": r(mp.diff(f_out, mpf(str(fw["o"])))),
            "dH1/dalpha_H1": r(mp.diff(f_hidden, mpf(str(fw["alpha_H1"])))),
        }
        out = fac["dL/dy"] * fac["dy/do"]
        grads = {
            "w11": r(out * p["w21"] * fac["dH1/dalpha_H1"] * x),
            "b1": r(out * p["w21"] * fac["dH1/dalpha_H1"]),
            "w21": r(out * fw["H1"]),
            "b2": r(out),
        }
        loss = r((mpf(str(fw["y"])) - mpf(str(t))) ** 2 / 2)
    steps = {k: r(lr * g) for k, g in grads.items()}
    after = {k: r(p[k] - steps[k]) for k in grads}
    return {"forward": fw, "loss": loss, "factors": fac, "gradients": grads, "steps": steps, "after": after}


HAND = [
    ("bipolar_sigmoid", {"name": "bipolar_sigmoid", "slope": 2}),
    ("scaled_tanh", {"name": "leaky_relu", "slope": 0.2}),
    ({"name": "leaky_relu", "slope": 0.1}, {"name": "scaled_tanh", "a": 1, "b": 0.5}),
    ({"name": "bipolar_sigmoid", "slope": 0.5}, "scaled_tanh"),
]


@pytest.mark.parametrize("acts", HAND, ids=[f"{_id(a)}+{_id(b)}" for a, b in HAND])
@pytest.mark.parametrize("decimals", [3, 4])
def test_round_steps_match_a_hand_calculation(acts: tuple[Any, Any], decimals: int, tmp_path: Path) -> None:
    problem = {
        "network": {"layers": [1, 1, 1], "activations": list(acts), "loss": "half_sse"},
        "learning_rate": 0.5,
        "parameters": {"w11": -0.85, "b1": 0.35, "w21": 1.3, "b2": -0.45},
        "samples": [{"f1": 1.5, "t": 0.25}],
    }
    got = run_json(problem, tmp_path, "--round-steps", str(decimals))["samples"][0]
    want = hand_1_1_1(problem, decimals)
    for k, v in want["forward"].items():
        assert got["forward"][k] == float(v), k
    assert got["loss"] == float(want["loss"])
    for k, v in want["factors"].items():
        assert got["factors"][k] == float(v), k
    for k, v in want["gradients"].items():
        assert got["gradients"][k] == float(v), f"dL/d{k}"
        assert got["update"]["steps"][k] == float(want["steps"][k]), f"η·dL/d{k}"
        assert got["parameters_after"][k] == float(want["after"][k]), f"{k} after"


# --- 3. exact arithmetic: the reference to 25 digits ---------------------------------------------


EXACT = {
    "network": {"layers": [2, 2, 2, 1], "loss": "half_sse", "activations": [
        {"name": "bipolar_sigmoid", "slope": 0.5}, {"name": "leaky_relu", "slope": 0.2}, "scaled_tanh"]},
    "learning_rate": 0.3,
    "epochs": 2,
    "parameters": {"w11": 0.4, "w21": -0.7, "b1": 0.1, "w12": 1.1, "w22": 0.3, "b2": -0.2,
                   "w31": 0.9, "w41": -1.2, "b3": 0.05, "w32": -0.6, "w42": 0.8, "b4": 0.15,
                   "w51": 1.4, "w61": -0.9, "b5": 0.2},
    "samples": [{"f1": 1, "f2": -0.5, "t": 0.8}, {"f1": -1.5, "f2": 2, "t": -0.4}],
}


def test_exact_agrees_with_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "exact.json"
    path.write_text(json.dumps(EXACT))
    with mp.workdps(50):
        _check_exact_against_reference(path, 25)


def test_exact_closed_forms(tmp_path: Path) -> None:
    problem = {
        "network": {"layers": [1, 1], "activations": [{"name": "scaled_tanh", "a": 2, "b": 0.5}], "loss": "half_sse"},
        "learning_rate": 0.5, "parameters": {"w11": 1, "b1": 0}, "samples": [{"f1": 0.6, "t": 0}],
    }
    closed = run_json(problem, tmp_path, "--exact")["samples"][0]["exact"]["closed_forms"]
    # y = 2·tanh(0.5·0.6) = 2·tanh(3/10); dL/db1 = (y − t)·dy/do = y·2·0.5·(1 − tanh²(3/10)) (by hand)
    h = sp.tanh(sp.Rational(3, 10))
    assert sp.simplify(sp.sympify(closed["forward"]["y"]) - 2 * h) == 0
    assert abs(sp.N(sp.sympify(closed["gradients"]["b1"]) - 2 * h * (1 - h**2), 50)) < 1e-45


# --- 4. the symbolic derivation agrees with the evaluator ----------------------------------------


DERIVE = [
    ([2, 2, 1], ["bipolar_sigmoid", {"name": "leaky_relu", "slope": 0.1}], "half_sse"),
    ([1, 3, 2], [{"name": "bipolar_sigmoid", "slope": 2}, "scaled_tanh"], "mse"),
    ([2, 2, 2, 1], [{"name": "scaled_tanh", "a": 1.7159, "b": 0.6667}, {"name": "relu", "derivative_at_zero": 0.5},
                    "sigmoid"], "bce"),
    ([2, 3, 3], [{"name": "leaky_relu", "slope": 0.2}, "softmax"], "ce"),
]


@pytest.mark.parametrize("layers,acts,loss", DERIVE, ids=[str(i) for i in range(len(DERIVE))])
def test_symbolic_and_numeric_agree(layers: list[int], acts: list[Any], loss: str) -> None:
    rng = random.Random(11)
    names = R.Network({"network": {"layers": layers, "activations": acts, "loss": loss}}).param_names
    sample = {f"f{i}": round(rng.uniform(-1, 1), 2) for i in range(1, layers[0] + 1)}
    sample.update({"t": 1} if layers[-1] == 1 else {f"t{k}": int(k == 1) for k in range(1, layers[-1] + 1)})
    problem = build_problem({
        "network": {"layers": layers, "activations": acts, "loss": loss}, "learning_rate": 0.5,
        "parameters": {n: round(rng.uniform(-0.8, 0.8), 3) for n in names}, "samples": [sample]}, "t.json")
    net = problem.network
    d = build(net)
    params = {k: float(v) for k, v in problem.parameters.items()}
    inputs = {k: float(v) for k, v in problem.samples[0].inputs.items()}
    targets = {k: float(v) for k, v in problem.samples[0].targets.items()}
    p = evaluate(net, FloatMath(), params, inputs, targets)
    values = {**params, **inputs, **targets, **p.forward}
    for name in net.param_names:
        got = float(_full_expression(d, name).subs({sp.Symbol(k): v for k, v in values.items()}))
        assert got == pytest.approx(p.gradients[name], rel=1e-10, abs=1e-14), name
    assert all(delta_name(pre) in d.deltas for pre in p.deltas)  # (derive makes its δs on demand)


# --- 5. relu's derivative at exactly 0 -----------------------------------------------------------


@pytest.mark.parametrize("d0", [0, 0.5, 1])
def test_relu_derivative_at_zero(d0: float, tmp_path: Path) -> None:
    # 1-1-1, relu hidden at α = 1·0.5 − 0.5 = 0 exactly, linear output, L = ½(y − t)²:
    # y = w21·relu(0) + b2 = 0.25, dL/dy = y − t = −0.75, dL/dw11 = (y − t)·w21·relu'(0)·f1
    # = −0.75·2·d0·1 = −1.5·d0 (a finite difference cannot see this choice: it is a convention).
    relu: Any = "relu" if d0 == 0 else {"name": "relu", "derivative_at_zero": d0}
    problem = {
        "network": {"layers": [1, 1, 1], "activations": [relu, "linear"], "loss": "half_sse"},
        "learning_rate": 0.1, "parameters": {"w11": 0.5, "b1": -0.5, "w21": 2, "b2": 0.25},
        "samples": [{"f1": 1, "t": 1}],
    }
    s = run_json(problem, tmp_path)["samples"][0]
    assert s["forward"]["alpha_H1"] == 0
    assert s["factors"]["dH1/dalpha_H1"] == d0
    assert s["gradients"]["w11"] == -1.5 * d0 and s["gradients"]["b1"] == -1.5 * d0
    assert s["gradients"]["w21"] == 0  # relu(0) = 0 whatever the derivative


# --- 6. saturated units ----------------------------------------------------------------------------


SATURATING = ["bipolar_sigmoid", {"name": "bipolar_sigmoid", "slope": 2}, "scaled_tanh", {"name": "scaled_tanh", "a": 1, "b": 0.5}]


@pytest.mark.parametrize("spec", SATURATING, ids=[_id(s) for s in SATURATING])
@pytest.mark.parametrize("x", [40, -40, 800, -800])
@pytest.mark.parametrize("t", [1, 0])
def test_saturated_units_stay_finite_and_accurate(spec: Any, x: int, t: int, run_json: Any) -> None:
    # A 1-1 net with pre-activation o = 1·x: f'(o) is as small as 2λe^(−λ|x|) (≈ 1e-17 at 40,
    # below the doubles at 800). The reference runs at 2000 digits here, where even e^(−800) and
    # 1 − f(800) are carried; its gradients by finite differences of that loss.
    problem = {
        "network": {"layers": [1, 1], "activations": [spec], "loss": "half_sse"},
        "learning_rate": 0.1, "parameters": {"w11": 1, "b1": 0}, "samples": [{"f1": x, "t": t}],
    }
    got = run_json(problem)
    with mp.workdps(2000):
        net = R.Network(problem)
        params = R.initial_parameters(problem, net)
        inputs, targets = net.sample_io(problem["samples"][0])
        named, _, ys = net.forward(params, inputs)
        loss = net.loss_value(ys, targets)
        grads = net.fd_gradients(params, inputs, targets, dps=2000, step_exp=900)
    s = got["samples"][0]
    problems = R.compare_mapping(s["forward"], named, "forward") + R.compare_mapping(s["gradients"], grads, "gradients")
    if not R.is_close(s["loss"], loss):
        problems.append(f"loss: got {s['loss']!r}, expected {mp.nstr(loss, 20)}")
    assert not problems, R.report(problems)


# --- 7. the defaults change nothing ---------------------------------------------------------------


def test_defaults_spell_and_compute_as_the_plain_names(tmp_path: Path) -> None:
    base = {"learning_rate": 0.5, "parameters": {"w11": 0.3, "b1": -0.8, "w21": 1.2, "b2": 0.1},
            "samples": [{"f1": -2, "t": 0.3}]}
    plain = {**base, "network": {"layers": [1, 1, 1], "activations": ["leaky_relu", "relu"], "loss": "half_sse"}}
    spelled = {**base, "network": {"layers": [1, 1, 1], "loss": "half_sse", "activations": [
        {"name": "leaky_relu", "slope": 0.01}, {"name": "relu", "derivative_at_zero": 0}]}}
    a, b = run_json(plain, tmp_path), run_json(spelled, tmp_path)
    assert a == b
    assert a["network"]["activations"] == ["leaky_relu", "relu"]


def test_parameters_are_shown_in_the_header_and_formulas(tmp_path: Path) -> None:
    problem = {
        "network": {"layers": [1, 1, 1], "loss": "half_sse", "activations": [
            {"name": "bipolar_sigmoid", "slope": 2}, {"name": "leaky_relu", "slope": 0.1}]},
        "learning_rate": 0.5, "parameters": {"w11": 0.3, "b1": -0.8, "w21": 1.2, "b2": 0.1},
        "samples": [{"f1": -2, "t": 0.3}],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))
    out = CliRunner().invoke(main, ["run", str(path), "--format", "plain", "--show", "forward"]).output
    assert out.splitlines()[0].startswith("1-1-1 network · activations bipolar_sigmoid(slope=2), leaky_relu(slope=0.1) · loss")
    # α_H1 = −2·0.3 − 0.8 = −1.4; H1 = 2/(1 + e^(−2·(−1.4))) − 1 = tanh(−1.4) = −0.885 (by hand)
    assert "H1         2/(1 + e^(-2·α_H1)) - 1   2/(1 + e^(-2·(-1.400))) - 1               -0.885" in out
    # o = −0.885·1.2 + 0.1 = −0.962 (from the unrounded H1: −0.96326); y = 0.1·o = −0.0963: the slope 0.1, not 0.01
    assert "y          o if o > 0, else 0.1·o    -0.962 if -0.962 > 0, else 0.1·(-0.962)   -0.096" in out
    tex = CliRunner().invoke(main, ["run", str(path), "--format", "latex", "--latex-body"]).output
    assert "H_{1} &= \\frac{2}{1 + e^{-2 \\alpha_{H_{1}}}} - 1 = \\frac{2}{1 + e^{-2 \\cdot (-1.400)}} - 1 = -0.885 \\\\" in tex
    assert "y &= \\begin{cases} o & \\text{if } o > 0 \\\\ 0.1 o & \\text{otherwise} \\end{cases}" in tex
    # f' = 2λe^(−λz)/(1 + e^(−λz))² with λ = 2 at z = −1.4: 4e^2.8/(1 + e^2.8)² = 0.216 (= (λ/2)(1 − H1²), by hand)
    grads = CliRunner().invoke(main, ["run", str(path), "--format", "plain", "--show", "gradients"]).output
    assert "dH1/dα_H1   4·e^(-2·α_H1)/(1 + e^(-2·α_H1))²   4·e^(-2·(-1.400))/(1 + e^(-2·(-1.400)))²    0.216" in grads
    assert "dy/do       1 if o > 0, else 0.1               1 if -0.962 > 0, else 0.1                   0.100" in grads


# --- 8. bad values ---------------------------------------------------------------------------------


BAD = [
    ({"name": "leaky_relu", "slope": "0.1"}, "network.activations[0].slope", 'expected a number between 0 and 1, got the text "0.1"; write it as a JSON number'),
    ({"name": "leaky_relu", "slope": 1.5}, "network.activations[0].slope", "expected a number between 0 and 1, got 1.5"),
    ({"name": "leaky_relu", "slope": 0}, "network.activations[0].slope", "expected a number between 0 and 1, got 0"),
    ({"name": "leaky_relu", "alpha": 0.1}, "network.activations[0].alpha", "unknown parameter of leaky_relu; leaky_relu takes slope"),
    ({"name": "relu", "derivative_at_zero": 0.3}, "network.activations[0].derivative_at_zero", "expected 0, 0.5 or 1, got 0.3"),
    ({"name": "relu", "derivative_at_zero": True}, "network.activations[0].derivative_at_zero", "expected 0, 0.5 or 1, got true"),
    ({"name": "bipolar_sigmoid", "slope": -1}, "network.activations[0].slope", "expected a positive number, got -1"),
    ({"name": "scaled_tanh", "a": 0}, "network.activations[0].a", "expected a positive number, got 0"),
    ({"name": "scaled_tanh", "b": -0.5}, "network.activations[0].b", "expected a positive number, got -0.5"),
    ({"name": "scaled_tanh", "a": None}, "network.activations[0].a", "expected a positive number, got null"),
    ({"name": "sigmoid", "slope": 2}, "network.activations[0].slope", "unknown parameter of sigmoid; sigmoid takes no parameters"),
    ({"slope": 2}, "network.activations[0].name", "missing; an activation object needs its name, one of sigmoid, tanh"),
    ({"name": "swish"}, "network.activations[0].name", 'unknown activation "swish"; expected one of sigmoid, tanh'),
    ({"name": 3}, "network.activations[0].name", "expected an activation name, got 3; expected one of"),
    # 1e-999 is between 0 and 1, but its 1000 digits are more than exact arithmetic should carry
    ({"name": "leaky_relu", "slope": "TINY"}, "network.activations[0].slope", "expected a number between 0 and 1 of at most 200 digits, got 1E-999"),
    ({"name": "bipolar_sigmoid", "slope": 1e300}, "network.activations[0].slope", "expected a positive number of at most 200 digits, got 1E+300"),
    ({"name": "scaled_tanh", "a": 1e400}, "network.activations[0].a", "expected a positive number, got 1E+400 (too large for a double)"),
]


@pytest.mark.parametrize("spec,place,message", BAD, ids=[b[1] + ":" + b[2][:30] for b in BAD])
def test_bad_activation_values(spec: Any, place: str, message: str, tmp_path: Path) -> None:
    problem = {"network": {"layers": [1, 1], "activations": [spec], "loss": "half_sse"},
               "learning_rate": 0.5, "parameters": {"w11": 1, "b1": 0}, "samples": [{"f1": 1, "t": 0}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(problem).replace('"TINY"', "1e-999").replace("Infinity", "1e400"))
    for args in (["run", str(path)], ["derive", "-p", "w11", "--problem", str(path)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 2, r.output
        assert r.stdout == "" and "Traceback" not in r.stderr
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"bpcalc: {path}: {place}: {message}"), r.stderr


# --- 9. the JSON Schema says the same ---------------------------------------------------------------


def test_schema_accepts_the_good_and_rejects_the_bad_activations() -> None:
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "bpcalc" / "problem.schema.json").read_text())

    def problem(spec: Any) -> dict:
        return {"network": {"layers": [1, 1], "activations": [spec], "loss": "half_sse"},
                "learning_rate": 0.5, "parameters": {"w11": 1, "b1": 0}, "samples": [{"f1": 1, "t": 0}]}

    for spec in SPECS + [{"name": "sigmoid"}, {"name": "relu"}]:
        jsonschema.validate(problem(spec), schema)
        build_problem(problem(spec), "p.json")
    for spec, _, _ in BAD:
        if spec.get("slope") in ("TINY", 1e300) or spec.get("a") == 1e400:  # numbers the schema cannot tell from others
            continue
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(problem(spec), schema)


# --- 10. check marks a bipolar sheet worked by hand the textbook way --------------------------------


def test_check_accepts_a_hand_worked_bipolar_sheet(tmp_path: Path) -> None:
    # Worked here as Fausett and Zurada do it: every value rounded to 4 decimals, f' = ½(1 + f)(1 − f)
    # from the rounded output, δ_o = (y − t)·f'(o), δ_H = w·δ_o·f'(α), gradient = δ × input.
    problem = {
        "network": {"layers": [2, 2, 1], "activations": ["bipolar_sigmoid", "bipolar_sigmoid"], "loss": "half_sse"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.6, "w21": -0.1, "b1": 0.3, "w12": -0.3, "w22": 0.4, "b2": 0.5,
                       "w31": 0.4, "w41": 0.1, "b3": -0.2},
        "samples": [{"f1": -1, "f2": 1, "t": 1}],
    }
    q = Decimal("0.0001")

    def r(x: Any) -> Decimal:
        return Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)

    def f(z: Decimal) -> Decimal:
        with mp.workdps(30):
            return r(mp.nstr(2 / (1 + mp.exp(-mpf(str(z)))) - 1, 25))

    p = {k: Decimal(str(v)) for k, v in problem["parameters"].items()}
    x1, x2, t, eta, half = Decimal(-1), Decimal(1), Decimal(1), Decimal("0.5"), Decimal("0.5")
    a1, a2 = r(x1 * p["w11"] + x2 * p["w21"] + p["b1"]), r(x1 * p["w12"] + x2 * p["w22"] + p["b2"])
    h1, h2 = f(a1), f(a2)
    o = r(h1 * p["w31"] + h2 * p["w41"] + p["b3"])
    y = f(o)
    do = r((y - t) * half * (1 + y) * (1 - y))
    d1, d2 = r(p["w31"] * do * half * (1 + h1) * (1 - h1)), r(p["w41"] * do * half * (1 + h2) * (1 - h2))
    g = {"w11": r(d1 * x1), "w21": r(d1 * x2), "b1": d1, "w12": r(d2 * x1), "w22": r(d2 * x2), "b2": d2,
         "w31": r(do * h1), "w41": r(do * h2), "b3": do}
    after = {k: r(p[k] - r(eta * v)) for k, v in g.items()}
    # by hand: α_H1 = 0.6·(−1) − 0.1 + 0.3 = −0.4, H1 = (1 − e^0.4)/(1 + e^0.4) = −0.1974, y = −0.1122
    assert (a1, h1, y) == (Decimal("-0.4000"), Decimal("-0.1974"), Decimal("-0.1122"))
    lines = ["# sample 1", f"alpha_H1 = {a1}, alpha_H2 = {a2}", f"H1 = {h1}, H2 = {h2}", f"o = {o}, y = {y}"]
    lines += [f"dL/d{k} = {v}" for k, v in g.items()] + [f"{k} = {v}" for k, v in after.items()]
    (tmp_path / "p.json").write_text(json.dumps(problem))
    (tmp_path / "hand.txt").write_text("\n".join(lines) + "\n")
    r1 = CliRunner().invoke(main, ["check", str(tmp_path / "p.json"), str(tmp_path / "hand.txt"), "--format", "json"])
    assert r1.exit_code == 0, r1.output
    summary = json.loads(r1.output)["summary"]
    assert summary["checked"] == 24 and summary["right"] == 24
    # and a slip is caught: w31 after written 0.3548 instead of 0.3458
    (tmp_path / "hand.txt").write_text("\n".join(lines).replace(f"w31 = {after['w31']}", "w31 = 0.3548") + "\n")
    r2 = CliRunner().invoke(main, ["check", str(tmp_path / "p.json"), str(tmp_path / "hand.txt"), "--format", "json"])
    assert r2.exit_code == 1 and json.loads(r2.output)["summary"]["wrong"] == 1
