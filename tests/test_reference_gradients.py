"""bpcalc against the independent high-precision reference (tests/reference.py).

Every expected number in this file is computed by ``reference.py`` (mpmath,
forward pass written from the definitions, gradients by central finite
differences of the loss at 110 digits) or derived by hand in the self-check
tests below.  Nothing here is copied from bpcalc's output.

Tolerance: 1e-9 relative, math.isclose-style with an absolute floor of 1e-300
only (so values that are legitimately tiny -- 1e-14 gradients behind a
saturated tanh, a 4e-18 loss behind a saturated sigmoid -- must still be right
to 1e-9 relative).  Values that are exactly 0 in the reference (a dead relu)
must come out as 0 (or a subnormal).  Randomly drawn cases that would be
ill-conditioned in float64 are redrawn (see ``_well_conditioned``): a
pre-activation within 1e-3 of 0 (relu kink / cancellation), a loss < 1e-8,
or a non-zero gradient < 1e-7 of the largest one (a sum that cancels); so a
failure here is a real disagreement, not float64 noise.
"""

from __future__ import annotations

import copy
import random

import pytest
from mpmath import mp, mpf

import reference as R

# ---------------------------------------------------------------------------
# 1. self-checks of the reference (need no bpcalc)
# ---------------------------------------------------------------------------


def _sig(z):
    return 1 / (1 + mp.exp(-z))


def test_reference_fd_matches_hand_derived_1_1_1_sigmoid_half_sse():
    # 1-1-1 net, sigmoid hidden and output, L = 1/2 (y - t)^2.
    # By hand:  h = s(w11 x + b1),  y = s(w21 h + b2)
    #   dL/db2  = (y - t) y (1 - y)
    #   dL/dw21 = (y - t) y (1 - y) h
    #   dL/db1  = (y - t) y (1 - y) w21 h (1 - h)
    #   dL/dw11 = (y - t) y (1 - y) w21 h (1 - h) x
    x, t = mpf("0.7"), mpf("0.2")
    w11, b1, w21, b2 = mpf("0.4"), mpf("-0.3"), mpf("1.3"), mpf("0.25")
    problem = {
        "network": {"layers": [1, 1, 1], "activations": ["sigmoid", "sigmoid"],
                    "loss": "half_sse"},
        "learning_rate": 0.5,
        "parameters": {"w11": "0.4", "b1": "-0.3", "w21": "1.3", "b2": "0.25"},
        "samples": [{"f1": "0.7", "t": "0.2"}],
    }
    h = _sig(w11 * x + b1)
    y = _sig(w21 * h + b2)
    d_out = (y - t) * y * (1 - y)
    d_hid = d_out * w21 * h * (1 - h)
    hand = {"b2": d_out, "w21": d_out * h, "b1": d_hid, "w11": d_hid * x}
    got = R.evaluate(problem)
    assert set(got["gradients"]) == set(hand)
    for name, value in hand.items():
        assert abs(got["gradients"][name] - value) < mpf(10) ** -40 * abs(value), name
    assert abs(got["forward"]["y"] - y) < mpf(10) ** -45
    assert abs(got["forward"]["H1"] - h) < mpf(10) ** -45
    assert abs(got["loss"] - (y - t) ** 2 / 2) < mpf(10) ** -45
    # one SGD step: p - lr * g
    run = R.train(problem)
    after = run["samples"][0]["parameters_after"]
    assert abs(after["w11"] - (w11 - mpf("0.5") * hand["w11"])) < mpf(10) ** -40


