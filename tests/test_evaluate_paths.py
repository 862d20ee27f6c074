"""The evaluator's two ways of working a float pass give the same numbers, float for float (issue 9).

A plain float pass with nothing overridden works on lists per layer (``ArrayPass``, its name-keyed
dicts made when read); everything else takes the name-keyed path. Here the same random nets (every
bias mode, hidden and output activations, losses, saturating and signed-zero parameters) are worked
both ways: the name-keyed path is reached with a subclass of FloatMath that changes nothing, so
both compute the same function and must agree bit for bit, keys and their order included. What
the numbers are is checked elsewhere against the independent mpmath reference
(tests/test_reference_gradients.py); this file checks that the fast path is that same working.
"""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import SGD, ArrayPass, Overrides, Pass, _evaluate_sample, apply_update, evaluate, train
from bpcalc.network import Network
from bpcalc.problem import Sample, build_problem


class NamedFloatMath(FloatMath):
    """FloatMath itself, by another type: the evaluator takes its name-keyed path for it."""


class LoopSGD(SGD):
    """Plain SGD, by another type: apply_update takes its parameter-by-parameter loop for it."""


HIDDEN = ["tanh", "sigmoid", "relu", "leaky_relu(slope=0.1)", "linear", "bipolar_sigmoid", "scaled_tanh"]
OUTPUTS = [("sigmoid", "bce"), ("softmax", "ce"), ("sigmoid", "ce"), ("linear", "half_sse"), ("tanh", "mse"), ("sigmoid", "sse")]
BIASES = [True, False, "threshold"]


def bits(x: Any) -> Any:
    """A float by its bits (so −0.0 ≠ 0.0 and a NaN equals itself); anything else as it is."""
    return struct.pack("<d", x) if isinstance(x, float) else x


def shown(d: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, bits(v)) for k, v in d.items()]


def random_case(rng: random.Random, bias: Any = None) -> tuple[Network, dict[str, float], dict[str, float], dict[str, float]]:
    depth = rng.randint(0, 3)
    out, loss = rng.choice(OUTPUTS)
    layers = [rng.randint(1, 5)] + [rng.randint(1, 6) for _ in range(depth)] + [rng.randint(2 if out == "softmax" else 1, 4)]
    net = Network(tuple(layers), tuple(rng.choice(HIDDEN) for _ in range(depth)) + (out,), loss, rng.choice(BIASES) if bias is None else bias)
    scale = rng.choice([0.5, 3.0, 40.0, 500.0])  # up to deep saturation
    params = {p.name: rng.choice([0.0, -0.0]) if rng.random() < 0.05 else rng.uniform(-scale, scale) for p in net.params}
    inputs = {u.name: rng.uniform(-2, 2) for u in net.inputs}
    if out == "softmax":
        hot = rng.randrange(layers[-1])
        targets = {u.target: float(j == hot) for j, u in enumerate(net.outputs)}
    else:
        targets = {u.target: rng.choice([0.0, 1.0, rng.random()]) for u in net.outputs}
    return net, params, inputs, targets


def same(a: Pass, b: Pass) -> None:
    assert shown(a.forward) == shown(b.forward)
    assert bits(a.loss) == bits(b.loss)
    assert shown(a.factors) == shown(b.factors)
    assert shown(a.deltas) == shown(b.deltas)
    assert shown(a.gradients) == shown(b.gradients)
    assert shown(a.computed) == shown(b.computed)


@pytest.mark.parametrize("seed", range(4))
def test_list_path_and_named_path_agree_float_for_float(seed: int) -> None:
    rng = random.Random(9_000 + seed)
    for _ in range(150):
        net, params, inputs, targets = random_case(rng)
        fast = evaluate(net, FloatMath(), params, inputs, targets)
        named = evaluate(net, NamedFloatMath(), params, inputs, targets)
        assert isinstance(fast, ArrayPass) and not isinstance(named, ArrayPass)
        same(fast, named)


def test_the_bench_nets_agree_float_for_float() -> None:
    """The benchmark's shapes (10-80-2 σ/bce, 3-20-6 softmax/ce, 5-12-9-4 tanh/tanh/σ), at a size the suite can afford."""
    rng = random.Random(91)
    for layers, acts, loss in [((10, 80, 2), ("tanh", "sigmoid"), "bce"), ((3, 20, 6), ("tanh", "softmax"), "ce"), ((5, 12, 9, 4), ("tanh", "tanh", "sigmoid"), "bce")]:
        net = Network(layers, acts, loss)
        params = {p.name: rng.uniform(-0.5, 0.5) for p in net.params}
        inputs = {u.name: rng.uniform(-1, 1) for u in net.inputs}
        targets = {u.target: float(j == 0) for j, u in enumerate(net.outputs)}
        same(evaluate(net, FloatMath(), params, inputs, targets), evaluate(net, NamedFloatMath(), params, inputs, targets))


