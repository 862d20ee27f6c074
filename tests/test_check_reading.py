"""check reads what students write: ≈ and ~ for =, no heading for a one-sample problem, chain-rule factors and δ,
names quoted as written with a did-you-mean for near misses (in problem files too).

Values are the seed sheet's sample 1 (q3): y = 0.354, dL/dy = −1/0.354 = −2.825, σ'(o) = e^0.6/(1 + e^0.6)² = 0.229,
δ = dL/dy · dy/do = −0.646, dL/dw31 = 0.646, dL/dw11 = −0.00003 ≈ 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = json.loads((ROOT / "samples" / "q3.json").read_text())


def _one_sample(tmp_path: Path) -> str:
    p = tmp_path / "q3-one.json"
    p.write_text(json.dumps({**Q3, "samples": Q3["samples"][:1]}))
    return str(p)


def _check(problem: str, tmp_path: Path, text: str):
    a = tmp_path / "answers.txt"
    a.write_text(text)
    return CliRunner().invoke(main, ["check", problem, str(a), "--format", "json"])


def _verdicts(result) -> dict[str, str]:
    assert result.exit_code in (0, 1), result.output
    return {i["label"]: i["verdict"] for i in json.loads(result.stdout)["items"]}


def test_approximately_and_no_heading_for_one_sample(tmp_path):
    problem = _one_sample(tmp_path)
    got = _verdicts(_check(problem, tmp_path, "y ≈ 0.354\nH1 ~ -1\ndL/dw11 = ≈ 0\nw31 = 1 - 0.1(0.646) = 0.935\n"))
    assert got == {"y": "right", "H1": "right", "∂L/∂w11": "right", "w31 after": "right"}


def test_factors_and_deltas_are_checkable(tmp_path):
    problem = _one_sample(tmp_path)
    text = "dL/dy = -2.825\ndy/do = 0.229\nδ = -0.646\n∂L/∂w31 = 0.646\n"
    result = _check(problem, tmp_path, text)
    assert result.exit_code == 0
    assert _verdicts(result) == {"dL/dy": "right", "dy/do": "right", "δ_y": "right", "∂L/∂w31": "right"}
    got = _verdicts(_check(problem, tmp_path, "dL/dy = -2.825\ndy/do = 0.329\ndH1/dα_H1 = 0\ndelta_H1 = 0\n"))
    assert got == {"dL/dy": "right", "dy/do": "wrong", "dH1/dα_H1": "right", "δ_H1": "right"}


def test_two_samples_still_need_a_heading(tmp_path):
    result = _check(str(ROOT / "samples" / "q3.json"), tmp_path, "y = 0.354\n")
    assert result.exit_code == 2
    assert "line 1: a value before any '# sample N' heading" in result.output


def test_unknown_names_quoted_as_written_with_did_you_mean(tmp_path):
    problem = _one_sample(tmp_path)
    for written, near in (("W31 ", "w31"), ("B1", "b1"), ("dL/dW11", "w11")):
        result = _check(problem, tmp_path, f"{written} = 1\n")
        assert result.exit_code == 2
        (line,) = result.output.splitlines()
        shown = written.strip() if not written.startswith("dL/d") else written[4:]
        assert f'"{shown}" (did you mean "{near}"?)' in line, line
    result = _check(problem, tmp_path, "Sigmoid = 1\n")
    assert result.exit_code == 2 and 'unknown name "Sigmoid";' in result.output


def test_did_you_mean_in_problem_files(tmp_path):
    cases = [
        (lambda d: d.update(lr=d.pop("learning_rate")), 'lr: unknown key (did you mean "learning_rate"?)'),
        (lambda d: d["network"]["activations"].__setitem__(1, "Sigmoid"), 'unknown activation "Sigmoid" (did you mean "sigmoid"?)'),
        (lambda d: d["parameters"].update(W31=d["parameters"].pop("w31")), 'parameters.W31: unknown parameter (did you mean "w31"?)'),
    ]
    for change, message in cases:
        data = json.loads(json.dumps(Q3))
        change(data)
        p = tmp_path / "p.json"
        p.write_text(json.dumps(data))
        result = CliRunner().invoke(main, ["run", str(p)])
        assert result.exit_code == 2
        assert message in result.output, result.output
