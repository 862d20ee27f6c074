"""The answer-key options on the command line: --sample and --show in every format, bad values, imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> str:
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    return r.output


# --- bad values: one line on stderr, exit 2 -------------------------------------------------------

BAD = [
    (["run", Q3, "--round-steps", "x"], "bpcalc: --round-steps: expected a whole number of decimals from 1 to 15, got 'x'"),
    (["run", Q3, "--round-steps", "16"], "bpcalc: --round-steps: expected a whole number of decimals from 1 to 15, got '16'"),
    (["run", Q3, "--round-steps", "-1"], "bpcalc: --round-steps: expected a whole number of decimals from 1 to 15, got '-1'"),
    (["run", Q3, "--round-steps", "3", "--exact"], "bpcalc: --round-steps and --exact cannot be used together: choose hand-rounded or exact arithmetic"),
    (["run", Q3, "--digits", "20"], "bpcalc: --digits needs --exact (it sets the significant digits of exact values)"),
    (["run", Q3, "--exact", "--digits", "0"], "bpcalc: --digits: expected a whole number of significant digits from 1 to 1000, got '0'"),
    (["run", Q3, "--exact", "--digits", "2.5"], "bpcalc: --digits: expected a whole number of significant digits from 1 to 1000, got '2.5'"),
    (["run", Q3, "--sample", "3"], f"bpcalc: --sample: expected a sample number ({Q3} has 2 samples) from 1 to 2, got '3'"),
    (["run", Q3, "--sample", "0"], f"bpcalc: --sample: expected a sample number ({Q3} has 2 samples) from 1 to 2, got '0'"),
    (["run", Q3, "--sample", "one"], f"bpcalc: --sample: expected a sample number ({Q3} has 2 samples) from 1 to 2, got 'one'"),
    (["run", Q3, "--show", "forward,loss"], "bpcalc: --show: unknown part 'loss'; expected one or more of forward, gradients, updates, parameters (comma-separated)"),
    (["run", Q3, "--show", ","], "bpcalc: --show: expected one or more of forward, gradients, updates, parameters (comma-separated), got ','"),
    (["run", Q3, "--latex-body"], "bpcalc: --latex-body needs --format latex"),
    (["run", Q3, "--format", "markdown", "--latex-body"], "bpcalc: --latex-body needs --format latex"),
    (["derive", "--param", "w11", "--sample", "1"], "bpcalc: --sample needs --problem: without a problem there are no samples to evaluate"),
    (["derive", "--param", "w11", "--exact"], "bpcalc: --exact needs --problem: without a problem there are no samples to evaluate"),
    (["derive", "--param", "w11", "--round-steps", "2"], "bpcalc: --round-steps needs --problem: without a problem there are no samples to evaluate"),
    (["derive", "--param", "w11", "--format", "csv"], "bpcalc: --format csv needs --problem: without a problem there are no values to list"),
    (["derive", "--param", "w11", "--problem", Q3, "--sample", "9"], f"bpcalc: --sample: expected a sample number ({Q3} has 2 samples) from 1 to 2, got '9'"),
    (["derive", "--param", "w11", "--problem", Q3, "--format", "latex", "--latex-body", "--digits", "5"], "bpcalc: --digits needs --exact (it sets the significant digits of exact values)"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a[2:] if a[0] == "run" else a[1:]) for a, _ in BAD])
def test_bad_values_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == message + "\n"
    assert "Traceback" not in r.output


def test_an_unknown_format_is_a_usage_error() -> None:
    r = invoke("run", Q3, "--format", "pdf")
    assert r.exit_code == 2 and "'pdf' is not one of" in r.stderr


# --- --sample and --show in every format ----------------------------------------------------------


def test_json_sample_and_show() -> None:
    d = json.loads(ok("run", Q3, "--format", "json", "--sample", "2", "--show", "gradients"))
    assert [s["sample"] for s in d["samples"]] == [2]
    s = d["samples"][0]
    assert {"gradients", "factors", "deltas"} <= set(s)
    assert not {"forward", "loss", "update", "parameters_before", "parameters_after"} & set(s)
    assert "parameters_final" not in d
    full = json.loads(ok("run", Q3, "--format", "json"))
    assert s["gradients"] == full["samples"][1]["gradients"]


def test_json_keeps_the_contract_by_default() -> None:
    d = json.loads(ok("run", Q3, "--format", "json"))
    assert d["mode"] == "float"
    for s in d["samples"]:
        assert {"epoch", "sample", "inputs", "targets", "forward", "loss", "gradients", "parameters_before", "parameters_after"} <= set(s)
    assert "parameters_final" in d


@pytest.mark.parametrize("fmt", ["plain", "markdown", "latex"])
def test_text_formats_sample_and_show(fmt: str) -> None:
    out = ok("run", Q3, "--format", fmt, "--sample", "2", "--show", "updates")
    assert "Sample 2" in out and "Sample 1" not in out
    assert "Forward pass" not in out and "Gradients (chain rule)" not in out and "Parameters after" not in out
    assert "Update" in out
    out = ok("run", Q3, "--format", fmt, "--show", "forward,parameters")
    assert out.count("Forward pass") == 2 and out.count("Parameters after") == 2
    assert "Gradients (chain rule)" not in out and "Update" not in out


def test_derive_sample_in_every_format() -> None:
    d = json.loads(ok("derive", "--param", "w11", "--problem", Q3, "--format", "json", "--sample", "2"))
    assert [s["sample"] for s in d["samples"]] == [2]
    for fmt in ("plain", "markdown", "latex", "csv"):
        out = ok("derive", "--param", "w11", "--problem", Q3, "--format", fmt, "--sample", "2")
        # sample 2's f1 = 25 appears, sample 1's gradient -3.93e-06 does not
        assert "25" in out and "-3.93" not in out, fmt


def test_round_steps_sets_the_displayed_decimals_unless_precision_is_given() -> None:
    out = ok("run", Q3, "--format", "plain", "--round-steps", "2", "--sample", "1", "--show", "forward")
    assert "1/(1 + e^(0.60))" in out
    out = ok("run", Q3, "--format", "plain", "--round-steps", "2", "--precision", "4", "--sample", "1", "--show", "forward")
    assert "1/(1 + e^(0.6000))" in out


def test_help_lists_the_options() -> None:
    out = ok("run", "--help")
    for option in ("--latex-body", "--round-steps", "--exact", "--digits", "--sample", "--show", "latex|markdown|csv"):
        assert option in out
    out = ok("derive", "--help")
    for option in ("--latex-body", "--round-steps", "--exact", "--digits", "--sample"):
        assert option in out


# --- imports: no SymPy where it is not needed ------------------------------------------------------


from probes import modules_after as _modules_after


@pytest.mark.parametrize(
    "args",
    [["run", Q3, "--format", "csv"], ["run", Q3, "--format", "plain", "--round-steps", "3", "--show", "forward,updates"]],
    ids=["csv", "rounded-plain"],
)
def test_no_sympy_for_csv_or_hand_rounded_tables(args: list[str]) -> None:
    assert "sympy" not in _modules_after(args)
