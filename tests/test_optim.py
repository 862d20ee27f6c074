"""Update rules beyond plain SGD: momentum (classical, Nesterov), Adam, L2 weight decay, mini-batches, sum/mean, epoch totals.

Numbers come from independent sources only:

* tests/reference.py (110-digit mpmath, imports nothing from bpcalc): each update's gradient is the
  finite difference of its FULL objective (the batch's losses, mean or sum, plus (λ/2)·Σw² over the
  weights), and the optimizers are its own straightforward implementation (reference.Optimizer);
* hand derivations of tiny problems (below), worked with exact fractions;
* the vectorised trainer (numpy, a separate implementation) for weight decay, to 1e-12.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference as R
from bpcalc.cli import main
from bpcalc.evaluate import train
from bpcalc.problem import build_problem
from bpcalc.render.json import run_dict

ROOT = Path(__file__).resolve().parent.parent

NET = {
    "title": "2-2-1 sigmoid net",
    "network": {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
    "learning_rate": 0.3,
    "epochs": 3,
    "parameters": {"w11": 0.1, "w21": -0.2, "b1": 0.05, "w12": 0.3, "w22": 0.25, "b2": -0.1, "w31": 0.4, "w41": -0.35, "b3": 0.2},
    "samples": [
        {"f1": 1, "f2": 0, "t": 1},
        {"f1": 0, "f2": 1, "t": 0},
        {"f1": 1, "f2": 1, "t": 0},
        {"f1": 0.5, "f2": -1, "t": 1},
        {"f1": -1, "f2": 0.25, "t": 1},
    ],
}

CASES = {
    "momentum online": {"optimizer": {"name": "momentum", "momentum": 0.9}},
    "nesterov online": {"optimizer": {"name": "momentum", "momentum": 0.6, "nesterov": True}},
    "adam online": {"optimizer": {"name": "adam"}},
    "adam own betas, decay, frozen": {"optimizer": {"name": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}, "weight_decay": 0.05, "frozen": ["w21"]},
    "sgd decay online": {"weight_decay": 0.1},
    "sgd decay batch": {"weight_decay": 0.1, "update": "batch"},
    "sgd decay batch sum": {"weight_decay": 0.1, "update": "batch", "reduction": "sum"},
    "minibatch of 2, mean, momentum": {"update": "minibatch", "batch_size": 2, "optimizer": {"name": "momentum", "momentum": 0.5}},
    "minibatch of 3, sum, nesterov, decay": {"update": "minibatch", "batch_size": 3, "reduction": "sum", "weight_decay": 0.02,
                                            "optimizer": {"name": "momentum", "momentum": 0.9, "nesterov": True}},
    "minibatch of 2, adam, decay": {"update": "minibatch", "batch_size": 2, "weight_decay": 0.01, "optimizer": {"name": "adam"}},
}


def problem(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(NET)
    data.update(changes)
    return data


def run_json(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(run_dict(train(build_problem(data, "p.json")))))


@pytest.mark.parametrize("name", list(CASES))
def test_against_the_reference(name: str) -> None:
    data = problem(**CASES[name])
    got = run_json(data)
    ref = R.train(json.loads(json.dumps(data)))
    # every sample's forward values, loss and loss gradients (at the look-ahead point with Nesterov), and the parameters
    parts = ("loss", "gradients", "parameters_before", "parameters_after")
    problems = R.compare_run(got, ref, parts=parts)
    # every update's gradient: the finite difference of its full objective, decay included
    updates = [s["update"] for s in got["samples"] if s["updated"]]
    assert len(updates) == len(ref["updates"])
    for i, (u, r) in enumerate(zip(updates, ref["updates"])):
        problems += R.compare_mapping(u["gradients"], r["gradients"], f"update {i + 1}.gradients")
        if "objective" in u:
            if not R.is_close(u["objective"]["total"], r["objective"]):
                problems.append(f"update {i + 1}.objective: {u['objective']['total']} vs {r['objective']}")
    for e, r in zip(got["epoch_totals"], ref["epochs"]):
        for key in ("loss_sum", "loss_mean"):
            if not R.is_close(e[key], r[key]):
                problems.append(f"epoch {e['epoch']}.{key}: {e[key]} vs {r[key]}")
    assert not problems, R.report(problems)


def test_adam_in_exact_arithmetic_against_the_reference() -> None:
    data = problem(epochs=1, optimizer={"name": "adam"}, weight_decay=0.01)
    data["samples"] = data["samples"][:2]
    result = CliRunner().invoke(main, ["run", "-", "--format", "json", "--exact"], input=json.dumps(data))
    assert result.exit_code == 0, result.output
    problems = R.compare_run(json.loads(result.output), R.train(data), parts=("loss", "parameters_after"))
    assert not problems, R.report(problems)


def test_defaults_change_nothing() -> None:
    """Writing the defaults out gives the same numbers as leaving them out; a mini-batch of all the samples is a batch."""
    plain = run_json(problem())
    spelled = run_json(problem(optimizer={"name": "sgd"}, weight_decay=0))
    assert plain["samples"] == spelled["samples"]
    batch = run_json(problem(update="batch"))
    assert run_json(problem(update="batch", reduction="mean"))["samples"] == batch["samples"]
    whole = run_json(problem(update="minibatch", batch_size=5))
    assert whole["parameters_final"] == batch["parameters_final"]
    zero = run_json(problem(optimizer={"name": "momentum", "momentum": 0}))
    assert zero["parameters_final"] == pytest.approx(plain["parameters_final"], rel=1e-15)


# --- hand derivations -----------------------------------------------------------------------------

LINEAR = {
    "network": {"layers": [1, 1], "activations": ["linear"], "loss": "half_sse", "bias": False},
    "learning_rate": 0.5,
    "parameters": {"w11": 1},
    "samples": [{"f1": 1, "t": 0}, {"f1": 2, "t": 1}],
}


def test_momentum_by_hand() -> None:
    """y = w·f, L = ½(y − t)², so dL/dw = (w·f − t)·f.  η = 0.5, μ = 0.5, w = 1:

    sample 1 (f = 1, t = 0): g = 1,  Δw = 0.5·0 − 0.5·1 = −0.5,  w = 0.5;
    sample 2 (f = 2, t = 1): g = (1 − 1)·2 = 0,  Δw = 0.5·(−0.5) − 0 = −0.25,  w = 0.25 (momentum alone moves it).
    With weight decay λ = 0.2 the gradients gain λ·w: sample 1 g = 1.2, Δw = −0.6, w = 0.4;
    sample 2 g = (0.8 − 1)·2 + 0.08 = −0.32, Δw = 0.5·(−0.6) + 0.16 = −0.14, w = 0.26.
    """
    got = run_json({**LINEAR, "optimizer": {"name": "momentum", "momentum": 0.5}})
    s1, s2 = got["samples"]
    assert s1["update"]["previous_step"] == {"w11": 0} and s1["update"]["steps"] == {"w11": -0.5}
    assert s2["update"]["previous_step"] == {"w11": -0.5} and s2["update"]["steps"] == {"w11": -0.25}
    assert got["parameters_final"] == {"w11": 0.25}
    got = run_json({**LINEAR, "optimizer": {"name": "momentum", "momentum": 0.5}, "weight_decay": 0.2})
    s1, s2 = got["samples"]
    assert s1["update"]["decay"]["w11"] == pytest.approx(0.2) and s1["update"]["gradients"]["w11"] == pytest.approx(1.2)
    assert s2["update"]["gradients"]["w11"] == pytest.approx(-0.32)
    assert got["parameters_final"]["w11"] == pytest.approx(0.26, rel=1e-14)
    # the objective of update 1: L = ½·1² = 0.5, (λ/2)·w² = 0.1·1 = 0.1
    assert s1["update"]["objective"] == pytest.approx({"loss": 0.5, "decay": 0.1, "total": 0.6})


def test_nesterov_by_hand() -> None:
    """Nesterov, μ = 0.5, η = 0.5: sample 1 as classical (no velocity yet): Δw = −0.5, w = 0.5.
    Sample 2: look-ahead w + μ·Δw = 0.25, g = (0.25·2 − 1)·2 = −1, Δw = −0.25 + 0.5 = 0.25, w = 0.75."""
    got = run_json({**LINEAR, "optimizer": {"name": "momentum", "momentum": 0.5, "nesterov": True}})
    s2 = got["samples"][1]
    assert s2["forward"]["y"] == pytest.approx(0.5)  # the pass is taken at the look-ahead point
    assert s2["update"]["gradients"] == {"w11": -1}
    assert got["parameters_final"] == {"w11": 0.75}


def test_adam_by_hand() -> None:
    """Adam's first step is η·sign(g) up to ε: m̂ = g, v̂ = g², step = η·g/(|g| + ε).
    Sample 1: g = 1 → w = 1 − 0.5/(1 + 1e-8).  Worked with fractions for the second step."""
    got = run_json({**LINEAR, "optimizer": {"name": "adam"}})
    eps = Fraction(1, 10**8)
    b1, b2 = Fraction(9, 10), Fraction(999, 1000)
    w1 = 1 - Fraction(1, 2) / (1 + eps)
    assert got["samples"][0]["parameters_after"]["w11"] == pytest.approx(float(w1), rel=1e-15)
    g2 = (w1 * 2 - 1) * 2
    m = b1 * (1 - b1) * 1 + (1 - b1) * g2
    v = b2 * (1 - b2) * 1 + (1 - b2) * g2 * g2
    mh, vh = m / (1 - b1**2), v / (1 - b2**2)
    w2 = float(w1) - 0.5 * float(mh) / (float(vh) ** 0.5 + 1e-8)
    u = got["samples"][1]["update"]
    assert u["m"]["w11"] == pytest.approx(float(m), rel=1e-14) and u["v_hat"]["w11"] == pytest.approx(float(vh), rel=1e-14)
    assert got["parameters_final"]["w11"] == pytest.approx(w2, rel=1e-14)


def test_minibatch_sum_by_hand() -> None:
    """Three samples in mini-batches of 2 (the last one short), gradients summed, plain SGD, η = 0.5, w = 1:
    batch 1 (f = 1, t = 0; f = 2, t = 1): g = 1·1 + (2 − 1)·2 = 3 → w = −0.5;
    batch 2 (f = 1, t = 1): g = (−0.5 − 1)·1 = −1.5 → w = 0.25."""
    data = {**LINEAR, "update": "minibatch", "batch_size": 2, "reduction": "sum", "samples": LINEAR["samples"] + [{"f1": 1, "t": 1}]}
    got = run_json(data)
    assert [s["updated"] for s in got["samples"]] == [False, True, True]
    assert got["samples"][1]["update"]["gradients"] == {"w11": 3}
    assert got["parameters_final"] == {"w11": 0.25}
    assert got["batch_size"] == 2 and got["reduction"] == "sum"


def test_epoch_totals_by_hand() -> None:
    """Plain SGD on LINEAR: losses ½·1² = 0.5 and, after w = 0.5, ½·(1 − 1)² = 0; gradients 1 and 0."""
    got = run_json(LINEAR)
    assert got["epoch_totals"] == [{"epoch": 1, "loss_sum": 0.5, "loss_mean": 0.25, "gradient_mean": {"w11": 0.5}}]


# --- weight decay: the step engine and the vectorised trainer agree ------------------------------

@pytest.mark.parametrize("update", ["online", "batch"])
def test_decay_agrees_with_the_vectorised_trainer(update: str) -> None:
    import numpy as np

    from bpcalc.train.vectorised import Settings, fit

    data = problem(update=update, weight_decay=0.3, epochs=4)
    pr = build_problem(data, "p.json")
    run = train(pr)
    engine = [r.after for r in run.results if r.sample == len(pr.samples)]
    x = np.array([[float(s.inputs[n]) for n in pr.network.input_names] for s in pr.samples])
    t = np.array([[float(s.targets[n]) for n in pr.network.target_names] for s in pr.samples])
    h = fit(pr.network, {k: float(v) for k, v in pr.parameters.items()}, Settings(float(pr.learning_rate), 4, update, 0.3), x, t, keep=True)
    for got, want in zip(h.snapshots, engine):
        for k in want:
            assert got[k] == pytest.approx(want[k], rel=1e-12, abs=0), k


def test_decay_never_reaches_a_bias() -> None:
    got = run_json(problem(weight_decay=0.5, epochs=1))
    u = got["samples"][0]["update"]
    assert all(u["decay"][b] == 0 for b in ("b1", "b2", "b3"))
    assert all(u["gradients"][b] == u["loss_gradients"][b] for b in ("b1", "b2", "b3"))
    assert u["decay"]["w31"] == pytest.approx(0.5 * 0.4)


# --- the sheet -----------------------------------------------------------------------------------

def invoke(data: dict[str, Any], *args: str) -> Any:
    return CliRunner().invoke(main, ["run", "-", *args], input=json.dumps(data))


def test_momentum_sheet_shows_the_state_and_its_working() -> None:
    result = invoke({**LINEAR, "optimizer": {"name": "momentum", "momentum": 0.5}, "weight_decay": 0.2}, "--format", "plain", "--show", "updates", "--sample", "2")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Update: Δp(n) = μ·Δp(n-1) - η·dJ/dp, p + Δp(n), μ = 0.5, η = 0.5, λ = 0.2" in out
    assert "Δw11(n) = 0.5·(-0.600) - 0.5·(-0.320) = -0.140" in out
    assert "Objective J = L + (λ/2)·Σw² = 0.020 + 0.016 = 0.036" in out  # ½(0.8 − 1)² = 0.02, 0.1·0.4² = 0.016


def test_nesterov_sheet_says_where_the_pass_is_taken() -> None:
    out = invoke({**LINEAR, "optimizer": {"name": "momentum", "momentum": 0.5, "nesterov": True}}, "--format", "plain", "--sample", "2").output
    assert "Forward pass at the look-ahead point p + μ·Δp(n-1)" in out
    assert "2·(0.250)" in out  # w + μ·Δw = 0.5 + 0.5·(-0.5) = 0.25 (test_nesterov_by_hand)
    assert "dL/dp at p + μ·Δp(n-1)" in out


def test_adam_sheet_shows_its_moments() -> None:
    result = invoke({**LINEAR, "optimizer": {"name": "adam"}}, "--format", "plain", "--show", "updates", "--sample", "1")
    assert result.exit_code == 0, result.output
    # t = 1, g = 1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1, step = 0.5·1/(√1 + 1e-8) ≈ 0.500
    assert "m(w11) = 0.9·(0) + (1 - 0.9)·(1) = 0.100" in result.output
    assert "v̂(w11) = 0.001/(1 - 0.999¹) = 1.000" in result.output
    assert "step(w11) = 0.5·(1)/(√(1) + 1e-08) = 0.500" in result.output
    for fmt in ("latex", "markdown"):
        result = invoke({**LINEAR, "optimizer": {"name": "adam"}}, "--format", fmt, "--show", "updates")
        assert result.exit_code == 0 and "\\hat m" in result.output


def test_epoch_and_last_show_one_epoch() -> None:
    data = {**LINEAR, "epochs": 3}
    for args, want in ((["--epoch", "2"], [2, 2]), (["--last"], [3, 3])):
        got = json.loads(invoke(data, "--format", "json", *args).output)
        assert [s["epoch"] for s in got["samples"]] == want
        assert [e["epoch"] for e in got["epoch_totals"]] == want[:1]
    out = invoke(data, "--format", "plain", "--last").output
    assert "Epoch 3, sample 1" in out and "Epoch 2" not in out and "Epoch 3 totals: loss sum = " in out
    bad = invoke(data, "--epoch", "4")
    assert bad.exit_code == 2 and "--epoch" in bad.output


BAD = [
    ({"optimizer": {"name": "momentum", "momentum": 1}}, "optimizer.momentum", "from 0 up to (not including) 1"),
    ({"optimizer": {"name": "momentum", "momentum": -0.1}}, "optimizer.momentum", "from 0 up to"),
    ({"optimizer": {"name": "momentum"}}, "optimizer.momentum", "missing"),
    ({"optimizer": {"name": "momentum", "momentum": 0, "nesterov": True}}, "optimizer.nesterov", "momentum above 0"),
    ({"optimizer": {"name": "sgd", "nesterov": True}}, "optimizer.nesterov", "setting of momentum"),
    ({"optimizer": {"name": "momentum", "momentum": 0.9, "nesterov": "yes"}}, "optimizer.nesterov", "true or false"),
    ({"optimizer": {"name": "rmsprop"}}, "optimizer.name", "unknown optimizer"),
    ({"optimizer": "nadam"}, "optimizer", "unknown optimizer"),
    ({"optimizer": {"name": "adam", "beta3": 0.9}}, "optimizer.beta3", "unknown setting of adam"),
    ({"optimizer": {"name": "adam", "beta1": 1}}, "optimizer.beta1", "from 0 up to"),
    ({"optimizer": {"name": "adam", "epsilon": 0}}, "optimizer.epsilon", "positive"),
    ({"optimizer": 3}, "optimizer", "expected an optimizer name"),
    ({"weight_decay": -0.1}, "weight_decay", "at least 0"),
    ({"weight_decay": "0.1"}, "weight_decay", "at least 0"),
    ({"update": "minibatch", "batch_size": 0}, "batch_size", "at least 1"),
    ({"update": "minibatch"}, "batch_size", "missing"),
    ({"batch_size": 2}, "batch_size", "minibatch"),
    ({"update": "batch", "reduction": "median"}, "reduction", '"mean" or "sum"'),
    ({"reduction": "sum"}, "reduction", "batch"),
]


@pytest.mark.parametrize("changes,place,words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_values(changes: dict[str, Any], place: str, words: str) -> None:
    result = invoke({**LINEAR, **changes}, "--format", "json")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bpcalc: <stdin>: {place}: "), result.output
    assert words in lines[0]


# --- the JSON Schema says the same ----------------------------------------------------------------

SCHEMA = json.loads((ROOT / "bpcalc" / "problem.schema.json").read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_schema_takes_every_rule(name: str) -> None:
    import jsonschema

    jsonschema.validate(problem(**CASES[name]), SCHEMA)


@pytest.mark.parametrize("path", sorted((ROOT / "samples" / "rules").glob("*.json")), ids=lambda p: p.name)
def test_rule_samples_validate_and_load(path: Path) -> None:
    import jsonschema

    jsonschema.validate(json.loads(path.read_text()), SCHEMA)
    build_problem(json.loads(path.read_text()), path.name)


@pytest.mark.parametrize("changes,place,words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_schema_rejects_the_bad_values(changes: dict[str, Any], place: str, words: str) -> None:
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps({**LINEAR, **changes})), SCHEMA)


# --- the vectorised trainer (bpcalc train's) agrees with the step engine --------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_vectorised_trainer_agrees(name: str) -> None:
    import numpy as np

    from bpcalc.train.vectorised import Settings, fit

    pr = build_problem(problem(**CASES[name]), "p.json")
    run = train(pr)
    engine = [r.after for r in run.results if r.sample == len(pr.samples)]
    x = np.array([[float(s.inputs[n]) for n in pr.network.input_names] for s in pr.samples])
    t = np.array([[float(s.targets[n]) for n in pr.network.target_names] for s in pr.samples])
    settings = Settings(float(pr.learning_rate), pr.epochs, pr.update, float(pr.weight_decay), pr.frozen, pr.optimizer, pr.batch_size, pr.reduction)
    h = fit(pr.network, {k: float(v) for k, v in pr.parameters.items()}, settings, x, t, keep=True)
    assert len(h.snapshots) == len(engine) == pr.epochs
    for epoch, (got, want) in enumerate(zip(h.snapshots, engine), start=1):
        for k in want:
            assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-15), f"epoch {epoch}, {k}"


def test_train_command_takes_the_rules() -> None:
    data = json.loads((ROOT / "samples" / "training" / "circles_good_fit.json").read_text())
    data.update(optimizer={"name": "adam"}, update="minibatch", batch_size=32, weight_decay=0.001, epochs=5)
    result = CliRunner().invoke(main, ["train", "-", "--data", str(ROOT / "samples" / "training" / "circles.csv"), "--no-chart", "--format", "json"], input=json.dumps(data))
    assert result.exit_code == 0, result.output
    job = json.loads(result.output)
    assert job["optimizer"] == {"name": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    assert (job["update"], job["batch_size"], job["reduction"], job["weight_decay"]) == ("minibatch", 32, "mean", 0.001)