def test_reference_fd_matches_hand_derived_tanh_linear_sse_and_mse():
    # 1-1-1, tanh hidden, linear output.  sse: L = (y - t)^2, so
    #   dL/db2 = 2 (y - t),  dL/dw21 = 2 (y - t) h,
    #   dL/db1 = 2 (y - t) w21 (1 - h^2),  dL/dw11 = that * x
    # mse with one output is the same as sse (m = 1).
    x, t = mpf("-1.2"), mpf("0.9")
    w11, b1, w21, b2 = mpf("0.8"), mpf("0.1"), mpf("-0.6"), mpf("0.05")
    h = mp.tanh(w11 * x + b1)
    y = w21 * h + b2
    d = 2 * (y - t)
    hand = {"b2": d, "w21": d * h, "b1": d * w21 * (1 - h * h),
            "w11": d * w21 * (1 - h * h) * x}
    for loss in ("sse", "mse"):
        problem = {
            "network": {"layers": [1, 1, 1], "activations": ["tanh", "linear"], "loss": loss},
            "learning_rate": 0.1,
            "parameters": {"w11": "0.8", "b1": "0.1", "w21": "-0.6", "b2": "0.05"},
            "samples": [{"f1": "-1.2", "t": "0.9"}],
        }
        got = R.evaluate(problem)["gradients"]
        for name, value in hand.items():
            assert abs(got[name] - value) < mpf(10) ** -40 * abs(value), (loss, name)


def test_reference_output_deltas_softmax_ce_and_sigmoid_bce():
    # Hand-derived: softmax + ce with targets summing to 1 gives
    # dL/do_k = y_k - t_k, i.e. dL/d(output bias k) = y_k - t_k;
    # sigmoid + bce gives dL/do = y - t as well.
    rng = random.Random(7)
    params = {}
    net = R.Network({"network": {"layers": [2, 2, 3], "activations": ["tanh", "softmax"],
                                 "loss": "ce"}})
    for n in net.param_names:
        params[n] = round(rng.uniform(-1, 1), 4)
    problem = {"network": {"layers": [2, 2, 3], "activations": ["tanh", "softmax"], "loss": "ce"},
               "learning_rate": 0.1, "parameters": params,
               # decimal strings: the identity needs targets summing to 1 exactly
               # (as floats 0.2 + 0.7 + 0.1 != 1)
               "samples": [{"f1": 0.3, "f2": -0.8, "t1": "0.2", "t2": "0.7", "t3": "0.1"}]}
    e = R.evaluate(problem)
    for k, t in zip((1, 2, 3), ("0.2", "0.7", "0.1")):
        # output biases are b3, b4, b5 (b1, b2 are the hidden units')
        assert abs(e["gradients"][f"b{k + 2}"] - (e["forward"][f"y{k}"] - mpf(t))) < mpf(10) ** -40

    problem = {"network": {"layers": [2, 2, 1], "activations": ["relu", "sigmoid"], "loss": "bce"},
               "learning_rate": 0.1,
               "parameters": {"w11": 0.5, "w21": 0.25, "b1": 0.1, "w12": -0.3, "w22": 0.9,
                              "b2": 0.2, "w31": 1.5, "w41": -0.7, "b3": 0.3},
               "samples": [{"f1": 1.0, "f2": 2.0, "t": 1}]}
    e = R.evaluate(problem)
    assert abs(e["gradients"]["b3"] - (e["forward"]["y"] - 1)) < mpf(10) ** -40
    # relu unit 2 has pre-activation -0.3 + 1.8 + 0.2 = 1.7 > 0, unit 1: 0.5+0.5+0.1
    assert e["forward"]["alpha_H1"] == mpf(0.5) * 1 + mpf(0.25) * 2 + mpf(0.1)


def test_reference_mse_is_sse_over_m_and_half_sse_is_half():
    rng = random.Random(11)
    base = {"network": {"layers": [2, 3, 3], "activations": ["sigmoid", "linear"],
                        "loss": "sse"},
            "learning_rate": 0.1, "parameters": {},
            "samples": [{"f1": 0.4, "f2": -1.1, "t1": 0.3, "t2": -0.2, "t3": 0.9}]}
    for n in R.Network(base).param_names:
        base["parameters"][n] = round(rng.uniform(-1, 1), 3)
    g = {}
    for loss in ("sse", "half_sse", "mse"):
        p = copy.deepcopy(base)
        p["network"]["loss"] = loss
        g[loss] = R.evaluate(p)
    for n in g["sse"]["gradients"]:
        s = g["sse"]["gradients"][n]
        assert abs(g["half_sse"]["gradients"][n] - s / 2) <= mpf(10) ** -40 * (1 + abs(s))
        assert abs(g["mse"]["gradients"][n] - s / 3) <= mpf(10) ** -40 * (1 + abs(s))
    assert abs(g["mse"]["loss"] - g["sse"]["loss"] / 3) < mpf(10) ** -45


