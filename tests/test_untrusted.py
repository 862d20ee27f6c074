"""Untrusted files outside the checker (issue 14): numbers read or refused with their place, size and work bounded,
one-line escaped errors, nothing past a double's range reported as null, --exact bounded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from bpcalc.errors import MAX_MESSAGE, BpcalcError, ProblemError
from bpcalc.problem import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
Q3 = json.loads((ROOT / "samples" / "q3.json").read_text())
FORMATS = ["plain", "rich", "json", "csv", "latex", "markdown"]


def invoke(args: list[str], stdin: str | bytes | None = None) -> Any:
    return CliRunner().invoke(main, args, input=stdin)


def one_line_error(result: Any) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.split("\n")
    assert len(lines) == 2 and lines[1] == "", result.stderr  # exactly one line
    assert not any(c in lines[0] for c in "\x1b\r\x07\u202e\x9b")
    return lines[0]


def unit(w11: str, **top: str) -> str:
    """A 1-1 linear network as JSON text, w11 and any top-level values exactly as written."""
    extra = "".join(f', "{k}": {v}' for k, v in top.items())
    return (
        '{"network": {"layers": [1, 1], "activations": ["linear"], "loss": "half_sse"}, "learning_rate": 0.5,'
        f' "parameters": {{"w11": {w11}, "b1": 0}}, "samples": [{{"f1": 1, "t": 0}}]{extra}}}'
    )


def write(tmp_path: Path, text: str | bytes, name: str = "p.json") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


# --- every number a person can write ----------------------------------------------------------------


@pytest.mark.parametrize(
    "literal,message",
    [
        ("1" + "0" * 5000, "expected a number, got 1.000000e+5000 (too large for a double)"),
        ("1e999999999", "expected a number, got 1E+999999999 (too large for a double)"),
        ("-1e400", "expected a number, got -1E+400 (too large for a double)"),
        ("1e-99999999999999999999", "expected a number, got 1e-99999999999999999999 (an exponent too large to read)"),
        ("9e99999999999999999999999", "expected a number, got 9e999999999999999999999… (an exponent too large to read)"),
        ('"−0.1"', 'expected a number, got the text "−0.1"; write it as a JSON number: ASCII digits and minus, no quotes or separators'),
        ('"1,000.5"', 'expected a number, got the text "1,000.5"; write it as a JSON number'),
        ('"1 000"', 'expected a number, got the text "1 000"; write it'),
        ('"∞"', 'expected a number, got the text "∞"; write it'),
        ('"-Infinity"', 'expected a number, got the text "-Infinity"; write it'),
        ('"١٢"', 'expected a number, got the text "١٢"; write it'),
        ('"0.5"', 'expected a number, got the text "0.5"; write it'),
        ("NaN", "expected a number, got a non-finite value"),
        ("-Infinity", "expected a number, got a non-finite value"),
        ('"' + "x" * 500 + '"', 'expected a number, got "' + "x" * 59 + '…"'),
    ],
)
def test_numbers_refused_with_their_place(tmp_path: Path, literal: str, message: str) -> None:
    p = write(tmp_path, unit(literal))
    assert one_line_error(invoke(["run", p])).startswith(f"bpcalc: {p}: parameters.w11: {message}")


@pytest.mark.parametrize("literal", ["∞", "١", "−1", "0x10", "1_000", "+1", ".5", "1.", "01"])
def test_numbers_json_does_not_have_are_invalid_json_at_a_line_and_column(tmp_path: Path, literal: str) -> None:
    p = write(tmp_path, unit(literal))
    line = one_line_error(invoke(["run", p]))
    assert line.startswith(f"bpcalc: {p}: line 1 column ") and "invalid JSON" in line


@pytest.mark.parametrize(
    "literal,w11_after",
    [
        # y = w11·1 + 0, dL/dw11 = y − 0 = w11, w11 ← w11 − 0.5·w11 = w11/2 (by hand)
        ("0." + "9" * 5000, 0.5),  # 1 − 10^-5000: read exactly, computed as the double 1.0
        ("1E+2", 50.0),
        ("-0", 0.0),
        ("0e999999999", 0.0),
        ("1e-320", 5e-321),  # a subnormal double, halved
    ],
)
def test_numbers_read(tmp_path: Path, literal: str, w11_after: float) -> None:
    p = write(tmp_path, unit(literal))
    r = invoke(["run", p, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["parameters_final"]["w11"] == w11_after
    text = invoke(["run", p, "--format", "plain"])
    assert text.exit_code == 0 and max(len(line) for line in text.stdout.splitlines()) <= 100


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("epochs", "1" + "0" * 5000, "epochs: expected a whole number of at least 1, got 1.000000e+5000"),
        ("epochs", "1e99999999999999999999999", "epochs: expected a whole number of at least 1, got 1e999999999999999999999…"),
        ("epochs", "2.0", "epochs: expected a whole number of at least 1, got 2.0"),
        ("learning_rate", "-0." + "1" * 5000, "learning_rate: expected a positive number, got -1.111111e-1"),
    ],
)
def test_other_numbers_with_many_digits(tmp_path: Path, key: str, value: str, message: str) -> None:
    text = unit("1").replace('"learning_rate": 0.5,', "") if key == "learning_rate" else unit("1")
    p = write(tmp_path, text[:-1] + f', "{key}": {value}}}')
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: {message}"


def test_layers_with_a_huge_count(tmp_path: Path) -> None:
    p = write(tmp_path, unit("1").replace('"layers": [1, 1]', '"layers": [1, ' + "9" * 5000 + "]"))
    assert one_line_error(invoke(["run", p])) == (
        f"bpcalc: {p}: network.layers[1]: expected a positive whole number of units, got 1.000000e+5000"
    )


# --- size and work ----------------------------------------------------------------------------------


def test_a_file_over_the_cap(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    with open(p, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no time or disk spent
    assert one_line_error(invoke(["run", str(p)])) == f"bpcalc: {p}: larger than 16 MiB; a problem or answers file is a few KB"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    assert "larger than 16 MiB" in one_line_error(invoke(["run", str(link)]))
    assert "larger than 16 MiB" in one_line_error(invoke(["run", "/dev/zero"]))
    problem = write(tmp_path, json.dumps(Q3), "q3.json")
    assert "larger than 16 MiB" in one_line_error(invoke(["check", problem, str(link)]))  # an answers file too


def test_stdin_over_the_cap() -> None:
    line = one_line_error(invoke(["run", "-"], stdin=b" " * (MAX_BYTES + 1)))
    assert line == "bpcalc: <stdin>: larger than 16 MiB; a problem or answers file is a few KB"


def test_not_utf8_names_the_byte(tmp_path: Path) -> None:
    p = write(tmp_path, b'{"title": "caf\xe9"}')
    assert one_line_error(invoke(["run", p])) == f"bpcalc: {p}: byte 14: not UTF-8 text, expected a JSON problem file"


def test_work_is_bounded(tmp_path: Path) -> None:
    # 20,001 sample passes of a 1-1 network, or 4,000 epochs × 2 samples × 13 parameters = 104,000 steps: refused at once
    p = write(tmp_path, unit("1", epochs="20001"))
    assert one_line_error(invoke(["run", p, "--format", "csv"])) == (
        f"bpcalc: {p}: epochs: 20,001 epochs × 1 samples × 2 parameters = 40,002 steps;"
        " bpcalc works at most 20,000 sample passes and 100,000 steps (2,000,000 with `run --format json`, which keeps no sample)"
    )
    q = write(tmp_path, json.dumps({**Q3, "epochs": 4000}), "q.json")
    assert "104,000 steps" in one_line_error(invoke(["derive", "-p", "w11", "--problem", q]))
    assert "104,000 steps" in one_line_error(invoke(["check", q, str(ROOT / "samples" / "q3-sheet-answers.json")]))


def test_streamed_json_has_its_own_bounds(tmp_path: Path) -> None:
    # `run --format json` keeps no sample: 4,000 epochs of q3 (104,000 steps) are written; 100,001 passes are not
    q = write(tmp_path, json.dumps({**Q3, "epochs": 4000, "samples": Q3["samples"][:1]}), "q.json")
    out = invoke(["run", q, "--format", "json", "--show", "parameters"])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["samples"]) == 4000
    two = {**json.loads(unit("1")), "epochs": 50001, "samples": [{"f1": 1, "t": 0}, {"f1": 2, "t": 1}]}
    p = write(tmp_path, json.dumps(two))
    assert one_line_error(invoke(["run", p, "--format", "json"])) == (
        f"bpcalc: {p}: epochs: 50,001 epochs × 2 samples × 2 parameters = 200,004 steps;"
        " bpcalc works at most 100,000 sample passes and 2,000,000 steps"
    )


def test_text_formats_print_a_bounded_sheet(tmp_path: Path) -> None:
    # 400 epochs × 2 samples × 13 parameters = 10,400 steps: JSON is fine, a text sheet is not; one sample is
    p = write(tmp_path, json.dumps({**Q3, "epochs": 400}))
    for fmt in ("plain", "rich", "latex", "markdown"):
        assert one_line_error(invoke(["run", p, "--format", fmt])) == (
            f"bpcalc: {p}: 800 sample sheets of 13 parameters (10,400 steps) are more than the text formats print"
            " (10,000); use --format json or csv, or --sample K"
        )
    assert invoke(["run", p, "--format", "json"]).exit_code == 0
    assert invoke(["run", p, "--format", "plain", "--sample", "2", "--show", "parameters"]).exit_code == 0


def test_exact_work_is_bounded(tmp_path: Path) -> None:
    p = write(tmp_path, json.dumps({**Q3, "epochs": 800}))  # 20,800 steps
    assert one_line_error(invoke(["run", p, "--exact", "--format", "json"])) == (
        f"bpcalc: {p}: 20,800 steps (epochs × samples × parameters) are more than --exact works (20,000);"
        " leave out --exact, or use fewer epochs"
    )


# --- one line, escaped ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["y\nbpcalc: all answers right, score 1.000", "w\x1b]0;title\x07", "w\x1b[2J", "w\u202e11", "w\r11", "w\x9b31m", "w" * 100_000],
)
def test_errors_quoting_file_text_are_one_escaped_line(tmp_path: Path, key: str) -> None:
    data = json.loads(json.dumps(Q3))
    data["parameters"][key] = 1
    p = write(tmp_path, json.dumps(data))
    line = one_line_error(invoke(["run", p]))
    assert "unknown parameter" in line and len(line) <= MAX_MESSAGE + len("bpcalc: ")
    assert "bpcalc: all answers right" not in line or "\\n" in line


def test_usage_errors_are_escaped() -> None:
    line = one_line_error(invoke(["run", "x.json", "--format", "x\x1b[2J\ny"]))
    assert "\\x1b[2J\\ny" in line


def test_the_error_class_guarantees_one_line() -> None:
    e = ProblemError("evil\n.json", "samples[0]", "bad \x1b[8mhidden\u202e")
    assert str(e) == "evil\\n.json: samples[0]: bad \\x1b[8mhidden\\u202e"
    assert e.message == "bad \x1b[8mhidden\u202e"  # the raw parts stay for programs
    assert len(str(BpcalcError("x" * 10_000))) == MAX_MESSAGE


# --- beyond doubles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_learning_rate_1e300_is_refused_in_every_format(tmp_path: Path, fmt: str) -> None:
    # epoch 1 moves the weights to ~1e299 (η·g with g ~ 1): epoch 2's output saturates so far that
    # dL/dy = 1/(y(1 − y)) is past 1.8e308; JSON used to say null there, with exit 0
    p = write(tmp_path, json.dumps({**Q3, "learning_rate": 1e300, "epochs": 2}))
    result = invoke(["run", p, "--format", fmt])
    if fmt == "json":  # JSON streams sample by sample: epoch 1 was written before epoch 2 failed, never a whole document
        with pytest.raises(json.JSONDecodeError):
            json.loads(result.stdout)
        result.stdout_bytes = b""
    line = one_line_error(result)
    assert line == f"bpcalc: {p}: epoch 2, sample 1: dL/dy = -inf: the numbers leave the range of a double; try smaller inputs or weights"


@pytest.mark.parametrize("fmt", ["json", "csv", "plain"])
def test_an_update_past_doubles_is_refused(tmp_path: Path, fmt: str) -> None:
    # y = 0.5·1000 = 500, dL/dw11 = 500·1000 = 5e5, η·g = 1e308·5e5 = inf
    p = write(tmp_path, unit("0.5").replace('"learning_rate": 0.5', '"learning_rate": 1e308').replace('"f1": 1,', '"f1": 1000,'))
    assert one_line_error(invoke(["run", p, "--format", fmt])) == (
        f"bpcalc: {p}: sample 1: the update: w11 = -inf: the numbers leave the range of a double; try smaller inputs or weights"
    )


BIG = {
    "network": {"layers": [1, 1, 1], "activations": ["linear", "linear"], "loss": "half_sse"},
    "learning_rate": 0.1,
    "parameters": {"w11": 1e200, "b1": 0, "w21": 1e200, "b2": 0},
    "samples": [{"f1": 1e100, "t": 0}],
}


@pytest.mark.parametrize("fmt", ["json", "plain", "csv", "markdown"])
def test_exact_values_past_doubles_are_refused(tmp_path: Path, fmt: str) -> None:
    # H1 = 1e200·1e100 = 1e300 fits a double; o = 1e200·1e300 = 1e500 does not (exactly, by hand)
    p = write(tmp_path, json.dumps(BIG))
    expected = f"bpcalc: {p}: sample 1: o = 1.00000e+500: the numbers leave the range of a double; try smaller inputs or weights"
    assert one_line_error(invoke(["run", p, "--exact", "--format", fmt])) == expected
    assert one_line_error(invoke(["derive", "-p", "w11", "--problem", p, "--exact", "--format", fmt])) == expected
    assert "o = inf" in one_line_error(invoke(["derive", "-p", "w11", "--problem", p, "--format", "json"]))


# --- --exact stays bounded --------------------------------------------------------------------------

LINEAR = {
    "network": {"layers": [2, 2, 1], "activations": ["linear", "linear"], "loss": "half_sse"},
    "learning_rate": 0.1,
    "parameters": {"w11": 0.13, "w21": -0.27, "b1": 0.11, "w12": 0.31, "w22": 0.17, "b2": -0.07, "w31": 0.23, "w41": -0.19, "b3": 0.05},
    "samples": [{"f1": 0.3, "f2": 0.7, "t": 0.9}, {"f1": -0.6, "f2": 0.2, "t": 0.1}],
}


@pytest.mark.parametrize("epochs", [8, 12])
def test_exact_over_many_epochs_of_a_linear_net(tmp_path: Path, epochs: int) -> None:
    # the exact rationals double their digits with every product: 5 epochs used to die on Python's
    # 4,300-digit limit after 27 s, 8 and 12 ran for minutes; now they go on in decimals
    import reference as R

    problem = {**LINEAR, "epochs": epochs}
    p = write(tmp_path, json.dumps(problem))
    r = invoke(["run", p, "--exact", "--digits", "30", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    ref = R.train(json.loads(Path(p).read_text(), parse_float=str))  # the reference reads the decimals exactly too
    decimals = out["samples"][-1]["exact"]["decimals"]["parameters_after"]
    for name, value in ref["parameters_final"].items():
        assert abs(R.to_mpf(decimals[name]) - value) <= 1e-25 * abs(value), name  # 30 digits, far past a double
        assert out["parameters_final"][name] == pytest.approx(float(value), rel=1e-15)
    text = invoke(["run", p, "--exact", "--format", "plain", "--sample", "1", "--show", "parameters"])
    assert text.exit_code == 0 and "Traceback" not in text.output
