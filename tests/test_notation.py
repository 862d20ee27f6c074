"""Notation profiles: the books' own names in problem files, output, `names`, `convert` and `check`.

Every number asserted comes from the book or post itself (Han, Kamber & Pei Table 9.3; Mazur's
printed values) or from the independent mpmath reference (tests/reference.py, finite differences).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mpmath import mp, mpf

import reference as R
from bpcalc.cli import main
from bpcalc.jsontext import parse_json
from bpcalc.notations import NOTATIONS, notation_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
HAN = SAMPLES / "notations" / "han_kamber_pei_global.json"
MAZUR = SAMPLES / "notations" / "mazur_sequential.json"
BUNDLED = sorted([*SAMPLES.glob("*.json"), *(SAMPLES / "notations").glob("*.json")])
BUNDLED = [p for p in BUNDLED if "answers" not in p.name]


def cli(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    r = CliRunner().invoke(main, list(args), env={"COLUMNS": "100", **(env or {})})
    assert r.exit_code == code, (r.output, r.stderr if r.stderr_bytes is not None else "")
    return r.stdout


def stderr(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 2 and r.stdout == ""
    return r.stderr


# --- Han, Kamber & Pei in their own names ------------------------------------------------------

def test_han_in_the_books_names_reproduces_table_9_3():
    out = json.loads(cli("run", str(HAN), "--format", "json"))
    after = out["samples"][0]["parameters_after"]  # JSON keys stay the sheet's
    book = {"w46": "-0.261", "w56": "-0.138", "w14": "0.192", "w15": "-0.306", "w24": "0.4", "w25": "0.1",
            "w34": "-0.508", "w35": "0.194", "theta6": "0.218", "theta5": "0.194", "theta4": "-0.408"}
    sheet = {"w46": "w41", "w56": "w51", "w14": "w11", "w15": "w12", "w24": "w21", "w25": "w22",
             "w34": "w31", "w35": "w32", "theta6": "b3", "theta5": "b2", "theta4": "b1"}
    for name, value in book.items():
        R.assert_printed(after[sheet[name]], value, name)


def test_han_run_prints_the_books_names_and_err():
    out = cli("run", str(HAN), "--format", "plain")
    for name in ("w14", "w56", "θ4", "θ6", "I4", "O6", "T6", "dE/dO6"):
        assert name in out, name
    assert "w11" not in out and "β1" not in out and "H1" not in out
    rows = {ln.split()[0]: ln.split()[-1] for ln in out.splitlines() if ln.startswith("Err")}
    # Table 9.3: Err6 = 0.1311 (from O6 rounded to 0.474; 0.1312 unrounded), Err5 = -0.0065, Err4 = -0.0087
    assert rows == {"Err6": "0.131", "Err5": "-0.007", "Err4": "-0.009"}
    assert "w_ij += η·Err_j·O_i" in out


def test_han_book_names_in_latex_and_markdown():
    tex = cli("run", str(HAN), "--format", "latex")
    assert "w_{14}" in tex and "\\theta_{4}" in tex and "\\mathrm{Err}_{6}" in tex
    md = cli("run", str(HAN), "--format", "markdown")
    assert "$w_{46}$" in md


def test_notation_option_overrides_the_files():
    out = cli("run", str(HAN), "--format", "plain", "--notation", "sheet")
    assert "w11" in out and "w14" not in out
    out = cli("run", "samples/q3.json", "--format", "plain", "--notation", "layered", "--show", "updates")
    assert "w1_11" not in out and "w^1_11" in out and "b^2_1" in out


# --- Mazur, with his two shared biases ----------------------------------------------------------

def test_mazur_with_w1_to_w8_and_shared_frozen_biases():
    out = json.loads(cli("run", str(MAZUR), "--format", "json"))
    s = out["samples"][0]
    R.assert_printed(s["loss"], "0.298371109", "E_total")
    R.assert_printed(s["gradients"]["w31"], "0.082167041", "dE/dw5")
    printed = {"w31": "0.35891648", "w41": "0.408666186", "w32": "0.511301270", "w42": "0.561370121",
               "w11": "0.149780716", "w21": "0.19956143", "w12": "0.24975114", "w22": "0.29950229"}
    for ours, value in printed.items():
        R.assert_printed(s["parameters_after"][ours], value, ours)
    assert s["parameters_after"]["b1"] == 0.35 and s["parameters_after"]["b2"] == 0.6
    text = cli("run", str(MAZUR), "--format", "plain")
    for name in ("w1 ", "w8 ", "net_h1", "out_o2", "E_total", "b1", "b2"):
        assert name in text, name
    assert "b3" not in text


def _shared_fd(problem_sheet: dict, layer_units: dict[str, list[str]]) -> dict[str, mpf]:
    """dL/d(shared bias) by a central finite difference of the reference's loss, every unit's bias moved together."""
    net = R.Network(problem_sheet)
    params = R.initial_parameters(problem_sheet, net)
    inputs, targets = net.sample_io(problem_sheet["samples"][0])
    out = {}
    with mp.workdps(R.FD_DPS):
        h = mpf(10) ** -R.FD_STEP_EXP
        for shared, units in layer_units.items():
            up = {**params, **{b: params[b] + h for b in units}}
            down = {**params, **{b: params[b] - h for b in units}}
            out[shared] = (net.loss_at(up, inputs, targets) - net.loss_at(down, inputs, targets)) / (2 * h)
    return out


def test_shared_biases_updated_agree_with_finite_differences(tmp_path):
    problem = json.loads(MAZUR.read_text())
    del problem["frozen"]
    path = tmp_path / "mazur_updated.json"
    path.write_text(json.dumps(problem))
    got = json.loads(cli("run", str(path), "--format", "json"))["samples"][0]
    # the reference knows per-unit biases only: Mazur's net with b1 on both hidden units, b2 on both outputs
    sheet = json.loads((SAMPLES / "mazur_step_by_step.json").read_text())
    del sheet["frozen"]
    fd = _shared_fd(sheet, {"b1": ["b1", "b2"], "b2": ["b3", "b4"]})
    for b in ("b1", "b2"):
        assert R.is_close(got["gradients"][b], fd[b]), (b, got["gradients"][b], fd[b])
        assert R.is_close(got["parameters_after"][b], mpf(problem["parameters"][b]) - mpf("0.5") * fd[b])
    # the weights move exactly as with four separate biases of the same values
    ref = R.evaluate(sheet)["gradients"]
    for w in ("w11", "w21", "w12", "w22", "w31", "w41", "w32", "w42"):
        assert R.is_close(got["gradients"][w], ref[w])


def test_shared_bias_gradient_is_written_as_the_sum_of_deltas():
    out = cli("run", str(MAZUR), "--format", "plain", "--show", "gradients")
    line = next(ln for ln in out.splitlines() if ln.startswith("b2 "))
    assert "δ_o1 + δ_o2" in line and line.split()[-1] == "0.100"  # 0.138498562 + (-0.038098236)


def test_per_layer_bias_in_the_sheet_notation(run_json):
    problem = {"network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse", "bias": "per_layer"},
               "learning_rate": 0.5, "samples": [{"f1": 0.05, "f2": 0.1, "t1": 0.01, "t2": 0.99}],
               "parameters": {"w11": 0.15, "w21": 0.2, "w12": 0.25, "w22": 0.3, "w31": 0.4, "w41": 0.45, "w32": 0.5, "w42": 0.55, "b1": 0.35, "b2": 0.6},
               "frozen": ["b1", "b2"]}
    got = run_json(problem)
    R.assert_printed(got["samples"][0]["loss"], "0.298371109", "E_total")


# --- reading names in a profile -----------------------------------------------------------------

@pytest.mark.parametrize("change,place,message", [
    (lambda d: d["parameters"].update(W14=d["parameters"].pop("w14")), "parameters.W14",
     'unknown parameter (did you mean "w14"?); the 3-2-1 network in the global notation has w14, w24, w34, theta4'),
    (lambda d: d["parameters"].update(w11=d["parameters"].pop("w14")), "parameters.w11",
     "unknown parameter; the 3-2-1 network in the global notation has w14, w24, w34, theta4"),
    (lambda d: d.update(notation="globl"), "notation", 'unknown notation "globl" (did you mean "global"?); expected one of sheet, global, sequential, layered'),
    (lambda d: d["parameters"].pop("theta5"), "parameters.theta5", "missing; the 3-2-1 network needs w14, w24"),
    (lambda d: d.update(frozen=["w11"]), "frozen[0]", 'unknown parameter "w11"'),
])
def test_bad_names_in_a_profile(change, place, message, tmp_path):
    d = json.loads(HAN.read_text())
    change(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    err = stderr("run", str(path))
    assert err.startswith(f"bpcalc: {path}: {place}: {message}"), err
    assert err.count("\n") == 1


def test_every_profile_reads_back_every_name_it_writes():
    for path in BUNDLED:
        from bpcalc.problem import load_problem

        net = load_problem(str(path)).network
        for name in NOTATIONS:
            b = notation_for(net, name)
            for atom in [u.id for row in net.units for u in row] + [q.id for q in net.params]:
                for spelled in (b.key(atom), b.text(atom)):
                    assert b.parse(spelled) == atom, (path.name, name, spelled)


def test_profiles_on_a_wide_net_use_separators():
    from bpcalc.problem import build_problem

    p = build_problem({"network": {"layers": [2, 12, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"}, "learning_rate": 1,
                       "parameters": {k: 0 for k in build_problem.__globals__["Network"]((2, 12, 1), ("tanh", "sigmoid"), "bce").param_names},
                       "samples": [{"f1": 0, "f2": 0, "t": 0}]}, "x")
    net = p.network
    w = next(q for q in net.params if q.name == "w12_1")  # H10 -> y: units 12 and 15
    assert notation_for(net, "global").key(w.id) == "w12_15"
    assert notation_for(net, "layered").key(w.id) == "w2_1_10"
    h12 = next(q for q in net.params if q.name == "w2_12")  # f2 -> H12
    assert notation_for(net, "global").key(h12.id) == "w2_14"
    assert notation_for(net, "layered").key(h12.id) == "w1_12_2"


# --- names and convert ---------------------------------------------------------------------------

def test_names_cross_reference():
    out = cli("names", str(HAN))
    lines = out.splitlines()
    assert "w11        w14     f1 → H1     0.2" in lines
    assert "β3         θ6      bias of y   0.1" in lines
    assert all(len(ln) <= 80 for ln in lines)


def test_names_of_every_profile_fit_80_columns():
    for path in BUNDLED:
        out = cli("names", str(path))
        assert all(len(ln) <= 80 for ln in out.splitlines()), path.name
        assert "parameter" in out


def _convert(path: Path, *args: str, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    out.write_text(cli("convert", str(path), *args))
    return out


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_convert_to_every_profile_and_back_is_identical(path, tmp_path):
    d = json.loads(path.read_text())
    home = ["--notation", d.get("notation", "sheet")] + (["--layout", d["layout"]] if "weights" in d else [])
    start = cli("convert", str(path), *home)
    # the bundled files are written as convert writes them (parameters in the network's order, before the samples)
    assert parse_json(start, "x") == parse_json(path.read_text(), "x")
    scalar = cli("run", str(path), "--format", "json")
    for name in NOTATIONS:
        there = _convert(path, "--notation", name, tmp_path=tmp_path, name=f"{name}.json")
        assert cli("convert", str(there), *home) == start, name
        assert cli("run", str(there), "--format", "json") == scalar, name
    for layout in ("to_from", "from_to"):
        m = _convert(path, "--layout", layout, tmp_path=tmp_path, name=f"{layout}.json")
        assert "weights" in json.loads(m.read_text())
        assert cli("convert", str(m), *home) == start, layout
        assert cli("run", str(m), "--format", "json") == scalar, layout


# --- check in the student's notation ------------------------------------------------------------

def _seed_answers_in(notation: str, tmp_path: Path) -> Path:
    from bpcalc.names import SHEET
    from bpcalc.problem import load_problem

    net = load_problem("samples/q3.json").network
    b = notation_for(net, notation)
    d = json.loads((SAMPLES / "q3-sheet-answers.json").read_text())
    for s in d["samples"]:
        s["parameters_after"] = {b.key(SHEET.parse(k)): v for k, v in s["parameters_after"].items()}  # type: ignore[arg-type]
    path = tmp_path / f"answers-{notation}.json"
    path.write_text(json.dumps(d))
    return path


def test_check_names_the_notation_the_answers_are_in(tmp_path):
    answers = _seed_answers_in("global", tmp_path)
    # w13 (global: f1 -> H1) is also a sheet name (f1 -> H3): never marked against the wrong weight
    r = CliRunner().invoke(main, ["check", "samples/q3.json", str(answers)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == f"bpcalc: {answers}: these names look like global numbering (w13, θ3): try --notation global\n"


def test_check_in_the_students_notation_marks_as_the_sheet(tmp_path):
    answers = _seed_answers_in("global", tmp_path)
    glob = CliRunner().invoke(main, ["check", "samples/q3.json", str(answers), "--notation", "global", "--format", "json"])
    sheet = CliRunner().invoke(main, ["check", "samples/q3.json", "samples/q3-sheet-answers.json", "--format", "json"])
    assert glob.exit_code == sheet.exit_code == 1
    assert json.loads(glob.stdout)["summary"] == json.loads(sheet.stdout)["summary"]


def test_check_reads_hand_answers_in_the_problems_notation(tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text("w46 = -0.261\nθ6 = 0.218\nO6 = 0.474\nI4 = -0.7\ndE/dw46 = -0.044\n")
    r = CliRunner().invoke(main, ["check", str(HAN), str(answers), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["summary"]["right"] == 5
    answers.write_text("w46 = -0.261\nw99 = 1\n")
    err = stderr("check", str(HAN), str(answers))
    assert 'unknown name "w99" in the global notation' in err


def test_check_names_the_sheet_when_a_global_problems_answers_are_the_sheets(tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text("w41 = -0.261\nw51 = -0.138\nw11 = 0.192\nb3 = 0.218\n")
    err = stderr("check", str(HAN), str(answers))
    assert err == f"bpcalc: {answers}: these names look like the sheet's names (w11, β1): try --notation sheet\n"


def test_the_readmes_table_of_which_weight_is_which():
    from bpcalc.problem import load_problem

    readme = (ROOT / "README.md").read_text()
    net = load_problem(str(SAMPLES / "q3.json")).network
    q = {p.name: p.id for p in net.params}
    cols = [q["w11"], q["w23"], q["w41"], q["b1"], q["b4"]]
    start = readme.index("| notation | f1 → H1 |")
    rows = [ln for ln in readme[start:].splitlines()[2:6]]
    assert len(rows) == 4
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        b = notation_for(net, cells[0].split("`")[1])
        for cell, n in zip(cells[1:6], cols):
            assert cell.split(" ")[0] in (b.key(n), b.text(n)), (cells[0], cell)


def test_derive_in_the_files_notation():
    out = cli("derive", "--param", "w14", "--problem", str(HAN), "--format", "plain")
    assert "dE/dw14 = dE/dO6 · dO6/dI6 · dI6/dO4 · dO4/dI4 · dI4/dw14" in out
    assert stderr("derive", "--param", "w11", "--problem", str(HAN)).startswith("bpcalc: unknown parameter 'w11'; this network has w14, w24")
    assert "dL/dw11 = dL/dy" in cli("derive", "--param", "w11", "--problem", str(HAN), "--notation", "sheet", "--format", "plain")
    # a bias shared by the layer: the sum of each unit's chain (tests/test_derive_shared_bias.py checks its numbers)
    assert "dE_total/db1 = dE_total/dout_h1 · dout_h1/dnet_h1 · dnet_h1/db1 + dE_total/dout_h2" in cli("derive", "--param", "b1", "--problem", str(MAZUR), "--format", "plain")


def test_the_trainer_trains_shared_biases_as_the_engine_does():
    # the engine's shared-bias gradient (the sum of the layer's δ) is checked against finite differences above
    from bpcalc.evaluate import train
    from bpcalc.problem import build_problem
    from bpcalc.train.vectorised import Settings, fit

    data = json.loads(MAZUR.read_text())
    data.pop("frozen", None)  # Mazur freezes b1, b2: here they move
    pr = build_problem({**data, "epochs": 3}, "mazur")
    net = pr.network
    x = np.array([[float(s.inputs[n]) for n in net.input_names] for s in pr.samples])
    t = np.array([[float(s.targets[n]) for n in net.target_names] for s in pr.samples])
    h = fit(net, {k: float(v) for k, v in pr.parameters.items()}, Settings(float(pr.learning_rate), 3, pr.update), x, t, keep=True)
    want = [r.after for r in train(pr).results if r.sample == len(pr.samples)]
    assert [list(s) for s in h.snapshots] == [list(w) for w in want]
    for got, w in zip(h.snapshots, want):
        assert got == pytest.approx(w, rel=1e-12, abs=0)
    assert want[-1]["b1"] != data["parameters"]["b1"]


def test_check_writes_its_table_in_the_problems_notation(tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text("I4 = -0.7\nδ6 = -0.131\nE = 0.138\ndE/dw46 = -0.05\nθ6 = 0.218\n")
    r = CliRunner().invoke(main, ["check", str(HAN), str(answers), "--format", "plain"], env={"COLUMNS": "80"})
    assert r.exit_code == 1
    rows = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip().endswith(("right", "wrong [1]"))]
    assert rows == ["I4", "E", "δ6", "∂E/∂w46", "θ6"]  # in the order the sheet works them (the book's -0.044 for dE/dw46)


@pytest.mark.parametrize("name", ["global", "sequential", "layered"])
@pytest.mark.parametrize("width", [60, 80])
def test_every_sample_in_every_notation_fits_and_never_cuts(name, width):
    for path in BUNDLED:
        out = cli("run", str(path), "--format", "plain", "--notation", name, env={"COLUMNS": str(width)})
        assert "…" not in out, (path.name, name)
        wide = [ln for ln in out.splitlines() if len(ln) > width]
        assert not wide, (path.name, name, wide[:2])


def test_derive_writes_its_symbolic_forms_in_the_notation():
    out = cli("derive", "--param", "w14", "--problem", str(HAN), "--format", "plain")
    assert "dO6/dI6    e^(-I6)/(1 + e^(-I6))²   O6·(1 - O6)" in out
    assert "dE/dw14 = (1 - O6)·(O6 - T6)·O6·w46·(1 - O4)·O4·x1" in out
    assert "α_H1" not in out and "w41" not in out
    tex = cli("derive", "--param", "w1_11", "--problem", "samples/q3.json", "--notation", "layered", "--format", "latex")
    assert "\\cdot w^{2}_{11} \\cdot" in tex and "x_{1}" in tex and "alpha" not in tex
    # JSON keeps the sheet's keys
    assert json.loads(cli("derive", "--param", "w14", "--problem", str(HAN), "--format", "json"))["param"] == "w11"


def test_check_writes_its_diagnoses_in_the_problems_notation(tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text("dE/dw46 = -0.05\nw14 = 0.3\n")
    r = CliRunner().invoke(main, ["check", str(HAN), str(answers), "--format", "plain"], env={"COLUMNS": "200"})
    assert r.exit_code == 1
    out = r.stdout
    assert "Sample 1: x1 = 1, x2 = 0, x3 = 1, T6 = 1" in out
    # Table 9.3's w14 = 0.192 after the update, the book's dE/dw46 = -Err6·O4 = -0.044
    assert "[1] ∂E/∂w46 in sample 1 — arithmetic slip: you wrote -0.05, expected -0.044: dE/dw46 = dE/dO6 · dO6/dI6 · dI6/dw46" in out
    assert "w14 = w14 - η·dE/dw14 = 0.2" in out and "0.9·(0.00872) = 0.192" in out
    assert "first mistake: ∂E/∂w46 in sample 1" in out
    for sheet_name in ("w41", "w11", "dL/", "α_H1", "H1", "β"):
        assert sheet_name not in out, sheet_name


def test_convert_keeps_the_files_notation_unless_told():
    out = json.loads(cli("convert", str(MAZUR), "--matrices"))
    assert out["notation"] == "sequential" and out["frozen"] == ["b1", "b2"] and out["biases"] == [0.35, 0.6]
    assert json.loads(cli("convert", str(MAZUR)))["parameters"] == json.loads(MAZUR.read_text())["parameters"]
    sheet = json.loads(cli("convert", str(MAZUR), "--notation", "sheet"))
    assert "notation" not in sheet and list(sheet["parameters"]) == ["w11", "w21", "w12", "w22", "b1", "w31", "w41", "w32", "w42", "b2"]


def test_quality_works_a_problem_in_a_textbook_notation():
    r = CliRunner().invoke(main, ["quality", str(MAZUR)])
    assert r.exit_code in (0, 1), r.output
    assert "unknown name" not in r.output


@pytest.mark.parametrize("fmt", ["json"])  # (check's CSV reader does not take run's section column yet)
def test_runs_own_output_checks_against_a_problem_in_any_notation(fmt):
    for path in (HAN, MAZUR):
        out = cli("run", str(path), "--format", fmt)
        r = CliRunner().invoke(main, ["check", str(path), "-"], input=out)
        assert r.exit_code == 0, r.output


def test_derive_values_table_names_the_loss_in_the_files_notation():
    # the values table's last column once said ∂L/∂w1 under Mazur's ∂E_total/∂w1 chain
    for fmt in ("latex", "markdown"):
        out = cli("derive", "--param", "w1", "--problem", str(MAZUR), "--format", fmt)
        assert "\\partial E_{total}/\\partial w_{1}" in out and "\\partial L/" not in out.replace("\\partial L / \\partial(", "")