def test_what_takes_the_named_path() -> None:
    net, params, inputs, targets = random_case(random.Random(3), bias=True)
    assert isinstance(evaluate(net, FloatMath(), params, inputs, targets), ArrayPass)
    assert isinstance(evaluate(net, FloatMath(), params, inputs, targets, overrides=Overrides(style="stable")), ArrayPass)
    for m, overrides in [
        (RoundedMath(4), Overrides()),
        (FloatMath(), Overrides(style="results")),
        (FloatMath(), Overrides(backward=params)),
        (FloatMath(), Overrides(forward={net.outputs[0].name: 0.5})),
        (FloatMath(), Overrides(derivatives={net.outputs[0].name: lambda m, z, a: 1.0})),
    ]:
        assert not isinstance(evaluate(net, m, params, inputs, targets, overrides=overrides), ArrayPass)
    shared = Network((2, 2, 1), ("tanh", "sigmoid"), "bce", "per_layer")
    p = {q.name: 0.1 for q in shared.params}
    assert not isinstance(evaluate(shared, FloatMath(), p, {"f1": 1.0, "f2": 0.5}, {"t": 1.0}), ArrayPass)


def test_a_pass_that_leaves_the_doubles_names_the_same_value_both_ways() -> None:
    rng = random.Random(17)
    failed = 0
    for _ in range(400):
        net, params, inputs, targets = random_case(rng)
        for name in rng.sample(list(params), min(2, len(params))):
            params[name] = rng.choice([1e300, -1e300, 1e160, float("inf"), float("nan")])
        said = []
        for m in (FloatMath(), NamedFloatMath()):
            try:
                _evaluate_sample(net, m, params, Sample(inputs, targets), "p.json: sample 1: ")
                said.append(None)
            except BpcalcError as e:
                said.append(str(e))
        assert said[0] == said[1]
        failed += said[0] is not None
    assert 100 < failed < 400  # both kinds of pass were seen


def test_plain_sgd_a_dict_at_a_time_is_the_loop() -> None:
    rng = random.Random(5)
    for m in (FloatMath(), RoundedMath(3)):
        names = [f"w{i}" for i in range(1, 40)]
        params = {n: rng.uniform(-2, 2) for n in names}
        grads = {n: rng.uniform(-1, 1) for n in names}
        lr = 0.35
        a = apply_update(SGD(), m, params, grads, lr, frozenset())
        b = apply_update(LoopSGD(), m, params, grads, lr, frozenset())
        for field in ("gradients", "steps", "before", "after", "kept", "state", "prior"):
            x, y = getattr(a, field), getattr(b, field)
            assert list(x) == list(y), field
            assert [bits(v) for v in x.values()] == [bits(v) for v in y.values()], field


def test_training_shares_parameters_without_changing_them() -> None:
    """Results share the run's parameter dicts (each made by one update): the values are those of the named path's run."""
    net = Network((2, 3, 2), ("tanh", "sigmoid"), "bce")
    rng = random.Random(11)
    data = {
        "network": {"layers": [2, 3, 2], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "learning_rate": 0.5,
        "epochs": 2,
        "parameters": {n: round(rng.uniform(-1, 1), 3) for n in net.param_names},
        "samples": [{"f1": round(rng.uniform(-1, 1), 2), "f2": 0.5, "t1": i % 2, "t2": 1 - i % 2} for i in range(3)],
    }
    for optimizer, rules in [
        (None, {}),
        ({"name": "momentum", "momentum": 0.5, "nesterov": True}, {}),
        (None, {"update": "minibatch", "batch_size": 2, "reduction": "sum"}),
        ({"name": "adam"}, {"update": "batch", "weight_decay": 0.01}),
    ]:
        problem = build_problem({**data, **rules, **({"optimizer": optimizer} if optimizer else {})}, "p.json")
        fast, named = train(problem), train(problem, NamedFloatMath())
        for r, s in zip(fast.results, named.results):
            same(r.pass_, s.pass_)
            assert shown(r.before) == shown(s.before) and shown(r.after) == shown(s.after)
            assert (r.at is None) == (s.at is None) and (r.at is None or shown(r.at) == shown(s.at))
        assert shown(fast.final) == shown(named.final)
        for e, f in zip(fast.epochs, named.epochs):
            assert bits(e.loss_sum) == bits(f.loss_sum) and shown(e.gradient_mean) == shown(f.gradient_mean)
        for r, later in zip(fast.results, fast.results[1:]):
            assert later.before == r.after  # what one sample ends with, the next starts from
        looked = [r.at is not None for r in fast.results]
        nesterov = optimizer is not None and optimizer.get("nesterov", False)
        assert looked == ([False] + [True] * 5 if nesterov else [False] * 6)  # Nesterov looks ahead once Δp exists


def test_a_list_pass_pickles_and_copies_as_the_pass_of_its_dicts() -> None:
    import copy
    import pickle

    net, params, inputs, targets = random_case(random.Random(23), bias=True)
    fast = evaluate(net, FloatMath(), params, inputs, targets)
    for twin in (pickle.loads(pickle.dumps(fast)), copy.deepcopy(fast), copy.copy(fast)):
        assert type(twin) is Pass
        same(twin, evaluate(net, NamedFloatMath(), params, inputs, targets))
