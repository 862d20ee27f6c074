"""Regressions found by fuzzing the CLI: each once gave a traceback, hung, ate memory or printed nonsense.

Bad input must give one line on stderr naming the file and the place, and exit status 2;
good input in odd corners (huge or tiny numbers, saturated units, a byte-order mark) must work.
Numbers asserted here are worked by hand in the comments, never taken from bpcalc's output.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3_TEXT = (ROOT / "samples" / "q3.json").read_text(encoding="utf-8")
Q3 = json.loads(Q3_TEXT)


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(main, args)


def no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def one_line_error(result: Any) -> str:
    no_traceback(result)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def write(tmp_path: Path, text: str | bytes, name: str = "p.json") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def changed(tmp_path: Path, change: Any) -> str:
    data = copy.deepcopy(Q3)
    change(data)
    return write(tmp_path, json.dumps(data, ensure_ascii=False))


def one_unit(f1: str, w11: str, activation: str = "linear", loss: str = "half_sse", t: str = "0") -> str:
    """A 1-1 network (one weight w11, one bias b1 = 0) as JSON text, numbers exactly as given."""
    return (
        f'{{"network": {{"layers": [1, 1], "activations": ["{activation}"], "loss": "{loss}"}},'
        f' "learning_rate": 0.5, "parameters": {{"w11": {w11}, "b1": 0}}, "samples": [{{"f1": {f1}, "t": {t}}}]}}'
    )


# --- numbers at the edges -----------------------------------------------------------------------


def test_integer_too_large_for_a_double(tmp_path: Path) -> None:
    p = write(tmp_path, one_unit("1" + "0" * 400, "2"))
    assert one_line_error(invoke(["run", p])) == (
        f"bpcalc: {p}: samples[0].f1: expected a number, got 1.000000e+400 (too large for a double)"
    )


def test_integer_with_more_digits_than_python_reads(tmp_path: Path) -> None:
    # read exactly (past int()'s 4,300 digits) and refused with its place: 10^5000 − 1 is no double
    p = write(tmp_path, one_unit("9" * 5000, "2"))
    line = one_line_error(invoke(["run", p]))
    assert line == f"bpcalc: {p}: samples[0].f1: expected a number, got 1.000000e+5000 (too large for a double)"


def test_hand_rounding_of_large_values(tmp_path: Path) -> None:
    # y = 2·10^20, L = ½y² = 2·10^40, dL/dw11 = y·f1 = 2·10^40,
    # w11 ← 2 − 0.5·2·10^40 = −10^40: every step is a whole number, so rounding to 3 decimals keeps it
    # (it used to raise decimal.InvalidOperation: 10^40 to 3 decimals is more than 28 digits)
    p = write(tmp_path, one_unit("1e20", "2"))
    result = invoke(["run", p, "--round-steps", "3", "--format", "json"])
    no_traceback(result)
    assert result.exit_code == 0
    s = json.loads(result.stdout)["samples"][0]
    assert s["forward"]["y"] == pytest.approx(2e20, rel=1e-15)
    assert s["loss"] == pytest.approx(2e40, rel=1e-15)
    assert s["gradients"]["w11"] == pytest.approx(2e40, rel=1e-15)
    assert s["parameters_after"]["w11"] == pytest.approx(-1e40, rel=1e-15)


def test_exact_arithmetic_with_a_long_integer(tmp_path: Path) -> None:
    # y = 1·f1 + 0 exactly; its closed form is the 23-digit integer itself
    f1 = "12345678901234567890123"
    p = write(tmp_path, one_unit(f1, "1"))
    result = invoke(["run", p, "--exact", "--format", "plain", "--show", "forward"])
    no_traceback(result)
    assert result.exit_code == 0
    assert f"{f1}·(1) + 0" in result.stdout


def test_exact_refuses_numbers_it_cannot_hold(tmp_path: Path) -> None:
    # 1e-999999999 is exactly 1/10^999999999: a rational that does not fit in memory
    p = write(tmp_path, one_unit("1", "1e-999999999"))
    assert one_line_error(invoke(["run", p, "--exact"])) == (
        f"bpcalc: {p}: parameters.w11: too many digits for --exact (at most 1000 digits and exponents up to ±1000)"
    )
    # without --exact it is just a very small double (0 after rounding): fine
    result = invoke(["run", p, "--format", "json"])
    assert result.exit_code == 0


def test_saturated_sigmoid_output_beyond_doubles_is_refused(tmp_path: Path) -> None:
    # o = 0.1·10^6 = 10^5: dL/dy = (1 − t)/(1 − y) = 1 + e^100000 for t = 0, far beyond a double
    # (it used to be shown as inf, and as null in JSON, with exit 0; issue 14: say so, exit 2)
    p = write(tmp_path, one_unit("1e6", "0.1", "sigmoid", "bce"))
    for fmt in ("plain", "json", "csv", "latex", "markdown"):
        assert one_line_error(invoke(["run", p, "--format", fmt])) == (
            f"bpcalc: {p}: sample 1: dL/dy = inf: the numbers leave the range of a double; try smaller inputs or weights"
        )


def test_tiny_inputs_are_written_in_scientific_form(tmp_path: Path) -> None:
    # 1e-320 used to be printed as 0.000…0001 with 320 zeros, off the page in LaTeX
    p = write(tmp_path, one_unit("1e-320", "0.5"))
    for fmt in ("latex", "markdown", "plain"):
        result = invoke(["run", p, "--format", fmt, "--show", "forward"])
        assert result.exit_code == 0, result.output
        assert "0" * 30 not in result.stdout
    latex = invoke(["run", p, "--format", "latex", "--show", "forward"]).stdout
    assert "1 \\times 10^{-320}" in latex


def test_given_numbers_keep_every_digit() -> None:
    from bpcalc.render.numbers import given, written

    forty = "0." + "1234567890" * 4
    assert written(Decimal(forty)) == "1." + "234567890" + "1234567890" * 2 + "123456789" + "e-01"  # trailing 0 dropped
    assert written(Decimal("-5E-324")) == "-5e-324"
    assert written(Decimal("0.05")) == "0.05"
    assert given(Decimal("1E-320")) == "1e-320"
    assert given(Decimal("0.050")) == "0.050"


def test_overflow_names_the_file_without_python_internals(tmp_path: Path) -> None:
    # y = 10^200 is a double, but L = ½y² = ½·10^400 is not (Python raises OverflowError here)
    p = write(tmp_path, one_unit("1e200", "1"))
    assert one_line_error(invoke(["run", p])) == (
        f"bpcalc: {p}: sample 1: the numbers leave the range of a double; try smaller inputs or weights"
    )
    # o = 10^200·10^200 is already infinite
    p = write(tmp_path, one_unit("1e200", "1e200"))
    assert one_line_error(invoke(["run", p])) == (
        f"bpcalc: {p}: sample 1: o = inf: the numbers leave the range of a double; try smaller inputs or weights"
    )


# --- files that are not quite JSON problems ---------------------------------------------------


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    plain = invoke(["run", write(tmp_path, Q3_TEXT, "a.json"), "--format", "json"])
    bom = invoke(["run", write(tmp_path, "\ufeff" + Q3_TEXT, "b.json"), "--format", "json"])
    assert bom.exit_code == 0 and json.loads(bom.stdout)["parameters_final"] == json.loads(plain.stdout)["parameters_final"]


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    p = write(tmp_path, Q3_TEXT.replace('"w11": -0.1,', '"w11": -0.1, "w11": 5,'))
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: parameters.w11: given twice; each key may appear once"
    p = write(tmp_path, Q3_TEXT.rstrip().rstrip("}") + ', "learning_rate": 7}')
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: learning_rate: given twice; each key may appear once"


def test_deep_nesting(tmp_path: Path) -> None:
    p = write(tmp_path, "[" * 100000 + "]" * 100000)
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: invalid JSON: nested too deeply"


def test_lone_surrogate_in_title(tmp_path: Path) -> None:
    p = write(tmp_path, Q3_TEXT.replace('"Q3', '"\\ud800Q3'))
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: title: not valid Unicode text (a lone surrogate \\u escape)"


def test_key_with_a_space_is_placed_as_jq_writes_it(tmp_path: Path) -> None:
    p = changed(tmp_path, lambda d: d["samples"][0].update({"f 3": 1}))
    assert one_line_error(invoke(["run", p])) == (
        f'bpcalc: {p}: samples[0]["f 3"]: unknown key; sample 1 of this 2-input, 1-output network takes f1, f2, t'
    )


ACTS = "sigmoid, tanh, relu, leaky_relu, linear, softmax, bipolar_sigmoid, scaled_tanh"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["network"].update(activations=[["tanh"], "sigmoid"]),
         f"network.activations[0]: expected an activation name, got a list of 1; expected one of {ACTS}"),
        (lambda d: d["network"].update(loss={"bce": 1}),
         "network.loss: expected a loss name, got an object; expected one of bce, ce, half_sse, sse, mse"),
        (lambda d: d["network"].update(loss=["bce"]),
         "network.loss: expected a loss name, got a list of 1; expected one of bce, ce, half_sse, sse, mse"),
        (lambda d: d.update(epochs=10**12), "epochs: expected at most 100,000 epochs, got 1000000000000"),
        (lambda d: d["network"].update(layers=[2, 10**30, 1]),
         "network.layers: a 2-1.000000e+30-1 network has 4.000000e+30 parameters; bpcalc works networks of at most 100,000"),
        (lambda d: d["network"].update(layers=[2, 100000, 1]),
         "network.layers: a 2-100000-1 network has 400001 parameters; bpcalc works networks of at most 100,000"),
        (lambda d: d.update(frozen=["b4", "β4"]), 'frozen[1]: "β4" is listed twice (also as b4)'),
        (lambda d: d.update(source=3), "source: expected a string, got 3"),
        (lambda d: d.update(samples=[]), "samples: expected a non-empty list of samples, got an empty list"),
        (lambda d: d["network"].update(layers=[2]),
         "network.layers: expected a list of at least two unit counts (inputs first), got a list of 1"),
    ],
)
def test_wrong_types_and_sizes(tmp_path: Path, change: Any, message: str) -> None:
    p = changed(tmp_path, change)
    for command in (["run", p], ["derive", "--param", "w11", "--problem", p]):
        assert one_line_error(invoke(command)) == f"bpcalc: {p}: {message}"


# --- answer keys that fit the page --------------------------------------------------------------


def test_derive_values_table_is_split_to_fit_the_page() -> None:
    # Mazur's w11 in exact mode has ten symbols of ten significant digits: one row would be
    # about 160 characters, so the values come in more than one table
    result = invoke(["derive", "--param", "w11", "--problem", str(ROOT / "samples" / "mazur_step_by_step.json"),
                     "--exact", "--format", "latex"])
    assert result.exit_code == 0
    tables = result.stdout.split("\\begin{tabular}")[1:]
    assert len(tables) >= 2
    for t in tables:
        header = t.split("\\midrule")[0]
        assert header.count("&") <= 8
    assert "\\partial L/\\partial w_{11}" in tables[-1]


# --- option errors are one line too -------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "P", "--precision", "-1"], "Invalid value for '--precision': -1 is not in the range 0<=x<=17."),
        (["run", "P", "--format", "xml"],
         "Invalid value for '--format': 'xml' is not one of 'auto', 'rich', 'plain', 'json', 'latex', 'markdown', 'csv', 'moodle'."),
        (["run", "P", "extra"], "Got unexpected extra argument (extra)"),
        (["run"], "Missing argument 'PROBLEM'."),
        (["derive"], "Missing option '--param' / '-p'."),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    args = [str(ROOT / "samples" / "q3.json") if a == "P" else a for a in args]
    line = one_line_error(invoke(args))
    assert line.startswith(f"bpcalc: {message} (see '") and line.endswith(" --help')")


def test_help_and_version_still_exit_0() -> None:
    for args in (["--help"], ["run", "--help"], ["--version"]):
        result = invoke(args)
        assert result.exit_code == 0 and result.stdout


# --- terminal layout ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("plain", [False, True])
def test_no_value_is_cut_to_an_ellipsis_on_a_narrow_terminal(width: int, plain: bool) -> None:
    # at 80 columns the 9 hidden-layer parameters used to print β1 as "3.93e…"
    import io

    from rich.console import Console

    from bpcalc.evaluate import train
    from bpcalc.problem import load_problem
    from bpcalc.render.text import run_plain, run_rich
    from bpcalc.worksheet import View

    run = train(load_problem(str(ROOT / "samples" / "q3.json")))
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print((run_plain if plain else run_rich)(run, View(sample=1)))
    text = out.getvalue()
    assert "…" not in text
    # β1 after sample 1 = 0 − 0.1·dL/dβ1, dL/dβ1 = (y − t)·w31·(1 − H1²) = (0.354 − 1)·1·6.09e−08
    # = −3.93e−08, so β1 = 3.93e−09: shown whole
    assert "3.93e-09" in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_negative_values_in_a_sum_are_in_parentheses() -> None:
    # o = H1·w31 + H2·w41 + H3·w51 + β4 with H1 = tanh(−9) ≈ −1, H3 = tanh(−17) ≈ −1: written as on paper
    result = invoke(["run", str(ROOT / "samples" / "q3.json"), "--round-steps", "3", "--sample", "1",
                     "--show", "forward", "--format", "plain"])
    row = next(line for line in result.stdout.splitlines() if line.startswith("o "))
    assert "(-1)·(1) + 1·(0.500) + (-1)·(0.100) + 0" in row
    assert "+ -" not in result.stdout


def test_stdin_that_is_not_utf8() -> None:
    result = CliRunner().invoke(main, ["run", "-"], input=b"\xff\xfe{}")
    assert one_line_error(result) == "bpcalc: <stdin>: byte 0: not UTF-8 text, expected a JSON problem file"


def test_stdin_with_a_byte_order_mark() -> None:
    result = CliRunner().invoke(main, ["run", "-", "--format", "json"], input=("\ufeff" + Q3_TEXT).encode("utf-8"))
    assert result.exit_code == 0
    # β4 after sample 2 = 0.023 (README / issue 2)
    assert round(json.loads(result.stdout)["parameters_final"]["b4"], 3) == 0.023


def test_check_answers_nested_too_deeply_or_too_long_an_integer(tmp_path: Path) -> None:
    """Answers files get the same one-line treatment as problem files."""
    from click.testing import CliRunner

    from bpcalc.cli import main

    q3 = str(Path(__file__).resolve().parent.parent / "samples" / "q3.json")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    big = tmp_path / "big.json"
    big.write_text('{"samples": [{"sample": 1, "parameters_after": {"w11": ' + "9" * 5000 + "}}]}")
    for path, words in ((deep, "nested too deeply"), (big, "4300 digits")):
        r = CliRunner().invoke(main, ["check", q3, str(path)])
        assert r.exit_code == 2, r.output
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and words in lines[0] and lines[0].startswith(f"bpcalc: {path}: ")
        assert "set_int_max_str_digits" not in lines[0]