def test_reference_fd_is_step_independent_even_when_saturated():
    # The seed network (tanh(-17), gradients ~1e-14..1e-16): FD with two very
    # different steps/precisions agrees to far better than 1e-20 relative.
    net = R.Network(SEED_PROBLEM)
    params = R.initial_parameters(SEED_PROBLEM, net)
    x, t = net.sample_io(SEED_PROBLEM["samples"][0])
    g1 = net.fd_gradients(params, x, t)
    g2 = net.fd_gradients(params, x, t, dps=160, step_exp=70)
    for n in g1:
        assert abs(g1[n] - g2[n]) <= mpf(10) ** -25 * abs(g2[n]), n
    # and the tiny ones are what the closed form gives:
    #   dL/db3 = (y - t) * w51 * (1 - tanh(alpha_H3)^2)  (sigmoid + bce: dL/do = y - t)
    # (alpha_H3 is -17 - 1.2e-15 with the binary values of -0.2 and 0.15, which
    # already moves the result by 2.4e-15 relative, so use the exact alpha)
    named = net.forward(params, x)[0]
    exact_b3 = (named["y"] - 1) * mpf(0.1) * (1 - mp.tanh(named["alpha_H3"]) ** 2)
    assert abs(g1["b3"] - exact_b3) <= mpf(10) ** -30 * abs(exact_b3)


def test_reference_naming():
    assert R.weight_name(3, 1) == "w31"
    assert R.weight_name(10, 1) == "w10_1"
    assert R.weight_name(2, 10) == "w2_10"
    net = R.Network({"network": {"layers": [2, 3, 2, 1],
                                 "activations": ["tanh", "relu", "sigmoid"], "loss": "bce"}})
    assert net.param_names == [
        "w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3",
        "w31", "w41", "w51", "b4", "w32", "w42", "w52", "b5",
        "w61", "w71", "b6"]
    assert net.pre_names == [["alpha_H1", "alpha_H2", "alpha_H3"],
                             ["alpha_H4", "alpha_H5"], ["o"]]
    assert net.act_names == [["H1", "H2", "H3"], ["H4", "H5"], ["y"]]
    mazur = R.Network({"network": {"layers": [2, 2, 2],
                                   "activations": ["sigmoid", "sigmoid"], "loss": "half_sse"}})
    assert mazur.param_names == ["w11", "w21", "b1", "w12", "w22", "b2",
                                 "w31", "w41", "b3", "w32", "w42", "b4"]
    assert mazur.act_names[-1] == ["y1", "y2"]
    nobias = R.Network({"network": {"layers": [2, 10, 1], "activations": ["relu", "linear"],
                                    "loss": "sse", "bias": False}})
    assert "w1_10" in nobias.param_names and "w12_1" in nobias.param_names
    assert not [n for n in nobias.param_names if n.startswith("b")]


def test_reference_training_modes():
    problem = {"network": {"layers": [1, 1, 1], "activations": ["tanh", "linear"],
                           "loss": "half_sse"},
               "learning_rate": 0.5,
               "parameters": {"w11": 0.3, "b1": 0.1, "w21": -0.4, "b2": 0.2},
               "samples": [{"f1": 1.0, "t": 0.5}, {"f1": -2.0, "t": -0.25}],
               "frozen": ["b2"]}
    net = R.Network(problem)
    p0 = R.initial_parameters(problem, net)
    lr = mpf("0.5")
    # online: second sample's gradient at the parameters after the first update
    run = R.train(problem)
    s1, s2 = run["samples"]
    g1 = net.fd_gradients(p0, *net.sample_io(problem["samples"][0]))
    p1 = {n: (p0[n] if n == "b2" else p0[n] - lr * g1[n]) for n in p0}
    assert all(abs(s1["parameters_after"][n] - p1[n]) < mpf(10) ** -40 for n in p0)
    g2 = net.fd_gradients(p1, *net.sample_io(problem["samples"][1]))
    assert all(abs(s2["gradients"][n] - g2[n]) < mpf(10) ** -40 for n in p0)
    assert s2["parameters_after"]["b2"] == p0["b2"]
    # batch: both gradients at p0, mean, one update after the last sample
    problem["update"] = "batch"
    run = R.train(problem)
    b1, b2 = run["samples"]
    gb2 = net.fd_gradients(p0, *net.sample_io(problem["samples"][1]))
    assert all(abs(b2["gradients"][n] - gb2[n]) < mpf(10) ** -40 for n in p0)
    assert b1["parameters_after"] == b1["parameters_before"]
    for n in p0:
        want = p0[n] if n == "b2" else p0[n] - lr * (g1[n] + gb2[n]) / 2
        assert abs(run["parameters_final"][n] - want) < mpf(10) ** -40


