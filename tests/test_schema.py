"""The shipped JSON Schema describes the problem files bpcalc reads."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bpcalc.problem import load_problem

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "bpcalc" / "problem.schema.json").read_text())
PROBLEMS = sorted(p for p in (ROOT / "samples").glob("*.json") if "answers" not in p.name)


def test_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_every_sample_problem_validates_and_loads(path: Path) -> None:
    jsonschema.validate(json.loads(path.read_text()), SCHEMA)
    load_problem(str(path))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["network"].update(loss="hinge"),
        lambda d: d["network"].update(activations=["tanh", "swish"]),
        lambda d: d.update(learning_rate=0),
        lambda d: d.update(update="minibatch"),
        lambda d: d["parameters"].update(w31="1"),
        lambda d: d["samples"][0].update(x1=3),
        lambda d: d.update(extra=1),
    ],
)
def test_schema_rejects_what_bpcalc_rejects(change: object) -> None:
    data = json.loads((ROOT / "samples" / "q3.json").read_text())
    change(data)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
