"""The worksheet's printers: the backward pass with its numbers, and file text escaped in every medium."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from tests.test_render_latex import compile_tex, needs_pdflatex

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
# a 2-3-2-1 net: hidden deltas are sums over the layer above
DEEP = {
    "network": {"layers": [2, 3, 2, 1], "activations": ["relu", "tanh", "sigmoid"], "loss": "bce"},
    "learning_rate": 0.1,
    "parameters": {"w11": 0.1, "w21": 0.2, "b1": 0, "w12": 0.3, "w22": -0.1, "b2": 0, "w13": 0.2, "w23": 0.1, "b3": 0,
                   "w31": 0.2, "w41": 0.1, "w51": -0.3, "b4": 0, "w32": 0.6, "w42": 0.2, "w52": 0.1, "b5": 0,
                   "w61": 1, "w71": -1, "b6": 0},
    "samples": [{"f1": 1, "f2": 2, "t": 1}],
}


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def rows(text: str) -> dict[str, list[str]]:
    """Plain table rows by their first cell."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = [c for c in line.split("   ") if c.strip()]
        if cells:
            out.setdefault(cells[0].strip(), [c.strip() for c in cells[1:]])
    return out


def test_backward_pass_of_q3_sample_1_with_the_sheets_numbers() -> None:
    # by hand: o = −1 + 0.5 − 0.1 = −0.6 (tanh of ±8, ±9, ±17 is ±1 to 3 decimals), y = 1/(1 + e^0.6)
    y = 1 / (1 + math.exp(0.6))
    dldy = (y - 1) / (y * (1 - y))  # the seed sheet: (0.354 − 1)/(0.354(1 − 0.354))
    dydo = math.exp(0.6) / (1 + math.exp(0.6)) ** 2  # the sheet's box: e^0.6/(1 + e^0.6)² = 0.229
    assert (round(y, 3), round(dldy, 3), round(dydo, 3)) == (0.354, -2.822, 0.229)
    out = cli("run", Q3, "--format", "plain", "--sample", "1", "--show", "gradients")
    r = rows(out)
    assert r["dL/dy"] == ["(y - t)/(y·(1 - y))", "(0.354 - 1)/(0.354·(1 - 0.354))", "-2.822"]
    assert r["dy/do"] == ["e^(-o)/(1 + e^(-o))²", "e^(0.600)/(1 + e^(0.600))²", "0.229"]
    # δ_o = dL/dy·dy/do = y − t = −0.646; dL/dH1 = w31·δ_o with w31 = 1, dL/dH2 = w41·δ_o = 0.5·(−0.646)
    assert r["δ_o"] == ["dL/dy·dy/do", "(-2.822) × (0.229)", f"{y - 1:.3f}"]
    assert r["dL/dH1"] == ["w31·δ_o", "1·(-0.646)", "-0.646"]
    assert r["dL/dH2"] == ["w41·δ_o", "0.500·(-0.646)", f"{0.5 * (y - 1):.3f}"]
    # gradients in backpropagation order, output layer first, as the sheet works them
    order = [line.split()[0] for line in out.splitlines() if "×" in line and line.split()[0] in ("w31", "w41", "w51", "β4", "w11")]
    assert order == ["w31", "w41", "w51", "β4", "w11"]


def test_deep_net_hidden_deltas_are_sums_with_numbers() -> None:
    # 2-3-2-1: dL/dH1 = w31·δ_H4 + w32·δ_H5, each δ of the layer above shown with its number
    problem = DEEP
    r = CliRunner().invoke(main, ["run", "-", "--format", "json"], input=json.dumps(problem))
    data = json.loads(r.output)["samples"][0]
    text = CliRunner().invoke(main, ["run", "-", "--format", "plain"], input=json.dumps(problem)).output
    d4, d5 = data["deltas"]["alpha_H4"], data["deltas"]["alpha_H5"]
    # δ_H4, δ_H5 are the 110-digit reference's dL/dβ4, dL/dβ5 (no relu sits at its kink here)
    from tests import reference as R

    ref = R.train(json.loads(json.dumps(DEEP)))["samples"][0]["gradients"]
    assert R.is_close(d4, ref["b4"]) and R.is_close(d5, ref["b5"])
    line = next(ln for ln in text.splitlines() if ln.startswith("dL/dH1 "))
    # the sum by hand from the two deltas above and the weights, 0.2·δ_H4 + 0.6·δ_H5
    assert "w31·δ_H4 + w32·δ_H5" in line
    assert f"0.200·({d4:.3f}) + 0.600·({d5:.3f})" in line
    assert line.rstrip().endswith(f"{0.2 * d4 + 0.6 * d5:.3f}")