# ---------------------------------------------------------------------------
# 2. deterministic random networks: bpcalc vs reference
# ---------------------------------------------------------------------------

HIDDEN_ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]

# (output activation, loss, allowed numbers of output units)
OUTPUT_LOSSES = (
    [("sigmoid", "bce", (1, 2, 3)), ("softmax", "ce", (2, 3)), ("sigmoid", "ce", (1,))]
    + [(act, loss, (1, 2, 3)) for loss in ("half_sse", "sse", "mse")
       for act in ("sigmoid", "tanh", "relu", "leaky_relu", "linear")]
    + [("softmax", loss, (2, 3)) for loss in ("half_sse", "sse", "mse")]
)


def _targets(rng, out_act, loss, m):
    names = ["t"] if m == 1 else [f"t{k}" for k in range(1, m + 1)]
    if loss == "bce":
        vals = [rng.choice([0, 1, round(rng.uniform(0.05, 0.95), 3)]) for _ in range(m)]
    elif loss == "ce" and out_act == "softmax":
        if rng.random() < 0.6:
            hot = rng.randrange(m)
            vals = [1 if k == hot else 0 for k in range(m)]
        else:  # a soft target distribution
            raw = [rng.randint(1, 9) for _ in range(m)]
            vals = [r / sum(raw) for r in raw]
    elif loss == "ce":  # one sigmoid output
        vals = [rng.choice([1, round(rng.uniform(0.1, 1.0), 3)])]
    elif out_act in ("sigmoid", "softmax"):
        vals = [round(rng.uniform(0, 1), 3) for _ in range(m)]
    else:
        vals = [round(rng.uniform(-1.5, 1.5), 3) for _ in range(m)]
    return dict(zip(names, vals))


def _draw_problem(rng, hidden_act, out_act, loss, outs, bias, *, n_samples=1, extra=None):
    depth = rng.randint(1, 3)
    layers = [rng.randint(1, 3)] + [rng.randint(1, 4) for _ in range(depth)] + [rng.choice(outs)]
    acts = [hidden_act] + [rng.choice(HIDDEN_ACTS) for _ in range(depth - 1)] + [out_act]
    net_spec = {"layers": layers, "activations": acts, "loss": loss}
    if not bias:
        net_spec["bias"] = False
    elif rng.random() < 0.5:
        net_spec["bias"] = True
    net = R.Network({"network": net_spec})
    params = {n: round(rng.uniform(-1.2, 1.2), 6) for n in net.param_names}
    samples = []
    for _ in range(n_samples):
        s = {f"f{k}": round(rng.uniform(-2, 2), 4) for k in range(1, layers[0] + 1)}
        s.update(_targets(rng, out_act, loss, layers[-1]))
        samples.append(s)
    problem = {"title": "random", "network": net_spec,
               "learning_rate": rng.choice([0.05, 0.1, 0.3, 0.5, 1.0]),
               "parameters": params, "samples": samples}
    problem.update(extra or {})
    return problem


def _well_conditioned(problem, run) -> bool:
    net = R.Network(problem)
    for entry in run["samples"]:
        named = entry["forward"]
        for layer in net.pre_names:
            for name in layer:
                if abs(named[name]) < mpf("1e-3"):
                    return False
        if entry["loss"] < mpf("1e-8"):
            return False
        grads = [abs(g) for g in entry["gradients"].values()]
        top = max(grads)
        if top == 0:
            return False
        if any(0 < g < top * mpf("1e-7") for g in grads):
            return False
        for n, v in entry["parameters_after"].items():
            before = entry["parameters_before"][n]
            if v != 0 and abs(v) < mpf("1e-7") * (abs(before) + 1):
                return False
    return True


