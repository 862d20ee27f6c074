"""Bad input: one line on stderr naming the file and the place, exit status 2, never a traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = json.loads((ROOT / "samples" / "q3.json").read_text())


def invoke(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, args, input=stdin)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return lines[0]


def with_change(tmp_path: Path, change: Any, text: str | None = None) -> str:
    path = tmp_path / "p.json"
    if text is None:
        data = copy.deepcopy(Q3)
        change(data)
        text = json.dumps(data)
    path.write_text(text)
    return str(path)


def test_missing_file(tmp_path: Path) -> None:
    line = one_line_error(invoke(["run", str(tmp_path / "nope.json")]))
    assert line == f"bpcalc: {tmp_path / 'nope.json'}: no such file"


def test_directory(tmp_path: Path) -> None:
    line = one_line_error(invoke(["run", str(tmp_path)]))
    assert "is a directory" in line


def test_broken_json(tmp_path: Path) -> None:
    p = with_change(tmp_path, None, text='{"network": {"layers": [2, 3, 1],}')
    line = one_line_error(invoke(["run", p]))
    assert line.startswith(f"bpcalc: {p}: line 1 column 34: invalid JSON")


def test_broken_json_on_stdin() -> None:
    line = one_line_error(invoke(["run", "-"], stdin="{"))
    assert line.startswith("bpcalc: <stdin>: line 1 column 2: invalid JSON")


CASES = [
    # (change to q3, the place named, words the message must contain)
    (lambda d: d["parameters"].pop("w31"), "parameters.w31", "missing"),
    (lambda d: d["parameters"].update(w99=1), "parameters.w99", "unknown parameter"),
    (lambda d: d["parameters"].update(w31="abc"), "parameters.w31", 'expected a number, got "abc"'),
    (lambda d: d["parameters"].update(w31=True), "parameters.w31", "expected a number, got true"),
    (lambda d: d["parameters"].update(w31=None), "parameters.w31", "expected a number, got null"),
    (lambda d: d["parameters"].update(β4=0), "parameters.β4", "given twice"),
    (lambda d: d["samples"][1].pop("f2"), "samples[1].f2", "missing"),
    (lambda d: d["samples"][1].update(f3=1), "samples[1].f3", "unknown key"),
    (lambda d: d["samples"][0].update(f2="x"), "samples[0].f2", "expected a number"),
    (lambda d: d["samples"][0].pop("t"), "samples[0].t", "missing"),
    (lambda d: d["samples"][0].update(t=2), "samples[0].t", "between 0 and 1"),
    (lambda d: d.update(samples=[]), "samples", "non-empty list"),
    (lambda d: d["samples"].append(5), "samples[2]", "expected an object"),
    (lambda d: d["network"].update(activations=["tanh", "swish"]), "network.activations[1]", "unknown activation"),
    (lambda d: d["network"].update(activations=["tanh"]), "network.activations", "expected a list of 2"),
    (lambda d: d["network"].update(activations=["softmax", "sigmoid"]), "network.activations[0]", "output layer only"),
    (lambda d: d["network"].update(loss="hinge"), "network.loss", "unknown loss"),
    (lambda d: d["network"].update(layers=[2, 0, 1]), "network.layers[1]", "positive whole number"),
    (lambda d: d["network"].update(layers=[2, 2.5, 1]), "network.layers[1]", "positive whole number"),
    (lambda d: d["network"].update(layers="2-3-1"), "network.layers", "expected a list"),
    (lambda d: d["network"].update(bias="yes"), "network.bias", "true or false"),
    (lambda d: d["network"].update(activation=["tanh"]), "network.activation", "unknown key"),
    (lambda d: d.pop("network"), "network", "missing"),
    (lambda d: d.update(learning_rate=0), "learning_rate", "positive number"),
    (lambda d: d.update(learning_rate=-0.1), "learning_rate", "positive number"),
    (lambda d: d.update(learning_rate="0.1"), "learning_rate", "positive number"),
    (lambda d: d.update(epochs=0), "epochs", "at least 1"),
    (lambda d: d.update(update="stochastic"), "update", '"online", "batch" or "minibatch"'),
    (lambda d: d.update(frozen=["w77"]), "frozen[0]", "unknown parameter"),
    (lambda d: d.update(frozen="b4"), "frozen", "expected a list"),
    (lambda d: d.update(learningrate=0.1), "learningrate", "unknown key"),
]


@pytest.mark.parametrize("change,place,words", CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_bad_problem(tmp_path: Path, change: Any, place: str, words: str) -> None:
    p = with_change(tmp_path, change)
    for args in (["run", p], ["run", p, "--format", "json"], ["derive", "-p", "w11", "--problem", p]):
        line = one_line_error(invoke(args))
        assert line.startswith(f"bpcalc: {p}: {place}: "), line
        assert words in line, line


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite(tmp_path: Path, literal: str) -> None:
    text = json.dumps(Q3).replace('"w31": 1', f'"w31": {literal}')
    p = with_change(tmp_path, None, text=text)
    line = one_line_error(invoke(["run", p]))
    assert line == f"bpcalc: {p}: parameters.w31: expected a number, got a non-finite value"


def test_too_large_for_a_double(tmp_path: Path) -> None:
    text = json.dumps(Q3).replace('"w31": 1', '"w31": 1e999')
    p = with_change(tmp_path, None, text=text)
    line = one_line_error(invoke(["run", p]))
    assert line.startswith(f"bpcalc: {p}: parameters.w31: expected a number, got 1E+999")


def test_bce_with_an_output_outside_0_1(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["network"]["activations"] = ["tanh", "linear"]
        d["parameters"]["b4"] = 3

    p = with_change(tmp_path, change)
    line = one_line_error(invoke(["run", p]))
    assert line.startswith(f"bpcalc: {p}: sample 1: the bce loss needs outputs between 0 and 1, but y = ")


def test_overflow_is_reported(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["network"]["activations"] = ["linear", "linear"]
        d["network"]["loss"] = "sse"
        d["parameters"].update(w11=1e200, w31=1e200)

    p = with_change(tmp_path, change)
    line = one_line_error(invoke(["run", p]))
    assert "leave the range of a double" in line


def test_unknown_param_lists_valid_ones() -> None:
    line = one_line_error(invoke(["derive", "--param", "w99"]))
    assert line == (
        "bpcalc: unknown parameter 'w99'; this network has "
        "w11, w21, b1, w12, w22, b2, w13, w23, b3, w31, w41, w51, b4"
    )


def test_not_an_object(tmp_path: Path) -> None:
    p = with_change(tmp_path, None, text="[1, 2]")
    line = one_line_error(invoke(["run", p]))
    assert line.startswith(f"bpcalc: {p}: expected a JSON object")


def test_input_text_is_never_evaluated(tmp_path: Path) -> None:
    p = with_change(tmp_path, lambda d: d["parameters"].update(w31="__import__('os').getcwd()"))
    line = one_line_error(invoke(["run", p]))
    assert "parameters.w31: expected a number" in line