# --- file text in every medium (issue 14 item 3) -------------------------------------------------

def _problem_with_title(tmp_path: Path, title: str) -> str:
    data = json.loads(Path(Q3).read_text())
    data["title"] = title
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return str(p)


def test_terminal_title_escaped_and_no_markup(tmp_path: Path) -> None:
    p = _problem_with_title(tmp_path, "x\x1b]0;owned\x07 [bold red]loud[/] \u202eevil\nforged line")
    for fmt in ("plain", "rich"):
        out = cli("run", p, "--format", fmt, "--show", "forward", "--sample", "1")
        first = out.splitlines()[0]
        assert "\x1b]" not in out and "\u202e" not in out and "\x07" not in out
        assert "\\x1b]0;owned\\x07 [bold red]loud[/] \\u202eevil\\nforged line" in first
        assert not any(line.startswith("forged line") for line in out.splitlines())


def test_markdown_title_cannot_open_a_fence_html_or_link(tmp_path: Path) -> None:
    p = _problem_with_title(tmp_path, "a\n~~~\n```\n<script>x</script> [link](http://e.x) https://e.x www.e.x &amp;")
    md = cli("run", p, "--format", "markdown", "--sample", "1", "--show", "forward")
    title = md.splitlines()[0]
    assert title.startswith("# ") and "\n~~~" not in md and "\n```" not in md
    for escaped in ("\\<script\\>", "\\[link\\](", "https\\://", "www\\.e", "\\&amp;", "\\~\\~\\~", "\\`\\`\\`"):
        assert escaped in title, escaped
    assert md.count("\n| $\\alpha_{H_{1}}$") == 1  # the table after it is still a table


def test_csv_text_cells_never_start_a_formula() -> None:
    from bpcalc.render.csv import _write

    text = _write([(1, 1, "=HYPERLINK(1)", "+x", "-1.5"), (1, 1, "@sum", "\tx", "-cmd")])
    got = list(csv.reader(io.StringIO(text)))[1:]
    assert got == [["1", "1", "'=HYPERLINK(1)", "'+x", "-1.5"], ["1", "1", "'@sum", "'\tx", "'-cmd"]]


@needs_pdflatex
def test_latex_compiles_a_greek_accented_special_title(tmp_path: Path) -> None:
    title = "Übung 3: σ-Netz, β₄ & α_H1 — 100% café #1 {x} ~ ^ \\input{/etc/passwd} $x$ Ωμέγα"
    p = _problem_with_title(tmp_path, title)
    tex = cli("run", p, "--format", "latex", "--sample", "1")
    assert "\\input{/etc" not in tex
    compile_tex(tex, tmp_path)  # fails on any LaTeX error; shell escape off, as a TA compiles a shared file
    assert "\\section*{\\\"{U}bung 3: $\\sigma$-Netz" in tex


def test_no_negative_zero_anywhere(tmp_path: Path) -> None:
    # a frozen negative weight takes a step of 0·(−0.1) = −0.0 in doubles
    data = json.loads(Path(Q3).read_text())
    data["frozen"] = ["w11"]
    data["parameters"]["b1"] = -0.0
    p = tmp_path / "z.json"
    p.write_text(json.dumps(data))
    for fmt in ("json", "csv", "plain", "markdown", "latex"):
        out = cli("run", str(p), "--format", fmt)
        assert "-0.0," not in out and "-0.0\n" not in out and ",-0\n" not in out and " -0 " not in out, fmt
        assert "-0.000" not in out, fmt


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_derive_values_of_a_deep_net_never_cut(width: int, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io as _io

    from rich.console import Console

    from bpcalc.derive import derivation_for
    from bpcalc.render.derive import render_derivation

    p = tmp_path / "deep.json"
    p.write_text(json.dumps({**DEEP, "samples": [{"f1": 1, "f2": 2, "t": 1}, {"f1": 0.5, "f2": -1, "t": 0}]}))
    out = _io.StringIO()
    Console(file=out, width=width, color_system=None).print(render_derivation(derivation_for("w11", str(p)), plain=fmt == "plain"))
    text = out.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_given_numbers_as_written_whatever_the_precision() -> None:
    # the sheet's "Substitute values": w41 = 0.5, w21 = 0.05, η = 0.1, as q3.json writes them
    out = cli("run", Q3, "--format", "plain", "--precision", "0", "--sample", "1", "--show", "forward")
    given = out.split("Sample 1:", 1)[0]
    assert "Given: η = 0.1" in given
    lines = given.splitlines()
    names = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["w31", "w41"])
    assert lines[names + 2].split() == ["1", "0.5", "0.1", "0"]
    assert lines[names - 1].split()[:2] == ["-0.1", "0.05"]
    md = cli("run", Q3, "--format", "markdown", "--precision", "0", "--sample", "1")
    assert "$\\eta = 0.1$" in md and "| -0.1 | 0.05 | 0 |" in md