def _random_cases():
    cases = []
    rng = random.Random(20240611)
    k = 0
    for out_act, loss, outs in OUTPUT_LOSSES:
        for hidden_act in HIDDEN_ACTS:
            k += 1
            bias = (k % 3) != 0  # every third case without biases
            for _attempt in range(50):
                problem = _draw_problem(rng, hidden_act, out_act, loss, outs, bias)
                run = R.train(problem)
                if _well_conditioned(problem, run):
                    break
            else:  # pragma: no cover - generator would need retuning
                raise RuntimeError("could not draw a well-conditioned case")
            layers = "-".join(map(str, problem["network"]["layers"]))
            cid = (f"{loss}-{out_act}-hidden_{hidden_act}-{layers}"
                   f"{'' if bias else '-nobias'}")
            cases.append((cid, problem, run))
    return cases


_CASES = None


def _cases():
    global _CASES
    if _CASES is None:
        _CASES = _random_cases()
    return _CASES


def test_random_cases_cover_every_activation_loss_and_shape():
    cases = _cases()
    hidden, out, losses, depths, nout, nobias = set(), set(), set(), set(), set(), 0
    for _cid, p, _run in cases:
        acts = p["network"]["activations"]
        hidden.update(acts[:-1])
        out.add(acts[-1])
        losses.add(p["network"]["loss"])
        depths.add(len(p["network"]["layers"]) - 2)
        nout.add(p["network"]["layers"][-1])
        nobias += p["network"].get("bias", True) is False
    assert hidden == set(HIDDEN_ACTS)
    assert out == {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}
    assert losses == {"bce", "ce", "half_sse", "sse", "mse"}
    assert depths == {1, 2, 3}
    assert nout == {1, 2, 3}
    assert nobias >= 20


@pytest.mark.parametrize("case", _cases(), ids=[c[0] for c in _cases()])
def test_random_network_matches_reference(case, run_json):
    cid, problem, ref = case
    got = run_json(problem)
    problems = R.compare_run(got, ref)
    assert not problems, f"case {cid}\n" + R.report(problems)


# ---------------------------------------------------------------------------
# 3. training modes: several samples online, batch, epochs, frozen
# ---------------------------------------------------------------------------

def _drawn(seed, hidden_act, out_act, loss, outs, bias=True, n_samples=3, extra=None):
    rng = random.Random(seed)
    for _ in range(50):
        problem = _draw_problem(rng, hidden_act, out_act, loss, outs, bias,
                                n_samples=n_samples, extra=extra)
        run = R.train(problem)
        if _well_conditioned(problem, run):
            return problem, run
    raise RuntimeError("no well-conditioned draw")  # pragma: no cover


def test_online_several_samples(run_json):
    problem, ref = _drawn(101, "tanh", "softmax", "ce", (3,), n_samples=4)
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, R.report(problems)


def test_batch_mode(run_json):
    problem, ref = _drawn(202, "sigmoid", "sigmoid", "bce", (1,), n_samples=4,
                          extra={"update": "batch"})
    got = run_json(problem)
    # every sample's own gradients at the epoch-start parameters, the mean
    # update on the last sample's parameters_after, and parameters_final
    problems = R.compare_run(got, ref, parts=("forward", "loss", "gradients",
                                              "parameters_before"))
    last = len(ref["samples"]) - 1
    problems += R.compare_mapping(got["samples"][last]["parameters_after"],
                                  ref["samples"][last]["parameters_after"],
                                  "last sample.parameters_after")
    assert not problems, R.report(problems)


def test_batch_mode_earlier_samples_leave_parameters_unchanged(run_json):
    # "the update shows in parameters_after of the epoch's last sample": the
    # earlier samples of a batch epoch do not change the parameters.
    problem, ref = _drawn(202, "sigmoid", "sigmoid", "bce", (1,), n_samples=4,
                          extra={"update": "batch"})
    got = run_json(problem)
    problems = []
    for i in range(len(ref["samples"]) - 1):
        problems += R.compare_mapping(got["samples"][i]["parameters_after"],
                                      ref["samples"][i]["parameters_before"],
                                      f"samples[{i}].parameters_after")
    assert not problems, R.report(problems)


