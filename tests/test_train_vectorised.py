"""The vectorised trainer gives the step-by-step engine's numbers: parameters after every epoch to 1e-12 relative.

Against ``bpcalc.evaluate.train`` (an independent, sample-by-sample implementation with exact sums) on every
bundled problem and on random nets with every activation and loss, online and batch, frozen parameters and no
biases; L2 weight decay (which the engine lacks) against central finite differences of the full objective in
110-digit arithmetic (tests/reference.py).
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from mpmath import mp, mpf

import reference
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import train as step_train
from bpcalc.network import Network
from bpcalc.problem import Problem, build_problem, load_problem
from bpcalc.train.vectorised import Settings, constant_loss, fit

ROOT = Path(__file__).resolve().parent.parent
REL = 1e-12
BUNDLED = sorted(
    p
    for p in [*(ROOT / "samples").glob("*.json"), *(ROOT / "samples" / "training").glob("*.json"), *(ROOT / "benchmarks" / "problems").glob("*.json")]
    if "answers" not in p.name
)
HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def arrays(pr: Problem) -> tuple[np.ndarray, np.ndarray]:
    net = pr.network
    x = np.array([[float(s.inputs[n]) for n in net.input_names] for s in pr.samples])
    t = np.array([[float(s.targets[n]) for n in net.target_names] for s in pr.samples])
    return x, t


def vectorised_epochs(pr: Problem, epochs: int, weight_decay: float = 0.0) -> list[dict[str, float]]:
    x, t = arrays(pr)
    settings = Settings(float(pr.learning_rate), epochs, pr.update, weight_decay, pr.frozen)
    h = fit(pr.network, {k: float(v) for k, v in pr.parameters.items()}, settings, x, t, keep=True)
    return h.snapshots  # type: ignore[return-value]


def engine_epochs(pr: Problem) -> list[dict[str, float]]:
    run = step_train(pr)
    return [r.after for r in run.results if r.sample == len(pr.samples)]


def assert_agree(got: list[dict[str, float]], want: list[dict[str, float]], where: str) -> None:
    assert len(got) == len(want) > 0
    for epoch, (g, w) in enumerate(zip(got, want), start=1):
        assert list(g) == list(w)
        for name in w:
            assert g[name] == pytest.approx(w[name], rel=REL, abs=0), f"{where}: epoch {epoch}, {name}: {g[name]!r} vs {w[name]!r}"


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_problems_agree_epoch_by_epoch(path: Path) -> None:
    pr = load_problem(str(path))
    epochs = min(pr.epochs, 20)  # the training samples' thousands of epochs: the first 20 say as much
    pr = Problem(pr.source, pr.title, pr.network, pr.learning_rate, pr.parameters, pr.samples, epochs, pr.update, pr.frozen)
    assert_agree(vectorised_epochs(pr, epochs), engine_epochs(pr), path.name)


def random_problem(seed: int, hidden: tuple[str, ...], out: str, loss: str, update: str, bias: bool, frozen: int) -> dict:
    rng = random.Random(seed)
    outputs = rng.randint(2, 3) if out == "softmax" else rng.randint(1, 2)
    layers = [rng.randint(1, 3), *(rng.randint(1, 4) for _ in hidden), outputs]
    net = Network(tuple(layers), (*hidden, out), loss, bias)
    samples = []
    for _ in range(rng.randint(1, 5)):
        s: dict = {f: round(rng.uniform(-2, 2), 2) for f in net.input_names}
        if out == "softmax" or loss == "ce":
            k = rng.randrange(outputs)
            s.update({t: int(i == k) for i, t in enumerate(net.target_names)})
        elif loss == "bce":
            s.update({t: rng.choice([0, 1, 0.25]) for t in net.target_names})
        else:
            s.update({t: round(rng.uniform(-1, 1), 2) for t in net.target_names})
        samples.append(s)
    return {
        "network": {"layers": layers, "activations": [*hidden, out], "loss": loss, "bias": bias},
        "learning_rate": round(rng.uniform(0.05, 0.8), 2),
        "epochs": rng.randint(2, 6),
        "update": update,
        "parameters": {n: round(rng.uniform(-1.5, 1.5), 3) for n in net.param_names},
        "frozen": rng.sample(net.param_names, min(frozen, len(net.param_names))),
        "samples": samples,
    }


# every output activation with every loss it can take (bce and ce need outputs in (0, 1): σ or softmax)
OUTPUTS = [(out, loss) for out in (*HIDDEN, "softmax") for loss in ("bce", "ce", "half_sse", "sse", "mse") if loss in ("half_sse", "sse", "mse") or out in ("sigmoid", "softmax")]
CASES = [
    (i, hidden, out, loss, update)
    for i, ((out, loss), update) in enumerate(itertools.product(OUTPUTS, ("online", "batch")))
    for hidden in [(HIDDEN[i % 5],), (HIDDEN[(i + 1) % 5], HIDDEN[(i + 3) % 5])]
]


@pytest.mark.parametrize("seed,hidden,out,loss,update", CASES, ids=[f"{'-'.join(h)}-{o}-{l}-{u}-{s}" for s, h, o, l, u in CASES])
def test_random_nets_agree_epoch_by_epoch(seed: int, hidden: tuple[str, ...], out: str, loss: str, update: str) -> None:
    data = random_problem(seed, hidden, out, loss, update, bias=seed % 4 != 3, frozen=seed % 3)
    pr = build_problem(data, f"random {seed}")
    try:
        want = engine_epochs(pr)
    except BpcalcError:  # the engine's numbers leave the range of a double: so must the trainer's
        with pytest.raises(BpcalcError, match="leave the range of a double"):
            vectorised_epochs(pr, pr.epochs)
        return
    assert_agree(vectorised_epochs(pr, pr.epochs), want, json.dumps(data["network"]))


PARAMETERISED = [
    {"name": "leaky_relu", "slope": 0.1},
    {"name": "relu", "derivative_at_zero": 0.5},
    {"name": "bipolar_sigmoid", "slope": 2},
    "bipolar_sigmoid",
    {"name": "scaled_tanh", "a": 1.5, "b": 0.5},
    "scaled_tanh",
]


@pytest.mark.parametrize("seed", range(12))
def test_parameterised_activations_and_thresholds_agree(seed: int) -> None:
    """Activations with parameters, in hidden and output layers, and thresholds (net = Σ w·x − θ) on half the nets."""
    hidden = PARAMETERISED[seed % 6]
    out = PARAMETERISED[(seed + 2) % 6]
    data = random_problem(seed, ("tanh",), "linear", "half_sse", ("online", "batch")[seed % 2], bias=True, frozen=seed % 3)
    data["network"]["activations"] = [hidden, out]
    if seed % 2:
        data["network"]["bias"] = "threshold"
        data["parameters"] = {("theta" + k[1:] if k.startswith("b") else k): v for k, v in data["parameters"].items()}
        data["frozen"] = ["theta" + k[1:] if k.startswith("b") else k for k in data["frozen"]]
    if hidden == {"name": "relu", "derivative_at_zero": 0.5}:  # first sample: every hidden unit exactly at 0
        data["samples"][0] = {**data["samples"][0], **{f: 0 for f in data["samples"][0] if f.startswith("f")}}
        offset = "theta" if seed % 2 else "b"
        data["parameters"].update({f"{offset}{k}": 0 for k in range(1, data["network"]["layers"][1] + 1)})
    pr = build_problem(data, f"random {seed}")
    assert_agree(vectorised_epochs(pr, pr.epochs), engine_epochs(pr), json.dumps(data["network"]))


def test_saturated_units_agree() -> None:
    """The seed sheet's inputs (f1 = 100) saturate tanh and σ: the stable forms must match the engine's there too."""
    pr = load_problem(str(ROOT / "samples" / "q3.json"))
    pr = Problem(pr.source, pr.title, pr.network, 5, pr.parameters, pr.samples, 30, "online", pr.frozen)
    assert_agree(vectorised_epochs(pr, 30), engine_epochs(pr), "q3 at η = 5")


def test_the_cases_cover_every_activation_and_loss() -> None:
    acts = {a for _, h, o, _, _ in CASES for a in (*h, o)}
    losses = {l for _, _, _, l, _ in CASES}
    assert acts == {*HIDDEN, "softmax"} and losses == {"bce", "ce", "half_sse", "sse", "mse"}
    assert any(seed % 4 == 3 for seed, *_ in CASES) and any(seed % 3 for seed, *_ in CASES)  # no biases; frozen


# --- L2 weight decay against finite differences of the whole objective ---------------------------

def objective(net: reference.Network, params: dict, samples: list[dict], decay: mpf, weights: list[str]) -> mpf:
    losses = [net.loss_at(params, *net.sample_io(s)) for s in samples]
    return mp.fsum(losses) / len(losses) + decay / 2 * mp.fsum(params[w] ** 2 for w in weights)


def fd_step(problem: dict, decay: float, update: str) -> dict:
    """One epoch of gradient descent on J = mean loss + (λ/2)·Σw², every gradient by central differences."""
    net = reference.Network(problem)
    lam, lr = mpf(decay), mpf(problem["learning_rate"])
    weights = [n for n in net.param_names if n.startswith("w")]
    params = reference.initial_parameters(problem, net)
    batches = [problem["samples"]] if update == "batch" else [[s] for s in problem["samples"]]
    with mp.workdps(reference.FD_DPS):
        h = mpf(10) ** (-reference.FD_STEP_EXP)
        for batch in batches:
            grads = {}
            for name in net.param_names:
                p = dict(params)
                p[name] = params[name] + h
                up = objective(net, p, batch, lam, weights)
                p[name] = params[name] - h
                down = objective(net, p, batch, lam, weights)
                grads[name] = (up - down) / (2 * h)
            params = {k: v if k in problem.get("frozen", []) else v - lr * grads[k] for k, v in params.items()}
    return params


@pytest.mark.parametrize("update", ["online", "batch"])
@pytest.mark.parametrize("name", ["q3.json", "postnetwork_softmax_ce.json"])
def test_weight_decay_against_finite_differences(name: str, update: str) -> None:
    data = json.loads((ROOT / "samples" / name).read_text())
    data.update(update=update, epochs=1, frozen=["w11"])
    data["samples"] = data["samples"] + [{k: v / 2 for k, v in s.items()} | {k: s[k] for k in s if k.startswith("t")} for s in data["samples"]]
    pr = build_problem(data, name)
    got = vectorised_epochs(pr, 1, weight_decay=0.3)[0]
    want = fd_step(data, 0.3, update)
    assert got["w11"] == float(pr.parameters["w11"])  # frozen
    for k, v in want.items():
        assert got[k] == pytest.approx(float(v), rel=REL), k
    biases = [k for k in got if k.startswith("b")]
    without = vectorised_epochs(pr, 1)[0]
    assert update == "online" or all(got[b] == without[b] for b in biases)  # in one batch step the decay never reaches a bias


def test_baseline_is_the_loss_of_the_mean() -> None:
    """Always predicting p = mean(t): bce gives −(p ln p + (1 − p) ln(1 − p)); half_sse gives half the variance."""
    t = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    p = 0.6
    assert constant_loss("bce", t.mean(axis=0), t).mean() == pytest.approx(-(p * np.log(p) + (1 - p) * np.log(1 - p)), rel=1e-15)
    r = np.array([[1.0], [2.0], [4.0]])
    assert constant_loss("half_sse", r.mean(axis=0), r).mean() == pytest.approx(np.var(r) / 2, rel=1e-15)
    one_hot = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    q = one_hot.mean(axis=0)
    assert constant_loss("ce", q, one_hot).mean() == pytest.approx(-(0.25 * np.log(0.25) * 2 + 0.5 * np.log(0.5)), rel=1e-15)


@pytest.mark.parametrize("seed", range(8))
def test_shared_layer_biases_agree(seed: int) -> None:
    """One bias per layer shared by its units ("bias": "per_layer"), online and batch, some frozen."""
    hidden = (HIDDEN[seed % 5],) if seed % 2 else (HIDDEN[seed % 5], "tanh")
    out, loss = (("sigmoid", "bce"), ("softmax", "ce"), ("linear", "half_sse"), ("tanh", "mse"))[seed % 4]
    data = random_problem(seed, hidden, out, loss, ("online", "batch")[seed % 2], bias="per_layer", frozen=seed % 3)  # type: ignore[arg-type]
    pr = build_problem(data, f"random {seed}")
    assert any(p.is_bias for p in pr.network.params)
    assert_agree(vectorised_epochs(pr, pr.epochs), engine_epochs(pr), json.dumps(data["network"]))
