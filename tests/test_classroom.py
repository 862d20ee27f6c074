"""`bpcalc new`, `bpcalc quality` and `bpcalc variants`: files `run` accepts, checks that find what they claim
(measured with the independent mpmath reference), the same variants for the same seed."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reference
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(main, args)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# --- bpcalc new ---------------------------------------------------------------------------------

SHAPES = [  # (with η = 0.5: squared-error losses through sigmoids give small gradients, too small to show at η = 0.1)
    ("2-3-1", "tanh,sigmoid", "bce"),
    ("2-2-2", "sigmoid,sigmoid", "half_sse"),
    ("3-2-2", "tanh,softmax", "ce"),
    ("1-1-1", "relu,linear", "mse"),
    ("2-2-1", "leaky_relu,tanh", "sse"),
    ("2-2-2-1", "relu,tanh,sigmoid", "bce"),
    ("2-3-1", "linear,sigmoid", "bce"),
]


@pytest.mark.parametrize("layers,acts,loss", SHAPES)
def test_new_writes_a_problem_run_accepts(tmp_path: Path, layers: str, acts: str, loss: str) -> None:
    out = tmp_path / "p.json"
    r = invoke(["new", "--layers", layers, "--activations", acts, "--loss", loss, "--seed", "4", "--lr", "0.5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr == "", r.stderr  # the values drawn pass every quality check
    data = json.loads(out.read_text())
    sizes = [int(n) for n in layers.split("-")]
    net = reference.Network({"network": data["network"]})
    assert list(data["parameters"]) == net.param_names  # every parameter, in the sheet's order
    assert data["network"] == {"layers": sizes, "activations": acts.split(","), "loss": loss}
    for value in data["parameters"].values():  # hand-friendly: at most two decimals
        assert Decimal(str(value)) == Decimal(str(value)).quantize(Decimal("0.01"))
    for s in data["samples"]:
        assert all(isinstance(s[f], int) and 1 <= abs(s[f]) <= 3 for f in net.input_names)
    assert invoke(["run", str(out), "--format", "json"]).exit_code == 0


def test_new_template_is_rejected_only_for_the_values_left(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    assert invoke(["new", "--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce", "--template", "-o", str(out)]).exit_code == 0
    data = json.loads(out.read_text())
    names = ["w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3", "w31", "w41", "w51", "b4"]
    assert list(data["parameters"]) == names and set(data["parameters"].values()) == {None}
    assert data["samples"] == [{"f1": None, "f2": None, "t": None}] * 2
    line = one_line_error(invoke(["run", str(out)]))
    places = [f"parameters.{n}" for n in names] + [f"samples[{i}].{k}" for i in range(2) for k in ("f1", "f2", "t")]
    assert line == f"bpcalc: {out}: parameters.w11: expected a number, got null; 19 values are left to fill in: {', '.join(places)}"
    # fill in all but two: only those two are named
    data["parameters"].update({n: 0.1 for n in names if n != "w41"})
    data["samples"] = [{"f1": 1, "f2": 2, "t": 1}, {"f1": -1, "f2": None, "t": 0}]
    out.write_text(json.dumps(data))
    assert one_line_error(invoke(["run", str(out)])).endswith("2 values are left to fill in: parameters.w41, samples[1].f2")
    data["parameters"]["w41"] = -0.2
    data["samples"][1]["f2"] = 3
    out.write_text(json.dumps(data))
    assert invoke(["run", str(out)]).exit_code == 0


def test_new_prints_to_stdout_and_is_deterministic() -> None:
    args = ["new", "--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce", "--seed", "11"]
    first, again = invoke(args), invoke(args)
    assert first.exit_code == 0 and first.output == again.output
    assert invoke(args[:-1] + ["12"]).output != first.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--layers", "2-x-1", "--activations", "tanh,sigmoid", "--loss", "bce"], "--layers: expected unit counts joined by '-'"),
        (["--layers", "2-3-1", "--activations", "tanh", "--loss", "bce"], "--activations: expected a list of 2 activation names"),
        (["--layers", "2-3-1", "--activations", "tanh,swish", "--loss", "bce"], "--activations: unknown activation \"swish\""),
        (["--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "l1"], "--loss: unknown loss \"l1\""),
        (["--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce", "--lr", "-1"], "--lr: expected a positive number"),
        (["--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce", "--samples", "0"], "--samples: expected a number of samples from 1"),
        (["--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce", "--template", "--seed", "2"], "--seed has no use with --template"),
    ],
)
def test_new_bad_options(args: list[str], message: str) -> None:
    assert message in one_line_error(invoke(["new", *args]))


# --- bpcalc quality -----------------------------------------------------------------------------


def test_quality_finds_the_seed_sheet_saturated() -> None:
    r = invoke(["quality", Q3, "--format", "json"])
    assert r.exit_code == 1
    q = json.loads(r.output)
    checks = {c["check"]: c for c in q["checks"]}
    assert not q["ok"] and not checks["saturation"]["ok"] and not checks["updates"]["ok"]
    reasons = checks["saturation"]["reasons"]
    # the sheet's own pre-activations: α_H1 = 100·(−0.1) + 20·0.05 = −9, α_H3 = 100·(−0.2) + 20·0.15 = −17
    assert any(r.startswith("tanh(α_H1 = -9.000) in sample 1: saturated") for r in reasons)
    assert any(r.startswith("tanh(α_H3 = -17.000) in sample 1: saturated") for r in reasons)
    # and its nine "≈ 0" hidden updates: w11 moves by η·(−3.93e-06) = −3.9e-07
    assert any(r.startswith("w11 after sample 1: -0.100 → -0.100") for r in checks["updates"]["reasons"])
    assert checks["hand_rounding"]["ok"]


def test_quality_plain_names_why() -> None:
    r = invoke(["quality", Q3, "--format", "plain"])
    assert r.exit_code == 1
    assert "✗ saturation" in r.output and "tanh(α_H1 = -9.000) in sample 1: saturated, |α_H1| > 3" in r.output
    assert r.output.rstrip().endswith("not good to work by hand: fails saturation, updates, mistakes")
    assert invoke(["variants", Q3, "--check-only", "--format", "plain"]).output == r.output


def hand_problem(**changes: Any) -> dict[str, Any]:
    p = {
        "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.4, "w21": 0.35, "b1": -0.1, "w12": 0.2, "w22": -0.05, "b2": 0, "w13": -0.25, "w23": -0.15,
                       "b3": 0.2, "w31": -0.35, "w41": 0.6, "w51": -0.7, "b4": 0.2},
        "samples": [{"f1": 3, "f2": -1, "t": 1}, {"f1": 2, "f2": 1, "t": 0}],
    }
    p.update(changes)
    return p


def test_quality_mistakes_invisible_with_a_tiny_learning_rate(tmp_path: Path) -> None:
    """η = 0.001: η·g and η²·g are below 0.001 for every parameter (|g| < 1 here, by the reference), so learning
    rate applied twice gives the same values to 3 decimals as the correct update."""
    p = hand_problem(learning_rate=0.001)
    ref = reference.train(p)
    assert all(abs(g) < 1 for s in ref["samples"] for g in s["gradients"].values())
    path = tmp_path / "p.json"
    path.write_text(json.dumps(p))
    q = json.loads(invoke(["quality", str(path), "--format", "json"]).output)
    mistakes = next(c for c in q["checks"] if c["check"] == "mistakes")
    assert not mistakes["ok"]
    assert any(r.startswith("learning rate applied twice in sample 1: changes no value by more than 0.001") for r in mistakes["reasons"])


def test_quality_relu_dead_and_at_zero(tmp_path: Path) -> None:
    """α_H1 = f1·w11 + f2·w21 + b1 = 1·0.5 + 2·(−0.25) + 0 = 0 in sample 1; α_H2 = −0.5·f1 − 0.5·f2 − 0.1 < 0 in both."""
    p = {
        "network": {"layers": [2, 2, 1], "activations": ["relu", "sigmoid"], "loss": "bce"},
        "learning_rate": 0.5,
        "parameters": {"w11": 0.5, "w21": -0.25, "b1": 0, "w12": -0.5, "w22": -0.5, "b2": -0.1, "w31": 0.5, "w41": 0.5, "b3": 0},
        "samples": [{"f1": 1, "f2": 2, "t": 1}, {"f1": 2, "f2": 1, "t": 0}],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(p))
    q = json.loads(invoke(["quality", str(path), "--format", "json"]).output)
    relu = next(c for c in q["checks"] if c["check"] == "relu")
    assert relu["reasons"] == [
        "α_H1 = 0 in sample 1: the relu derivative at 0 is only a convention",
        "H2 is dead: α_H2 < 0 in every sample, so its weights never learn",
    ]


# --- bpcalc variants ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def thirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("variants")
    r = invoke(["variants", Q3, "--count", "30", "--seed", "7", "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    (out / "report.json").write_text(r.output)
    return out


def test_thirty_variants_of_q3_pass_every_check(thirty: Path) -> None:
    report = json.loads((thirty / "report.json").read_text())
    assert len(report["variants"]) == 30
    assert all(v["quality"]["ok"] for v in report["variants"])
    with open(thirty / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["variant"] for r in rows] == [f"v{k:02d}" for k in range(1, 31)]
    assert list(rows[0])[:3] == ["variant", "file", "seed"]
    assert len({r["seed"] for r in rows}) == 30
    for r in rows:
        for name in (r["file"], r["key_json"], r["key_tex"]):
            assert (thirty / name).is_file()


def test_variants_checked_independently(thirty: Path) -> None:
    """The claims of the checks, measured with the mpmath reference: no tanh/sigmoid pre-activation beyond ±3,
    every update visible at 3 decimals, each update mistake (η left out, η², sign) more than 0.001 from the correct
    update and from each other at some parameter of each sample."""
    q3 = json.loads(Path(Q3).read_text())
    for k in range(1, 31):
        p = json.loads((thirty / f"v{k:02d}.json").read_text())
        assert p["network"] == q3["network"] and p["learning_rate"] == q3["learning_rate"]
        assert len(p["samples"]) == 2 and all(s["t"] in (0, 1) for s in p["samples"])
        ref = reference.train(p)
        lr = reference.to_mpf(p["learning_rate"])
        for s in ref["samples"]:
            for name, value in s["forward"].items():
                if name.startswith("alpha_") or name == "o":
                    assert abs(value) <= 3, (k, name, value)
            for n in s["gradients"]:
                before, after = s["parameters_before"][n], s["parameters_after"][n]
                assert round(float(before), 3) != round(float(after), 3), (k, n)
            steps = {  # what each update gives, less the parameter before: correct −ηg; η left out −g; η² −η²g; sign +ηg
                "correct": lambda g: -lr * g, "lr_missing": lambda g: -g, "lr_twice": lambda g: -lr * lr * g, "sign": lambda g: lr * g,
            }
            names = list(steps)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    assert max(abs(steps[a](g) - steps[b](g)) for g in s["gradients"].values()) > 1e-3, (k, a, b)


def test_variant_answer_keys_are_right(thirty: Path) -> None:
    for k in (1, 17, 30):
        p = json.loads((thirty / f"v{k:02d}.json").read_text())
        key = json.loads((thirty / f"v{k:02d}-key.json").read_text())
        reference.assert_matches_reference(key, p)
        tex = (thirty / f"v{k:02d}-key.tex").read_text()
        assert tex.startswith("\\documentclass") and f"(variant v{k:02d})" in tex


def test_same_seed_same_variants(tmp_path: Path, thirty: Path) -> None:
    r = invoke(["variants", Q3, "--count", "3", "--seed", "7", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    for name in ("v01.json", "v02.json", "v03.json", "v01-key.tex"):
        assert (tmp_path / name).read_text() == (thirty / name).read_text()
    # seed 7's variant seeds and the first values drawn for v01, as every machine draws them (integer draws from
    # random.Random only; which draw a variant keeps depends on the checks of this version of bpcalc)
    import random

    from bpcalc.classroom.variants import Settings, problem_data, variant_seeds
    from bpcalc.problem import load_problem

    assert variant_seeds(7, 3) == [647892279, 2795742288, 2301595691]
    first = problem_data(Settings.of(load_problem(Q3)), random.Random(647892279))
    assert {k: float(v) for k, v in first["parameters"].items()} == {
        "w11": 0.4, "w21": 0.35, "b1": -0.1, "w12": 0.2, "w22": -0.05, "b2": 0, "w13": -0.25, "w23": -0.15,
        "b3": 0.2, "w31": -0.35, "w41": 0.6, "w51": -0.7, "b4": 0.2,
    }
    assert first["samples"] == [{"f1": 3, "f2": -1, "t": 1}, {"f1": 2, "f2": 1, "t": 1}]
    other = tmp_path / "other"
    assert invoke(["variants", Q3, "--count", "3", "--seed", "8", "--out", str(other)]).exit_code == 0
    assert (other / "v01.json").read_text() != (tmp_path / "v01.json").read_text()


def test_variants_that_cannot_pass_say_why(tmp_path: Path) -> None:
    """With η = 0.001 no update can show to 3 decimals unless a gradient exceeds 0.5: no variant passes."""
    from bpcalc.classroom.variants import make_variants
    from bpcalc.errors import BpcalcError
    from bpcalc.problem import build_problem

    base = build_problem(hand_problem(learning_rate=0.001), "p.json")
    with pytest.raises(BpcalcError) as e:
        make_variants(base, 2, 1, draws=20)
    assert "p.json: variant v01: no draw of 20 passed every quality check (the last failed updates" in str(e.value)


def test_variants_needs_out() -> None:
    assert "--out DIR is needed" in one_line_error(invoke(["variants", Q3]))


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None and not __import__("os").environ.get("CI"), reason="pdflatex is not installed")
def test_variant_answer_key_compiles(thirty: Path, tmp_path: Path) -> None:
    from test_render_latex import compile_tex

    log = compile_tex((thirty / "v05-key.tex").read_text(), tmp_path)
    assert "Overfull \\hbox" not in log


def test_instructor_commands_stay_light() -> None:
    """No SymPy or NumPy on the paths that do not need them."""
    from probes import modules_after

    for args in (["new", "--layers", "2-3-1", "--activations", "tanh,sigmoid", "--loss", "bce"], ["quality", Q3],
                 ["check", Q3, str(ROOT / "samples" / "class")], ["run", Q3, "--format", "moodle"]):
        mods = modules_after(args)
        assert "sympy" not in mods and "numpy" not in mods, args


def test_checker_finds_each_mistake_on_variants(thirty: Path) -> None:
    """The catalogue run in reverse, checked forward: a student who makes a classic mistake throughout sample 1 of a
    variant (every value written to 3 decimals) gets a value marked wrong, and the checker names that mistake
    (measured over every working of the catalogue on two variants)."""
    from bpcalc.check import check, parse_answers
    from bpcalc.classroom.mistakes import catalogue, changed, work_samples
    from bpcalc.evaluate import train
    from bpcalc.problem import load_problem

    made = found = named = 0
    for k in (1, 2):
        p = load_problem(str(thirty / f"v{k:02d}.json"))
        first = work_samples(p, train(p), catalogue(p))[0]
        for mw, values in first.mistaken:
            if not changed(values, first.correct):
                continue
            entry: dict[str, Any] = {"sample": 1, "forward": {}, "gradients": {}, "parameters_after": {}}
            for key, v in values.items():
                section = {"forward": "forward", "gradient": "gradients", "parameter_after": "parameters_after"}.get(key.kind)
                if key.kind == "loss":
                    entry["loss"] = f"{v:.3f}"
                elif section is not None:
                    entry[section][key.name] = f"{v:.3f}"
            report = check(p, parse_answers(json.dumps({"samples": [entry]}), "sheet", p))
            ids = {i.mistake for i in report.items if i.verdict == "wrong"}
            made += 1
            found += bool(ids)
            named += mw.id in ids
    # most, not all: a mistake of rounding or copying can land within the tolerance of an honest working
    assert found >= 0.95 * made and named >= 0.9 * made, (found, named, made)


def test_every_value_is_stricter(tmp_path: Path) -> None:
    """Sample 1 has f2 = −1: leaving dα_H1/dw21 = f2 out of ∂L/∂w21 negates it, which is what flipping the sign of the
    update does too, so at w21 the two mistakes give the same value. The sample's other values tell them apart
    (the default passes); --every-value asks for each parameter, and fails."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(hand_problem(learning_rate=0.1, samples=[{"f1": 3, "f2": -1, "t": 1}, {"f1": 2, "f2": 1, "t": 1}])))
    assert invoke(["quality", str(path)]).exit_code == 0
    r = invoke(["quality", str(path), "--every-value", "--format", "json"])
    assert r.exit_code == 1
    mistakes = next(c for c in json.loads(r.output)["checks"] if c["check"] == "mistakes")
    # one coincidence is reported per value; which pair comes first depends on the catalogue's order
    assert any(" at w21 after in sample 1: " in x and "not told apart" in x for x in mistakes["reasons"]), mistakes["reasons"]