def test_batch_mode_two_epochs_mse(run_json):
    problem, ref = _drawn(303, "relu", "linear", "mse", (2,), n_samples=3,
                          extra={"update": "batch", "epochs": 2})
    got = run_json(problem)
    problems = R.compare_run(got, ref, parts=("forward", "loss", "gradients",
                                              "parameters_before"))
    for i in (2, 5):  # last sample of each epoch carries the update
        problems += R.compare_mapping(got["samples"][i]["parameters_after"],
                                      ref["samples"][i]["parameters_after"],
                                      f"samples[{i}].parameters_after")
    assert not problems, R.report(problems)


def test_online_two_epochs(run_json):
    problem, ref = _drawn(404, "leaky_relu", "tanh", "half_sse", (2,), n_samples=2,
                          extra={"epochs": 2})
    assert len(ref["samples"]) == 4
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, R.report(problems)


def test_frozen_parameters(run_json):
    problem, _ = _drawn(505, "sigmoid", "sigmoid", "sse", (2,), n_samples=2)
    names = list(problem["parameters"])
    # freeze a hidden weight, a hidden bias and an output weight
    frozen = [n for n in names if n.startswith("w")][:1] + \
             [n for n in names if n.startswith("b")][:1] + [names[-2]]
    problem["frozen"] = frozen
    problem["epochs"] = 2
    ref = R.train(problem)
    got = run_json(problem)
    problems = R.compare_run(got, ref)
    for n in frozen:
        if got["parameters_final"].get(n) != problem["parameters"][n]:
            problems.append(f"frozen {n} changed: {got['parameters_final'].get(n)!r}")
        # frozen parameters still get their gradient reported
        if not any(e["gradients"][n] != 0 for e in ref["samples"]):  # pragma: no cover
            pytest.fail("test setup: frozen parameter with zero gradient")
    assert not problems, R.report(problems)


def test_frozen_in_batch_mode(run_json):
    problem, _ = _drawn(606, "tanh", "softmax", "ce", (2,), n_samples=3,
                        extra={"update": "batch", "epochs": 2})
    problem["frozen"] = [n for n in problem["parameters"] if n.startswith("b")][:2]
    ref = R.train(problem)
    got = run_json(problem)
    problems = R.compare_run(got, ref, parts=("forward", "loss", "gradients",
                                              "parameters_before"))
    assert not problems, R.report(problems)


def test_two_digit_unit_numbers(run_json):
    # 4-4-3-2: units 1-4 inputs, 5-8 and 9-11 hidden, 12-13 outputs, so the
    # second hidden layer's weights are w9_1 .. w11_2 and biases run to b9.
    rng = random.Random(77)
    net_spec = {"layers": [4, 4, 3, 2], "activations": ["tanh", "sigmoid", "softmax"],
                "loss": "ce"}
    net = R.Network({"network": net_spec})
    assert {"w10_1", "w11_2", "b9"} <= set(net.param_names)
    problem = {"network": net_spec, "learning_rate": 0.2,
               "parameters": {n: round(rng.uniform(-1, 1), 5) for n in net.param_names},
               "samples": [{"f1": 0.5, "f2": -1.0, "f3": 1.5, "f4": 0.25, "t1": 0, "t2": 1}]}
    problems = R.compare_run(run_json(problem), R.train(problem))
    assert not problems, R.report(problems)


def test_ten_unit_layer_names(run_json):
    # 2-10-1 without biases: target positions reach 10 (w1_10, w2_10) and
    # source units reach 12 (w10_1, w11_1, w12_1).
    rng = random.Random(78)
    net_spec = {"layers": [2, 10, 1], "activations": ["tanh", "linear"],
                "loss": "half_sse", "bias": False}
    net = R.Network({"network": net_spec})
    assert {"w1_10", "w2_10", "w10_1", "w12_1", "w31"} <= set(net.param_names)
    problem = {"network": net_spec, "learning_rate": 0.1,
               "parameters": {n: round(rng.uniform(-1, 1), 5) for n in net.param_names},
               "samples": [{"f1": 0.9, "f2": -0.4, "t": 0.3}]}
    problems = R.compare_run(run_json(problem), R.train(problem))
    assert not problems, R.report(problems)