def test_one_registry_behind_run_and_derive() -> None:
    from bpcalc.cli import DERIVE_FORMATS, RUN_FORMATS
    from bpcalc.render.formats import FORMATS

    assert set(FORMATS) == set(RUN_FORMATS) - {"auto"}
    assert set(DERIVE_FORMATS) - {"auto"} == {n for n, f in FORMATS.items() if f.derive is not None}
    for name, f in FORMATS.items():
        assert callable(f.run_printer()), name
        if f.derive is not None:
            assert callable(f.derive_printer()), name
    assert FORMATS["moodle"].derive is None  # a quiz is for run only


@needs_pdflatex
def test_latex_title_reads_and_writes_no_file_with_shell_escape_on(tmp_path: Path) -> None:
    import shutil
    import subprocess

    title = "\\immediate\\write18{touch pwned} \\input{/etc/hostname} \\openout5=x.tex ^^5cinput"
    tex = cli("run", _problem_with_title(tmp_path, title), "--format", "latex", "--sample", "1", "--show", "forward")
    assert shutil.which("pdflatex")
    (tmp_path / "key.tex").write_text(tex, encoding="utf-8")
    out = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-shell-escape", "-recorder", "key.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:]
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "x.tex").exists()
    recorded = (tmp_path / "key.fls").read_text()
    assert "/etc/hostname" not in recorded
    written = {ln.split(" ", 1)[1] for ln in recorded.splitlines() if ln.startswith("OUTPUT ")}
    assert {Path(w).name for w in written} <= {"key.aux", "key.log", "key.pdf", "key.fls"}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "samples").glob("*.json") if p.name != "q3-sheet-answers.json"))
def test_csv_rows_speak_the_checkers_names(name: str) -> None:
    # `run --format csv | check P -` needs check's CSV reader to take the section column; until it
    # does, the checkable rows (forward values, dL/d<parameter>, parameters after) with that column
    # dropped are marked all right for every sample problem: their names are the checker's
    path = str(ROOT / "samples" / name)
    table = list(csv.reader(io.StringIO(cli("run", path, "--format", "csv"))))[1:]
    params = set(json.loads(Path(path).read_text())["parameters"])
    keep = [(e, s, n, v) for e, s, sec, n, v in table if sec in ("forward", "parameter") or (sec == "gradient" and n.startswith("dL/d") and n[4:] in params)]
    assert len(keep) > len(params)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([("epoch", "sample", "name", "value"), *keep])
    r = CliRunner().invoke(main, ["check", path, "-"], input=buf.getvalue())
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_run_of_a_deep_net_fits_and_never_cuts(width: int, fmt: str) -> None:
    import io as _io

    from rich.console import Console

    from bpcalc.evaluate import train
    from bpcalc.problem import build_problem
    from bpcalc.render.formats import FORMATS
    from bpcalc.worksheet import View

    data = DEEP
    run = train(build_problem(data, "deep"))
    out = _io.StringIO()
    Console(file=out, width=width, color_system=None).print(FORMATS[fmt].run_printer()(run, View(), None))
    lines = out.getvalue().splitlines()
    assert "…" not in out.getvalue()
    assert max(len(line) for line in lines) <= width
    assert all(line == line.rstrip() for line in lines) or fmt == "rich"


def test_json_title_keeps_its_value_but_cannot_act_on_a_terminal(tmp_path: Path) -> None:
    title = "a\u202eb\x9bc\x1b[2Jd\u2028e"
    out = cli("run", _problem_with_title(tmp_path, title), "--format", "json", "--sample", "1", "--show", "forward")
    assert json.loads(out)["title"] == title
    assert not any(ch in out for ch in "\u202e\x9b\x1b\u2028")
    assert '"title": "a\\u202eb\\u009bc\\u001b[2Jd\\u2028e"' in out