def test_manifest_student_column(tmp_path: Path) -> None:
    from bpcalc.classroom.manifest import read_manifest

    m = tmp_path / "manifest.csv"
    m.write_text("variant,file,seed,student\nv01,v01.json,5,alice\nv02,v02.json,6,Bob\n")
    man = read_manifest(str(m))
    assert man.match("answers/alice.json").variant == "v01" and man.match("bob.csv").variant == "v02"
    assert man.match("x/v02-late.txt").variant == "v02"  # no student of that name: the id in the file's name
    from bpcalc.errors import ProblemError

    with pytest.raises(ProblemError) as e:
        man.match("carol.json")
    assert str(e.value).startswith(f"carol.json: no variant of {m} matches this file")
    m.write_text("variant,file\nv01,a.json\nv01,b.json\n")
    with pytest.raises(ProblemError) as e:
        read_manifest(str(m))
    assert str(e.value) == f"{m}: line 3: variant 'v01' is listed twice"


# --- variants keep everything but the numbers ---------------------------------------------------

KEPT = [  # (sample, what every variant file must still say, checked against the independent reference)
    ("negnevitsky_xor_threshold.json", {"network": {"bias": "threshold"}}, True),
    ("rules/orr_momentum_quadratic.json", {"optimizer": {"name": "momentum", "momentum": 0.1}, "epochs": 3}, True),
    ("rules/l2_weight_decay_two_weights.json", {"weight_decay": 0.01}, True),
    ("notations/mazur_sequential.json", {"network": {"bias": "per_layer"}, "notation": "sequential", "frozen": ["b1", "b2"]}, False),
    ("notations/han_kamber_pei_global.json", {"notation": "global"}, False),
]