# ---------------------------------------------------------------------------
# 4. saturated cases: tiny but non-zero numbers must be right to 1e-9 relative
# ---------------------------------------------------------------------------

# the hand-worked sheet's question 3 (same as samples/q3.json), inlined so this
# file does not depend on the sample file
SEED_PROBLEM = {
    "title": "seed sheet Q3",
    "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
    "learning_rate": 0.1,
    "parameters": {"w11": -0.1, "w21": 0.05, "b1": 0, "w12": 0.1, "w22": -0.1, "b2": 0,
                   "w13": -0.2, "w23": 0.15, "b3": 0,
                   "w31": 1, "w41": 0.5, "w51": 0.1, "b4": 0},
    "samples": [{"f1": 100, "f2": 20, "t": 1}, {"f1": 25, "f2": 4, "t": 0}],
}


def test_seed_network_saturated_tanh(run_json):
    # alpha_H3 = -17: 1 - tanh(-17)^2 ~ 6.9e-15 cannot be computed as
    # 1 - H3*H3 in float64 (H3 rounds to within 1 ulp of -1); the gradients
    # of w13, w23, b3 are ~4e-14, 9e-15, 4e-16 and must still be right.
    ref = R.train(SEED_PROBLEM)
    g = ref["samples"][0]["gradients"]
    assert abs(g["b3"]) < mpf("1e-15")  # the case really is saturated
    problems = R.compare_run(run_json(SEED_PROBLEM), ref)
    assert not problems, R.report(problems)


