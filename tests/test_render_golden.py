"""Golden files: the exact layout of every renderer, at a fixed width.

Regenerate with ``BPCALC_REGEN_GOLDEN=1 python -m pytest tests/test_render_golden.py`` and review the
diff by eye: goldens pin layout, not numbers. The numbers in them are checked independently
(tests/test_round_exact.py, tests/test_render_csv.py, tests/test_render_numbers.py).
"""

from __future__ import annotations

import difflib
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
Q3 = str(ROOT / "samples" / "q3.json")
REGEN = bool(os.environ.get("BPCALC_REGEN_GOLDEN"))
WIDTH = 100

# a network with everything q3 lacks: two hidden layers, softmax, batch updates, frozen parameters, epochs
SOFTMAX_BATCH = {
    "title": "Softmax & batch: 2-2-2-2, relu then tanh, ce",
    "network": {"layers": [2, 2, 2, 2], "activations": ["relu", "tanh", "softmax"], "loss": "ce"},
    "learning_rate": 0.5,
    "epochs": 2,
    "update": "batch",
    "frozen": ["w11"],
    "parameters": {
        "w11": 0.5, "w21": -0.25, "b1": 0.1, "w12": 0.25, "w22": 0.5, "b2": 0,
        "w31": 0.4, "w41": -0.6, "b3": 0, "w32": 0.3, "w42": 0.2, "b4": 0.05,
        "w51": 0.7, "w61": -0.2, "b5": 0, "w52": -0.5, "w62": 0.4, "b6": 0,
    },
    "samples": [{"f1": 1, "f2": 2, "t1": 1, "t2": 0}, {"f1": -1, "f2": 0.5, "t1": 0, "t2": 1}],
}


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"missing golden {path}; run with BPCALC_REGEN_GOLDEN=1 and review it"
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), f"golden/{name}", "output"))
        pytest.fail(f"output differs from golden/{name}:\n{diff[:6000]}")


def rich_text(renderable) -> str:
    console = Console(width=WIDTH, file=io.StringIO())
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture
def softmax_batch(tmp_path: Path) -> str:
    path = tmp_path / "softmax_batch.json"
    path.write_text(json.dumps(SOFTMAX_BATCH))
    return str(path)


def _run(path: str, math=None):
    from bpcalc.evaluate import train
    from bpcalc.problem import load_problem

    return train(load_problem(path), math)


# --- rich and plain tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,math,plain",
    [
        ("run_q3_rich.txt", None, False),
        ("run_q3_plain.txt", None, True),
        ("run_q3_round3.txt", ("rounded", 3), True),
        ("run_q3_exact.txt", ("exact", 10), True),
    ],
)
def test_text_tables(name: str, math, plain: bool) -> None:
    from bpcalc.arith import ExactMath, RoundedMath
    from bpcalc.render.text import run_plain, run_rich
    from bpcalc.worksheet import View

    m = None if math is None else RoundedMath(math[1]) if math[0] == "rounded" else ExactMath(math[1])
    precision = math[1] if math and math[0] == "rounded" else 3
    golden(name, rich_text((run_plain if plain else run_rich)(_run(Q3, m), View(precision=precision))))


def test_text_tables_chosen_parts(softmax_batch: str) -> None:
    from bpcalc.render.text import run_plain
    from bpcalc.worksheet import View

    view = View(show=("gradients", "parameters"), sample=2)
    golden("run_softmax_batch_s2_gradients_parameters.txt", rich_text(run_plain(_run(softmax_batch), view)))


def test_derive_tables() -> None:
    from bpcalc.arith import ExactMath
    from bpcalc.derive import derivation_for
    from bpcalc.render.derive import render_derivation

    golden("derive_w11_q3_plain.txt", rich_text(render_derivation(derivation_for("w11", Q3), plain=True)))
    golden("derive_b4_q3_exact_rich.txt", rich_text(render_derivation(derivation_for("b4", Q3, ExactMath(12)))))


# --- LaTeX, Markdown, CSV, JSON through the command line -------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("run_q3.tex", ["--format", "latex"]),
        ("run_q3_round3_s1.tex", ["--format", "latex", "--round-steps", "3", "--sample", "1"]),
        ("run_q3_exact_s1_body.tex", ["--format", "latex", "--exact", "--sample", "1", "--latex-body"]),
        ("run_q3.md", ["--format", "markdown"]),
        ("run_q3_exact_s2.md", ["--format", "markdown", "--exact", "--digits", "12", "--sample", "2"]),
        ("run_q3.csv", ["--format", "csv"]),
        ("run_q3_round3.csv", ["--format", "csv", "--round-steps", "3"]),
        ("run_q3_exact.csv", ["--format", "csv", "--exact", "--digits", "20"]),
        ("run_q3_round3_s1.json", ["--format", "json", "--round-steps", "3", "--sample", "1"]),
        ("run_q3_exact_s1_forward.json", ["--format", "json", "--exact", "--sample", "1", "--show", "forward"]),
    ],
)
def test_run_formats(name: str, args: list[str]) -> None:
    golden(name, cli("run", Q3, *args))


@pytest.mark.parametrize(
    "name,args",
    [
        ("run_softmax_batch.tex", ["--format", "latex"]),
        ("run_softmax_batch_updates.md", ["--format", "markdown", "--show", "updates,parameters"]),
        ("run_softmax_batch_s1.csv", ["--format", "csv", "--sample", "1", "--show", "forward,gradients"]),
    ],
)
def test_run_formats_other_network(name: str, args: list[str], softmax_batch: str) -> None:
    golden(name, cli("run", softmax_batch, *args))


@pytest.mark.parametrize(
    "name,args",
    [
        ("derive_w11.tex", ["--param", "w11", "--format", "latex"]),
        ("derive_w11_q3.tex", ["--param", "w11", "--problem", Q3, "--format", "latex"]),
        ("derive_w11_q3_round3_body.tex", ["--param", "w11", "--problem", Q3, "--format", "latex", "--round-steps", "3", "--latex-body"]),
        ("derive_b4_q3_exact.md", ["--param", "β4", "--problem", Q3, "--format", "markdown", "--exact"]),
        ("derive_w11_q3.md", ["--param", "w11", "--problem", Q3, "--format", "markdown"]),
        ("derive_w11_q3.csv", ["--param", "w11", "--problem", Q3, "--format", "csv"]),
        ("derive_w11_q3_s2.json", ["--param", "w11", "--problem", Q3, "--format", "json", "--sample", "2"]),
    ],
)
def test_derive_formats(name: str, args: list[str]) -> None:
    golden(name, cli("derive", *args))


def test_derive_hidden_layers_markdown(softmax_batch: str) -> None:
    # a weight two layers below a softmax output: the chain goes through back-propagated deltas
    golden("derive_w11_softmax_batch.md", cli("derive", "--param", "w11", "--problem", softmax_batch, "--format", "markdown"))
