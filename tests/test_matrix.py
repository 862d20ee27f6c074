"""Weights as matrices in problem files, and the matrix (vectorised) view `run --view matrix`.

The 2-4-1 numbers are deeplearning.ai's published expected output of backward_propagation_test_case
(Neural Networks and Deep Learning, week 3); the scalar side is the step-by-step engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from bpcalc.evaluate import train
from bpcalc.matrixview import blocks
from bpcalc.problem import load_problem

ROOT = Path(__file__).resolve().parent.parent
DLAI = ROOT / "samples" / "notations" / "deeplearning_ai_planar_2_4_1.json"

PUBLISHED = {  # the course's expected output, as printed (8 decimals)
    "dW1": [[0.00301023, -0.00747267], [0.00257968, -0.00641288], [-0.00156892, 0.003893], [-0.00652037, 0.01618243]],
    "db1": [[0.00176201], [0.00150995], [-0.00091736], [-0.00381422]],
    "dW2": [[0.00078841, 0.01765429, -0.00084166, -0.01022527]],
    "db2": [[-0.16655712]],
}


def cli(*args: str, code: int = 0) -> str:
    r = CliRunner().invoke(main, list(args), env={"COLUMNS": "80"})
    assert r.exit_code == code, r.output
    return r.stdout


def _entries(path: Path | str) -> dict[str, list[list[float]]]:
    run = train(load_problem(str(path)))
    (block,) = blocks(run)[:1]
    return {e.name: [[float(x) for x in row] for row in e.value] for e in block.entries}


def test_the_published_2_4_1_gradients():
    got = _entries(DLAI)
    for name, matrix in PUBLISHED.items():
        assert len(got[name]) == len(matrix) and len(got[name][0]) == len(matrix[0]), name
        for row, want in zip(got[name], matrix):
            for x, w in zip(row, want):
                assert abs(x - w) <= 5e-9 + 1e-12, (name, x, w)  # printed to 8 decimals


def test_the_course_forward_cache():
    # the course's cache: A2 = [[0.5002307, 0.49985831, 0.50023963]], Z2 = [[0.00092281, -0.00056678, 0.00095853]]
    got = _entries(DLAI)
    for x, w in zip(got["A2"][0], [0.5002307, 0.49985831, 0.50023963]):
        assert abs(x - w) <= 5e-9
    for x, w in zip(got["Z2"][0], [0.00092281, -0.00056678, 0.00095853]):
        assert abs(x - w) <= 5e-9


def _scalar_match(path: Path | str) -> None:
    run = train(load_problem(str(path)))
    net = run.problem.network
    for block in blocks(run):
        e = {x.name: x.value for x in block.entries}
        if run.problem.update == "batch":
            rs = [r for r in run.results if r.update is not None]
            grads = rs[0].update.gradients
        else:
            grads = None
        for li in range(1, len(net.layers)):
            for j, t in enumerate(net.units[li]):
                for k, s in enumerate(net.units[li - 1]):
                    name = net.weight(s, t)
                    g = grads[name] if grads is not None else None
                    if g is not None:
                        assert e[f"dW{li}"][j][k] == pytest.approx(g, rel=1e-12, abs=1e-300), name
                if net.bias and grads is not None:
                    assert e[f"db{li}"][j][0] == pytest.approx(grads[t.bias], rel=1e-12, abs=1e-300)


def test_matrix_view_matches_the_scalar_view_entry_for_entry_in_batch_mode():
    _scalar_match(DLAI)


def test_matrix_view_matches_the_scalar_view_per_sample_online():
    run = train(load_problem(str(ROOT / "samples" / "q3.json")))
    net = run.problem.network
    bs = blocks(run)
    assert len(bs) == 2
    for block, r in zip(bs, run.results):
        e = {x.name: x.value for x in block.entries}
        for li in range(1, len(net.layers)):
            for j, t in enumerate(net.units[li]):
                for k, s in enumerate(net.units[li - 1]):
                    assert e[f"dW{li}"][j][k] == pytest.approx(r.pass_.gradients[net.weight(s, t)], rel=1e-12, abs=1e-300)
                assert e[f"db{li}"][j][0] == pytest.approx(r.pass_.gradients[t.bias], rel=1e-12, abs=1e-300)
                assert e[f"Z{li}"][j][0] == pytest.approx(r.pass_.forward[t.pre], rel=1e-12)


def test_matrix_view_text():
    out = cli("run", str(DLAI), "--view", "matrix", "--precision", "8")
    lines = out.splitlines()
    i = lines.index("dW1 = (1/m)·dZ1·Xᵀ  (4×2)")
    assert lines[i + 1 : i + 5] == [
        "  [  0.00301023  -0.00747267 ]",
        "  [  0.00257968  -0.00641288 ]",
        "  [ -0.00156892   0.00389300 ]",
        "  [ -0.00652037   0.01618243 ]",
    ]
    assert "db2 = (1/m)·Σ dZ2 (over the samples)  (1×1)" in lines
    assert "  [ -0.16655712 ]" in lines
    assert "dZ2 = A2 − Y  (1×3)" in lines and "dA1 = W2ᵀ·dZ2  (4×3)" in lines
    assert "dW1[0,1] = dL/dw21." in out
    assert all(len(ln) <= 80 for ln in lines)


def test_matrix_view_says_which_weight_an_entry_is_in_the_profile():
    assert "dW1[0,1] = dC/dw^1_12." in cli("run", str(DLAI), "--view", "matrix", "--notation", "layered")
    assert "dW1[0,1] = dE/dw23." in cli("run", str(DLAI), "--view", "matrix", "--notation", "global")


def test_matrix_view_latex_and_markdown():
    tex = cli("run", str(DLAI), "--view", "matrix", "--format", "latex", "--precision", "8")
    assert tex.startswith("\\documentclass") and "\\begin{bmatrix} 0.00301023 & -0.00747267 \\\\ 0.00257968" in tex
    assert "dW^{[1]} = \\frac{1}{m} dZ^{[1]} {X}^{T}" in tex
    md = cli("run", str(DLAI), "--view", "matrix", "--format", "markdown")
    assert "$$ db^{[2]} = \\frac{1}{m} \\sum dZ^{[2]} = \\begin{bmatrix} -0.167 \\end{bmatrix} \\quad (1 \\times 1) $$" in md


def test_matrix_view_refuses_json():
    r = CliRunner().invoke(main, ["run", str(DLAI), "--view", "matrix", "--format", "json"])
    assert r.exit_code == 2 and r.stderr == "bpcalc: --view matrix prints text, latex or markdown, not json\n"


# --- matrices in problem files ----------------------------------------------------------------------

def _problem(**changes):
    d = json.loads(DLAI.read_text())
    d.update(changes)
    return d


@pytest.mark.parametrize("changes,message", [
    ({"weights": [[[1, 2, 3, 4]], [[1], [2], [3], [4]]]}, "weights[0]: expected 4 rows of 2 (layer 1 has 4 units, layer 0 has 2), got 1 row of 4"),
    ({"weights": [[[1, 2]] * 4, [[1], [2], [3], [4]]]}, "weights[1]: expected 1 row of 4 (layer 2 has 1 unit, layer 1 has 4), got 4 rows of 1"),
    ({"layout": "from_to"}, "weights[0]: expected 2 rows of 4 (layer 1 has 4 units, layer 0 has 2), got 4 rows of 2"),
    ({"layout": "rows"}, 'layout: expected "to_from"'),
    ({"weights": [[[1, 2]] * 4]}, "weights: expected a list of 2 weight matrices (one per layer after the inputs), got a list of 1"),
    ({"biases": [[0, 0, 0], [0]]}, "biases[0]: expected a list of 4 (layer 1 has 4 units), got a list of 3"),
    ({"parameters": {"w11": 0}}, "weights: given with parameters"),
    ({"weights": [[[1, "a"]] * 4, [[1, 2, 3, 4]]]}, "weights[0][0][1]: expected a number, got \"a\""),
])
def test_bad_matrices(changes, message, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_problem(**changes)))
    r = CliRunner().invoke(main, ["run", str(path)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"bpcalc: {path}: {message}"), r.stderr
    assert r.stderr.count("\n") == 1


def test_the_issues_shape_message(tmp_path):
    d = {"network": {"layers": [3, 1], "activations": ["sigmoid"], "loss": "half_sse"}, "learning_rate": 1, "layout": "to_from",
         "weights": [[[1], [2], [3]]], "biases": [[0]], "samples": [{"f1": 0, "f2": 0, "f3": 0, "t": 1}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    r = CliRunner().invoke(main, ["run", str(path)])
    assert r.stderr == f"bpcalc: {path}: weights[0]: expected 1 row of 3 (layer 1 has 1 unit, layer 0 has 3), got 3 rows of 1\n"


def test_both_layouts_give_the_scalar_numbers(tmp_path):
    scalar = cli("run", "samples/q3.json", "--format", "json")
    for layout in ("to_from", "from_to"):
        path = tmp_path / f"{layout}.json"
        path.write_text(cli("convert", "samples/q3.json", "--layout", layout))
        assert cli("run", str(path), "--format", "json") == scalar
    # the deeplearning.ai file written the CS231n way (X·W1, shape (D, H)): the same gradients
    d = json.loads(DLAI.read_text())
    d["layout"] = "from_to"
    d["weights"] = [[list(c) for c in zip(*w)] for w in d["weights"]]
    path = tmp_path / "cs231n.json"
    path.write_text(json.dumps(d))
    assert cli("run", str(path), "--format", "json") == cli("run", str(DLAI), "--format", "json")


@pytest.mark.parametrize("args", [
    ["run", str(DLAI), "--view", "matrix"],
    ["run", str(DLAI), "--view", "matrix", "--format", "markdown"],
    ["names", str(DLAI)],
    ["convert", str(DLAI), "--notation", "layered"],
])
def test_matrix_view_names_and_convert_import_no_sympy_or_numpy(args):
    from probes import modules_after

    loaded = modules_after(args)
    assert "sympy" not in loaded and "numpy" not in loaded


def test_the_bundled_notation_samples_follow_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "bpcalc" / "problem.schema.json").read_text())
    for path in sorted((ROOT / "samples" / "notations").glob("*.json")):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_a_matrix_written_as_w1_gets_a_hint(tmp_path):
    d = json.loads((ROOT / "samples" / "q3.json").read_text())
    d["W1"] = d.pop("parameters")
    path = tmp_path / "w1.json"
    path.write_text(json.dumps(d))
    r = CliRunner().invoke(main, ["run", str(path)])
    assert r.exit_code == 2
    assert r.stderr.startswith(f"bpcalc: {path}: W1: unknown key; weight matrices go in \"weights\": [W1, W2, ...] with \"biases\" and \"layout\"")


def test_matrix_view_of_mazurs_shared_biases():
    path = ROOT / "samples" / "notations" / "mazur_sequential.json"
    got = _entries(path)
    # Mazur's printed dE_total/dw5 = 0.082167041, dE_total/dw1 = 0.000438568, dE_total/dout_h1 = 0.036350306
    assert abs(got["dW2"][0][0] - 0.082167041) < 5e-10
    assert abs(got["dW1"][0][0] - 0.000438568) < 5e-10
    assert abs(got["dA1"][0][0] - 0.036350306) < 5e-10
    run = train(load_problem(str(path)))
    g = run.results[0].pass_.gradients
    assert got["db2"] == [[pytest.approx(g["b2"], rel=1e-12)]] and got["db1"] == [[pytest.approx(g["b1"], rel=1e-12)]]
    assert "db2 = Σ dZ2 (over the units and the samples)  (1×1)" in cli("run", str(path), "--view", "matrix")


from test_render_latex import compile_tex, needs_pdflatex  # noqa: E402


@needs_pdflatex
@pytest.mark.parametrize("args", [
    ["run", str(DLAI), "--view", "matrix", "--format", "latex"],
    ["run", str(ROOT / "samples" / "notations" / "mazur_sequential.json"), "--view", "matrix", "--format", "latex", "--notation", "layered"],
    ["run", str(ROOT / "samples" / "notations" / "han_kamber_pei_global.json"), "--format", "latex"],
    ["run", str(ROOT / "samples" / "notations" / "mazur_sequential.json"), "--format", "latex"],
    ["derive", "--param", "w1_11", "--problem", str(ROOT / "samples" / "q3.json"), "--notation", "layered", "--format", "latex"],
], ids=["matrix", "matrix-layered", "global", "sequential", "derive-layered"])
def test_latex_in_the_notations_compiles(args, tmp_path):
    log = compile_tex(cli(*args), tmp_path)
    assert "Overfull \\hbox" not in log or args[1:2] != ["--view"]
