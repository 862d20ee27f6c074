"""The Python API: load_problem, run, derive, check; results print as text, render as Markdown, expose numbers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
ANSWERS = str(ROOT / "samples" / "q3-sheet-answers.json")
README = (ROOT / "README.md").read_text(encoding="utf-8")
TINY = {
    "network": {"layers": [1, 1], "activations": ["sigmoid"], "loss": "half_sse"},
    "learning_rate": 0.5,
    "parameters": {"w11": 0.5, "b1": 0},
    "samples": [{"f1": 1, "t": 1}],
}


def reference_run(path: str) -> dict:
    import reference  # (imported here: it sets mpmath's global precision, which other test modules set at import too)

    return reference.train(reference.load_problem(path))


def python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def cli(*args: str) -> str:
    return CliRunner().invoke(main, list(args), env={"COLUMNS": None, "NO_COLOR": None, "FORCE_COLOR": None}).stdout


def test_readme_example_prints_what_it_shows() -> None:
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    code, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, flags=re.S)[:2]
    assert python(code) == shown


def test_import_is_light_and_the_issue_command_prints_the_sheet() -> None:
    mods = python("import sys, bpcalc; print(sorted({m.split('.')[0] for m in sys.modules}))")
    assert "sympy" not in mods and "rich" not in mods and "mpmath" not in mods
    out = python("import bpcalc; print(bpcalc.run(bpcalc.load_problem('samples/q3.json')))")
    assert out == cli("run", "samples/q3.json", "--format", "plain", "--width", "100") + "\n"
    assert "Sample 2: f1 = 25, f2 = 4, t = 0" in out


def test_run_numbers_are_attributes() -> None:
    import bpcalc

    r = bpcalc.run(Q3)
    ref = reference_run(Q3)
    assert r.samples[0].forward["y"] == pytest.approx(float(ref["samples"][0]["forward"]["y"]), rel=1e-12)
    assert r.samples[1].loss == pytest.approx(float(ref["samples"][1]["loss"]), rel=1e-12)
    for name, value in ref["parameters_final"].items():
        assert r.final[name] == pytest.approx(float(value), rel=1e-9, abs=1e-15), name
    assert r.samples[0].gradients["b4"] == pytest.approx(float(ref["samples"][0]["gradients"]["b4"]), rel=1e-9)
    assert r.samples[0].inputs == {"f1": 100.0, "f2": 20.0} and r.samples[0].targets == {"t": 1.0}
    assert r.samples[1].before == r.samples[0].after
    assert (r.samples[0].epoch, r.samples[0].sample) == (1, 1)


def test_run_from_a_dict() -> None:
    import bpcalc

    r = bpcalc.run(TINY)
    # by hand: y = σ(0.5) = 0.62245933; δ = (y - 1)·y(1 - y) = -0.08872346; w11 = 0.5 + 0.5·0.08872346
    assert r.final["w11"] == pytest.approx(0.5443617293, abs=1e-9)
    assert r.final["b1"] == pytest.approx(0.0443617293, abs=1e-9)
    assert r.problem.source == "<dict>"


def test_run_modes_and_options() -> None:
    import bpcalc

    # README: hand-rounded to 3 decimals, dL/dw31 = 2.825 × 0.229 = 0.646925 → shown 0.647
    rounded = bpcalc.run(Q3, round_steps=3)
    assert rounded.samples[0].gradients["w31"] == 0.647
    assert str(rounded) == cli("run", Q3, "--round-steps", "3", "--format", "plain")
    part = bpcalc.run(Q3, sample=2, show=["forward"])
    assert str(part) == cli("run", Q3, "--sample", "2", "--show", "forward", "--format", "plain")
    exact = bpcalc.run(Q3, exact=True, digits=12)
    assert exact.samples[0].forward["y"] == pytest.approx(0.354343674996692, rel=1e-13)
    assert exact.to_dict()["mode"] == "exact"


def test_run_formats_are_the_commands() -> None:
    import bpcalc

    r = bpcalc.run(Q3)
    assert r._repr_markdown_() == cli("run", Q3, "--format", "markdown")
    assert r.latex() == cli("run", Q3, "--format", "latex")
    assert r.csv() == cli("run", Q3, "--format", "csv")
    assert r.to_dict() == json.loads(cli("run", Q3, "--format", "json"))
    assert max(len(line) for line in r.text(width=70).splitlines()) == 70
    assert repr(r).startswith("<bpcalc.RunResult 2-3-1 network")


def test_derive() -> None:
    import bpcalc
    from bpcalc.network import Network

    d = bpcalc.derive(Q3, "w11")
    # the sheet's chain: dL/dw11 = (y - t)·w31·(1 - H1²)·f1
    assert d.expression == "f1*w31*(1 - H1**2)*(y - t)"
    assert [f.key for f in d.factors] == ["dL/dy", "dy/do", "do/dH1", "dH1/dalpha_H1", "dalpha_H1/dw11"]
    ref = reference_run(Q3)
    assert d.gradients == pytest.approx([float(s["gradients"]["w11"]) for s in ref["samples"]], rel=1e-9)
    assert str(d) == cli("derive", "-p", "w11", "--problem", Q3, "--format", "plain")
    assert d._repr_markdown_() == cli("derive", "-p", "w11", "--problem", Q3, "--format", "markdown")
    assert d.to_dict() == json.loads(cli("derive", "-p", "w11", "--problem", Q3, "--format", "json"))
    assert bpcalc.derive(None, "β4").expression == "y - t"  # σ with bce: dL/do = y - t
    deep = bpcalc.derive(Network((2, 2, 2, 1), ("tanh", "tanh", "sigmoid"), "bce"), "w11")
    assert deep.deltas and deep.samples == []
    with pytest.raises(bpcalc.BpcalcError, match="need a problem"):
        bpcalc.derive(None, "w11", exact=True)
    with pytest.raises(bpcalc.BpcalcError, match="unknown parameter"):
        bpcalc.derive(Q3, "w99")


def test_check() -> None:
    import bpcalc

    c = bpcalc.check(Q3, ANSWERS)
    # the seed sheet's four mistakes (README): β4 and β2 updates, w23 and w31 truncated; in the sheet's working
    # order (sample by sample, each from the output layer back: β4 in sample 1, then w31, β2, w23 in sample 2)
    assert [i.key.label() for i in c.wrong] == ["β4 after", "w31 after", "β2 after", "w23 after"]
    assert (c.summary.checked, c.summary.wrong) == (26, 4)
    assert c.first_mistake.key.label() == "β4 after"
    assert str(c) == cli("check", Q3, ANSWERS, "--format", "plain")
    assert c.to_dict() == json.loads(cli("check", Q3, ANSWERS, "--format", "json"))
    md = c._repr_markdown_()
    assert "| β4 after | 0.646 | 0.065 | ✗ wrong |" in md and md.rstrip().endswith("score 0.846 · first mistake: β4 after sample 1")
    typed = bpcalc.check(Q3, text="# sample 1\nw31 = 0.935\nβ4 = 0.646")
    assert [i.verdict for i in typed.items] == ["right", "wrong"]
    as_dict = bpcalc.check(TINY, {"samples": [{"sample": 1, "parameters_after": {"w11": "0.544"}}]})
    assert as_dict.score == 1.0
    with pytest.raises(bpcalc.BpcalcError):
        bpcalc.check(Q3)


def test_check_markdown_escapes_file_text(tmp_path: Path) -> None:
    import bpcalc

    c = bpcalc.check({**TINY, "title": "a | b [x](http://e) <b>\n# forged"}, text="# sample 1\nw11 = 0.5")
    md = c.markdown()
    # one heading line: the newline shown as \n, and nothing Markdown would act on (no bare-URL autolink either)
    assert md.splitlines()[0] == r"# a \| b \[x\](http\://e) \<b\>\\n\# forged"


def test_bad_input_raises_the_cli_message() -> None:
    import bpcalc

    bad = {**TINY, "parameters": {"w11": 0.5}}
    with pytest.raises(bpcalc.ProblemError) as e:
        bpcalc.load_problem(bad)
    assert str(e.value) == "<dict>: parameters.b1: missing; the 1-1 network needs w11, b1"
    with pytest.raises(bpcalc.ProblemError, match="no such file"):
        bpcalc.load_problem("nope.json")
    with pytest.raises(bpcalc.BpcalcError):
        bpcalc.load_problem(42)  # type: ignore[arg-type]


def test_check_and_derive_modules_stay_modules() -> None:
    import types

    import bpcalc
    import bpcalc.check.mark  # noqa: F401
    import bpcalc.derive as derive_module

    assert isinstance(bpcalc.check, types.ModuleType) and callable(bpcalc.check)
    assert bpcalc.check.parse_answers is not None and derive_module.build is bpcalc.derive.build
    assert callable(bpcalc.derive)
