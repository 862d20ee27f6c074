"""The paths made for scale give what the direct ones give: streamed JSON, the swapped batch mean, the answer index."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from bpcalc.arith import FloatMath, RoundedMath
from bpcalc.check.answers import parse_answers
from bpcalc.check.working import _partials
from bpcalc.evaluate import Run, iter_train, train
from bpcalc.problem import load_problem
from bpcalc.render.json import run_dict, run_json, run_json_stream, run_keys
from bpcalc.worksheet import View

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = [ROOT / "samples" / "q3.json", *sorted((ROOT / "benchmarks" / "problems").glob("*.json"))]


def streamed(problem, m, view: View) -> str:
    run = Run(problem, m)
    return "".join(run_json_stream(run, iter_train(run), view))


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_streamed_json_is_the_whole_run_json(path: Path) -> None:
    pr = load_problem(str(path))
    for m in (FloatMath(), RoundedMath(3)):
        for view in (View(), View(sample=1), View(show=("forward", "gradients")), View(show=("updates",), sample=len(pr.samples))):
            assert streamed(pr, m, view) == run_json(train(pr, m), view)


def test_streamed_json_exact_mode() -> None:
    from bpcalc.arith import ExactMath

    pr = load_problem(str(ROOT / "samples" / "q3.json"))
    assert streamed(pr, ExactMath(20), View()) == run_json(train(pr, ExactMath(20)), View())


def test_iter_train_gives_train_s_results_and_final() -> None:
    pr = load_problem(str(ROOT / "benchmarks" / "problems" / "batch_two_epochs.json"))
    run = Run(pr, FloatMath())
    results = list(iter_train(run))
    whole = train(pr)
    assert [(r.epoch, r.sample, r.after) for r in results] == [(r.epoch, r.sample, r.after) for r in whole.results]
    assert run.final == whole.final


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_run_keys_are_run_dict_s_keys(path: Path) -> None:
    run = train(load_problem(str(path)))
    data = run_dict(run)
    top, sample = run_keys(run)
    assert top == set(data)
    assert sample == set().union(*(set(s) for s in data["samples"]))


def test_partials_sum_as_fsum_of_the_swapped_list() -> None:
    rng = random.Random(9)
    for _ in range(300):
        xs = [rng.choice([rng.uniform(-1, 1), rng.uniform(-1e-12, 1e-12), rng.uniform(-1e8, 1e8), 1e16, -1e16, 0.1]) for _ in range(rng.randint(1, 40))]
        partials = _partials(xs)
        assert partials is not None
        j = rng.randrange(len(xs))
        new, own = rng.uniform(-1e3, 1e3), rng.uniform(-1, 1)
        swapped = xs[:j] + [new] + xs[j + 1:]
        assert math.fsum([*partials, -xs[j], new, own]) == math.fsum(swapped + [own])
    assert _partials([1.0, math.inf]) is None


def test_answers_for_sample_indexed_as_filtered() -> None:
    pr = load_problem(str(ROOT / "samples" / "q3.json"))
    text = (ROOT / "samples" / "q3-sheet-answers.json").read_text()
    answers = parse_answers(text, "a", pr)
    for epoch, sample in [(1, 1), (1, 2), (1, 3), (2, 1)]:
        want = {e.key: e.given for e in answers.entries if e.epoch == epoch and e.sample == sample}
        assert answers.for_sample(epoch, sample) == want


def test_dumps_item_by_item_is_json_dumps_text() -> None:
    from bpcalc.render.json import _encode

    big = {"items": [{"name": f"w{i}", "label": "∂L/∂w", "note": "a\nb", "value": i / 7, "none": None} for i in range(600)]}
    big["map"] = {f"k{i}": [i, -0.0, [], {}] for i in range(400)}
    for data in (big, {"empty": [], "nested": {"x": [big["items"][:3]]}}):
        assert _encode(data, "") == json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