SATURATED_SIGMOID = {
    "title": "sigmoid output so saturated that y rounds to 1.0 (o ~ 40)",
    "network": {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
    # (not 0.5: with b3 = 0.5 the second update would be 0.5 - 0.5 * y with
    # y ~ 1, a cancellation float64 parameters cannot represent)
    "learning_rate": 0.3,
    # H1 = tanh(0.75), H2 = tanh(-0.9); w31, w41 connect them to the output,
    # b3 is the output bias: o = 35 H1 - 25 H2 + 0.5 ~ 40.6
    "parameters": {"w11": 0.5, "w21": 0.3, "b1": 0.1,
                   "w12": -0.4, "w22": -0.6, "b2": -0.2,
                   "w31": 35, "w41": -25, "b3": 0.5},
    "samples": [{"f1": 1.0, "f2": 0.5, "t": 1}, {"f1": 1.0, "f2": 0.5, "t": 0}],
}


def test_saturated_sigmoid_output_bce(run_json):
    ref = R.train(SATURATED_SIGMOID)
    first = ref["samples"][0]
    # o ~ 40 so y = 1 - 4e-18 rounds to 1.0 in float64, yet the loss
    # ln(1 + e^-o) ~ 4e-18 and the gradients ~ -(1 - y) * ... are not 0.
    assert first["forward"]["o"] > 39
    assert float(first["forward"]["y"]) == 1.0
    assert 0 < first["loss"] < mpf("1e-16")
    assert 0 < abs(first["gradients"]["b3"]) < mpf("1e-16")
    # second sample, t = 0 (after a negligible update): loss ~ o ~ 40, -ln(1-y)
    assert ref["samples"][1]["loss"] > 39
    problems = R.compare_run(run_json(SATURATED_SIGMOID), ref)
    assert not problems, R.report(problems)


def test_saturated_sigmoid_output_negative_side(run_json):
    # o ~ -40, t = 0: y ~ 4e-18 (representable), loss = -ln(1 - y) ~ 4e-18
    # needs log1p-style care; t = 1 gives loss ~ 40.
    problem = copy.deepcopy(SATURATED_SIGMOID)
    problem["parameters"]["w31"] = -35
    problem["parameters"]["w41"] = 25
    problem["parameters"]["b3"] = -0.5
    problem["samples"] = [{"f1": 1.0, "f2": 0.5, "t": 0}, {"f1": 1.0, "f2": 0.5, "t": 1}]
    ref = R.train(problem)
    assert ref["samples"][0]["forward"]["o"] < -39
    assert 0 < ref["samples"][0]["loss"] < mpf("1e-16")
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, R.report(problems)


def test_saturated_hidden_and_output_together(run_json):
    # deep tanh saturation behind a saturated sigmoid output: gradients of
    # the first layer are ~1e-30 and still representable in float64.
    problem = {
        "network": {"layers": [1, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "learning_rate": 0.1,
        "parameters": {"w11": 12.0, "b1": 0.5, "w12": -0.7, "b2": 0.05,
                       "w21": 20.0, "w31": -30.0, "b3": 1.0},
        "samples": [{"f1": 2.0, "t": 1}],
    }
    ref = R.train(problem)
    g = ref["samples"][0]["gradients"]
    assert 0 < abs(g["w11"]) < mpf("1e-20")
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, R.report(problems)


def test_saturated_softmax_ce(run_json):
    # logits 50 apart: the target class has y = 1 - ~2e-22 (1.0 in float64),
    # dL/do_target = y - 1 ~ -2e-22 must not come out as 0.
    problem = {
        "network": {"layers": [1, 1, 3], "activations": ["linear", "softmax"], "loss": "ce"},
        "learning_rate": 0.1,
        "parameters": {"w11": 1.0, "b1": 0.0,
                       "w21": 25.0, "w22": -25.0, "w23": -26.0,
                       "b2": 0.0, "b3": 0.0, "b4": 0.0},
        "samples": [{"f1": 1.0, "t1": 1, "t2": 0, "t3": 0}],
    }
    ref = R.train(problem)
    g = ref["samples"][0]["gradients"]
    assert 0 < -g["b2"] < mpf("1e-20")
    problems = R.compare_run(run_json(problem), ref)
    assert not problems, R.report(problems)


def test_saturated_sigmoid_output_squared_error(run_json):
    # Same saturated output (o ~ 40.6, y = 1 - 2.3e-18, 1.0 in float64) with
    # t = 1 and a squared error: y - t = -sigmoid(-o) ~ -2.3e-18 is not 0, so
    # the loss (~2.5e-36 for half_sse) and every gradient (~1e-34) are tiny
    # but non-zero, and representable in float64.
    for loss in ("half_sse", "sse", "mse"):
        problem = copy.deepcopy(SATURATED_SIGMOID)
        problem["network"]["loss"] = loss
        problem["samples"] = [{"f1": 1.0, "f2": 0.5, "t": 1}]
        ref = R.train(problem)
        assert 0 < ref["samples"][0]["loss"] < mpf("1e-30")
        problems = R.compare_run(run_json(problem), ref)
        assert not problems, f"loss {loss}\n" + R.report(problems)


def test_relu_derivative_is_zero_at_zero(run_json):
    # [hand] The problem format defines relu'(0) = 0 (a central finite
    # difference would give 1/2 there, so this is checked by hand, not by the
    # reference): alpha_H1 = 1 * 1 + (-1) = 0 exactly, so H1 = 0 and
    #   dL/dw11 = dL/db1 = 0 (relu'(0) = 0),  dL/dw21 = (y - t) * H1 = 0,
    #   dL/db2 = y - t = 0.25 - 1 = -0.75 (y = w21 * 0 + b2 = 0.25).
    problem = {
        "network": {"layers": [1, 1, 1], "activations": ["relu", "linear"],
                    "loss": "half_sse"},
        "learning_rate": 0.1,
        "parameters": {"w11": 1.0, "b1": -1.0, "w21": 2.0, "b2": 0.25},
        "samples": [{"f1": 1.0, "t": 1.0}],
    }
    s = run_json(problem)["samples"][0]
    assert s["forward"]["alpha_H1"] == 0 and s["forward"]["H1"] == 0
    assert s["forward"]["y"] == 0.25
    assert s["gradients"]["w11"] == 0 and s["gradients"]["b1"] == 0
    assert s["gradients"]["w21"] == 0
    assert s["gradients"]["b2"] == -0.75
    assert s["loss"] == 0.28125  # 1/2 * 0.75^2
    after = s["parameters_after"]
    assert (after["w11"], after["b1"], after["w21"]) == (1.0, -1.0, 2.0)
    assert after["b2"] == pytest.approx(0.325, rel=1e-15)  # 0.25 - 0.1 * (-0.75)