def test_q3_backward_pass_against_the_independent_reference() -> None:
    # δ of a unit is dL/d(its bias), since d(pre-activation)/d(bias) = 1: the 110-digit reference's
    # finite-difference bias gradients give every δ; dH/dα = 1 − H² and dL/dH = δ/(1 − H²) from its forward pass
    from tests import reference as R

    ref = R.train(R.load_problem(Q3))["samples"]
    out = cli("run", Q3, "--format", "plain", "--show", "gradients")
    assert len(out.split("\nSample ")) == 3
    for body, s in zip(out.split("\nSample ")[1:], ref):
        r = rows(body.split("Gradients (chain rule)")[0])
        g, f = s["gradients"], s["forward"]
        R.assert_printed(g["b4"], r["δ_o"][-1], "δ_o")
        for k in (1, 2, 3):
            slope = 1 - f[f"H{k}"] ** 2
            R.assert_printed(g[f"b{k}"], r[f"δ_H{k}"][-1], f"δ_H{k}")
            R.assert_printed(slope, r[f"dH{k}/dα_H{k}"][-1], f"dH{k}/dα_H{k}")
            R.assert_printed(g[f"b{k}"] / slope, r[f"dL/dH{k}"][-1], f"dL/dH{k}")


def test_deltas_of_two_hidden_layers_and_softmax_against_the_reference(tmp_path: Path) -> None:
    # every δ is the reference's dL/d(bias) of its unit, per sample (batch mode: before the mean). Epoch 1
    # only: sample 2 puts relu H2 at its kink (α_H2 = 0), where bpcalc takes relu'(0) = 0 and the
    # reference's central difference 1/2, so the two runs' parameters part after the first update
    from tests import reference as R
    from tests.test_render_golden import SOFTMAX_BATCH

    p = tmp_path / "softmax_batch.json"
    p.write_text(json.dumps(SOFTMAX_BATCH))
    ref = R.train(R.load_problem(p))["samples"]
    out = cli("run", str(p), "--format", "plain", "--show", "gradients")
    bodies = out.split("\nEpoch ")[1:]
    assert len(bodies) == len(ref) == 4
    units = {"δ_H1": "b1", "δ_H2": "b2", "δ_H3": "b3", "δ_H4": "b4", "δ_o1": "b5", "δ_o2": "b6"}
    for body, s in zip(bodies[:2], ref[:2]):
        r = rows(body.split("Gradients (chain rule)")[0])
        for delta, b in units.items():
            if delta in ("δ_H1", "δ_H2") and s["forward"][f"alpha_H{delta[-1]}"] == 0:
                # relu at its kink: bpcalc takes relu'(0) = 0; a central difference averages the two sides
                assert r[delta][-1] == "0.000" and r[f"dH{delta[-1]}/dα_H{delta[-1]}"][-1] == "0.000"
                continue
            R.assert_printed(s["gradients"][b], r[delta][-1], delta)


@pytest.mark.parametrize("fmt", ["plain", "json", "csv", "latex", "markdown"])
def test_run_answer_keys_import_no_sympy(fmt: str) -> None:
    # the worksheet's formulas are its own trees: only exact arithmetic and derive need SymPy
    from tests.probes import modules_after

    assert "sympy" not in modules_after(["run", "samples/q3.json", "--format", fmt])


def test_a_notation_is_one_object_on_the_view() -> None:
    # the seam for textbook notations: spell biases θ and pre-activations z; keys stay the file's
    import io as _io

    from rich.console import Console

    from bpcalc import names as N
    from bpcalc.evaluate import train
    from bpcalc.names import SheetNotation
    from bpcalc.problem import load_problem
    from bpcalc.render.latex import run_latex
    from bpcalc.render.text import run_plain
    from bpcalc.worksheet import View

    class Theta(SheetNotation):
        def text(self, n: N.Name) -> str:
            if n.kind == "bias":
                return f"θ{n.index[0]}"
            if n.kind == "pre" and n.unit.kind == "hidden":
                return f"z{n.unit.index[0]}"
            if n.kind == "factor":
                return f"d{self.text(n.parts[0])}/d{self.text(n.parts[1])}"
            return super().text(n)

        def latex(self, n: N.Name) -> str:
            return f"\\theta_{{{n.index[0]}}}" if n.kind == "bias" else super().latex(n)

    run = train(load_problem(Q3))
    out = _io.StringIO()
    Console(file=out, width=100, color_system=None).print(run_plain(run, View(sample=1, notation=Theta())))
    text = out.getvalue()
    assert "z1         f1·w11 + f2·w21 + θ1" in text and "dH1/dz1" in text and "β" not in text and "α" not in text
    assert "\\theta_{4}" in run_latex(run, View(sample=1, notation=Theta())) and "\\beta" not in run_latex(run, View(sample=1, notation=Theta()))
