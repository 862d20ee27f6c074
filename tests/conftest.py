"""Shared test helpers.

``run_json`` runs ``bpcalc run FILE --format json`` in-process with click's
CliRunner and returns the parsed JSON object.  It accepts a path to a problem
file or a problem dict (written to pytest's tmp_path first).

bpcalc is imported lazily, inside the helper, so that every test module can be
collected even while the package under test is missing or broken.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
SAMPLES_DIR = REPO_ROOT / "samples"

# make ``import reference`` work however pytest was started
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


def _invoke_json(path) -> dict:
    from click.testing import CliRunner

    from bpcalc.cli import main

    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"bpcalc run {path} --format json raised {result.exception!r}\n"
            f"output:\n{result.output}"
        ) from result.exception
    assert result.exit_code == 0, (
        f"bpcalc run {path} --format json exited {result.exit_code}\n"
        f"output:\n{result.output}"
    )
    try:
        return json.loads(result.output)
    except json.JSONDecodeError as exc:  # pragma: no cover - diagnostic
        raise AssertionError(
            f"bpcalc output is not JSON ({exc}):\n{result.output[:2000]}"
        ) from exc


@pytest.fixture
def run_json(tmp_path):
    """Fixture: ``run_json(path_or_problem_dict) -> parsed JSON output``."""
    counter = {"n": 0}

    def _run(path_or_problem):
        if isinstance(path_or_problem, dict):
            counter["n"] += 1
            path = tmp_path / f"problem_{counter['n']}.json"
            path.write_text(json.dumps(path_or_problem), encoding="utf-8")
        else:
            path = Path(path_or_problem)
        return _invoke_json(path)

    return _run