@pytest.mark.parametrize("name,kept,referenced", KEPT, ids=[k[0] for k in KEPT])
def test_variants_keep_the_rules_bias_mode_and_notation(tmp_path: Path, name: str, kept: dict, referenced: bool) -> None:
    # once, the variants of a threshold problem crashed (KeyError) and those of a momentum, weight-decay, shared-bias or
    # Han–Kamber problem were written as plain SGD in the sheet's names
    base = json.loads((ROOT / "samples" / name).read_text())
    out = tmp_path / "v"
    r = invoke(["variants", str(ROOT / "samples" / name), "--count", "2", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for k in (1, 2):
        p = json.loads((out / f"v{k:02d}.json").read_text())
        for key, value in kept.items():
            if isinstance(value, dict) and key == "network":
                assert {n: p["network"].get(n) for n in value} == value
            else:
                assert p[key] == value, key
        assert sorted(p["parameters"]) == sorted(base["parameters"])  # the file's own names
        assert p["parameters"] != base["parameters"]
        run = invoke(["run", str(out / f"v{k:02d}.json"), "--format", "json"])
        assert run.exit_code == 0, run.output
        key = json.loads((out / f"v{k:02d}-key.json").read_text())
        assert key == json.loads(run.stdout)  # the answer key is what `bpcalc run` of the variant gives
        if referenced:
            reference.assert_matches_reference(key, p)


def test_variant_answer_key_in_the_files_notation(tmp_path: Path) -> None:
    out = tmp_path / "v"
    assert invoke(["variants", str(ROOT / "samples" / "notations" / "han_kamber_pei_global.json"), "--count", "1", "--out", str(out)]).exit_code == 0
    tex = (out / "v01-key.tex").read_text()
    assert "w_{46}" in tex and "\\theta_{6}" in tex  # the book's w46, θ6, as `bpcalc run v01.json --format latex` writes them
    assert tex == invoke(["run", str(out / "v01.json"), "--format", "latex"]).stdout


def test_variants_keep_activation_parameters(tmp_path: Path) -> None:
    base = json.loads(Path(Q3).read_text())
    base["network"]["activations"] = [{"name": "leaky_relu", "slope": 0.1}, "sigmoid"]
    path = tmp_path / "leaky.json"
    path.write_text(json.dumps(base))
    out = tmp_path / "v"
    r = invoke(["variants", str(path), "--count", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    p = json.loads((out / "v01.json").read_text())
    assert p["network"]["activations"] == [{"name": "leaky_relu", "slope": 0.1}, "sigmoid"]
    reference.assert_matches_reference(json.loads((out / "v01-key.json").read_text()), p)
