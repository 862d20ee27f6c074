"""Batch diagnosis at scale: a mistake made in earlier samples of an epoch is tried on the one parameter asked for
(``alone``) and not worked where it cannot touch it; both give what the whole working gives."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from bpcalc.check.diagnose import MISTAKES, Catalogue
from bpcalc.check.model import Key
from bpcalc.check.working import CORRECT, InSamples, Path, SampleContext
from bpcalc.problem import Problem, parse_problem

ROOT = pathlib.Path(__file__).resolve().parent.parent

SPEC: dict[str, Any] = {
    "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
    "learning_rate": 0.3,
    "update": "batch",
    "parameters": {"w11": 0.4, "w21": -0.3, "b1": 0.1, "w12": -0.2, "w22": 0.6, "b2": -0.1, "w13": 0.25, "w23": 0.35,
                   "b3": 0.05, "w31": 0.7, "w41": -0.5, "w51": 0.45, "b4": 0.2},
    "samples": [{"f1": 1.5, "f2": -0.5, "t": 1}, {"f1": -0.7, "f2": 0.9, "t": 0}, {"f1": 0.3, "f2": 0.2, "t": 1}, {"f1": -1.1, "f2": -0.4, "t": 0}],
}


def _problem(**changes: Any) -> Problem:
    return parse_problem(json.dumps({**SPEC, **changes}), "p.json")


def _last(pr: Problem, written: bool) -> SampleContext:
    """The epoch's last sample along the correct path; ``written``: the student wrote every earlier gradient (a little off)."""
    start = {k: float(v) for k, v in pr.parameters.items()}
    earlier: list[dict[str, float]] = []
    previous: list[SampleContext] = []
    for sample in range(1, len(pr.samples) + 1):
        ctx = SampleContext(pr, 1, sample, start, start, earlier=tuple(earlier), previous=tuple(previous))
        used = CORRECT.work(ctx).used
        if written and sample < len(pr.samples):
            grads = {n: round(float(g), 3) for n, g in used.items()}
            ctx = SampleContext(pr, 1, sample, start, start, gradients=grads, earlier=tuple(earlier), previous=tuple(previous))
            used = CORRECT.work(ctx).used
        earlier.append({n: float(g) for n, g in used.items()})
        previous.append(ctx)
    return ctx


def _variants(pr: Problem, ctx: SampleContext) -> list[InSamples]:
    catalogue = Catalogue(pr)
    count = ctx.sample - 1
    base = [v for m in MISTAKES for v in catalogue._base(m)]
    assert len(base) > 20
    return [InSamples(v, (j,), False) for v in base for j in range(count)] + [InSamples(v, tuple(range(count)), True) for v in base]


@pytest.mark.parametrize("changes", [{}, {"reduction": "sum"}, {"optimizer": {"name": "momentum", "momentum": 0.9}}, {"weight_decay": 0.01}])
@pytest.mark.parametrize("written", [False, True])
def test_alone_is_the_whole_workings_value(changes, written):
    pr = _problem(**changes)
    ctx = _last(pr, written)
    keys = [Key("parameter_after", n) for n in pr.network.param_names]
    told = 0
    for v in _variants(pr, ctx):
        whole, one = Path(ctx, carried=True), Path(ctx, carried=True)
        for key in keys:
            alone = one.alone(v, key)
            if alone is None:
                continue
            told += 1
            assert alone == whole.value(v, key), (v.inner, v.which, v.current, key)
    assert told > 100
    assert Path(ctx, carried=True).alone(CORRECT, keys[0]) is None  # only the batch mistakes say it alone


@pytest.mark.parametrize("written", [False, True])
def test_what_cannot_touch_a_parameter_gives_its_correct_value(written):
    pr = _problem()
    ctx = _last(pr, written)
    path = Path(ctx, carried=True)
    skipped = 0
    for v in _variants(pr, ctx):
        for n in pr.network.param_names:
            key = Key("parameter_after", n)
            if not v.touches(pr.network, key):
                skipped += 1
                value, correct = path.value(v, key), path.value(CORRECT, key)
                assert value is not None and correct is not None
                assert abs(value - correct) <= 1e-12 * max(1.0, abs(correct)), (v.inner, v.which, key)
    assert skipped > 100


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_mistake_in_one_earlier_sample_updates_as_the_swapped_list_does(reduction):
    """The epoch's gradients with one earlier sample's swapped for the mistake's (summed from exact partial sums) make
    the update the list of the swapped gradients makes: their mean, or their sum for a summed batch."""
    pr = _problem(reduction=reduction)
    ctx = _last(pr, False)
    checked = 0
    for v in _variants(pr, ctx):
        if v.current:
            continue
        done = v._passed(ctx, None)
        listed = CORRECT.update(ctx, None, done, v.earlier(ctx, None))
        assert v.work(ctx).after == listed.after, (v.inner, v.which)
        checked += 1
    assert checked > 50


def test_summed_batch_mistake_in_an_earlier_sample_is_told_there(tmp_path):
    """A summed batch (2-2-2, no biases) where the student swapped the inputs of sample 1 only: the final parameters,
    worked by the independent mpmath reference on that sample swapped, are told as that mistake in sample 1 (the
    swapped sum was divided by the samples, as a mean, so nothing reproduced them)."""
    import reference
    from click.testing import CliRunner
    from mpmath import mp

    from bpcalc.cli import main

    spec = json.loads((ROOT / "samples" / "schiendorfer_batch_no_bias.json").read_text())
    spec.update(reduction="sum", learning_rate=0.5)
    swapped = json.loads(json.dumps(spec))
    first = swapped["samples"][0]
    first["f1"], first["f2"] = first["f2"], first["f1"]
    final = reference.train(swapped)["parameters_final"]
    problem, answers = tmp_path / "p.json", tmp_path / "a.json"
    problem.write_text(json.dumps(spec))
    answers.write_text(json.dumps({"parameters_final": {n: mp.nstr(v, 4, strip_zeros=False) for n, v in final.items()}}))
    result = CliRunner().invoke(main, ["check", str(problem), str(answers), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    wrong = [i for i in report["items"] if i["verdict"] == "wrong"]
    assert [i["mistake"] for i in wrong] == ["inputs_swapped"]
    assert "in sample 1, you swapped f1 and f2 (used f1 = 1, f2 = 3)" in wrong[0]["diagnosis"]
    moved = [i for i in report["items"] if i["name"] not in ("w12", "w22")]  # the two the swap leaves as they were
    assert all(i["verdict"] != "right" for i in moved) and sum(i["verdict"] == "follows" for i in moved) == len(moved) - 1
