"""The command line: version, help, formats, stdin, escape codes, and which imports each path pays for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bpcalc import __version__
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")


def test_version() -> None:
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0
    assert r.output == f"bpcalc, version {__version__}\n"


def test_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "bpcalc", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout == f"bpcalc, version {__version__}\n"


from probes import modules_after as _modules_after


def test_help_does_not_import_sympy_or_rich() -> None:
    mods = _modules_after(["--help"])
    assert "sympy" not in mods and "rich" not in mods


def test_plain_run_does_not_import_sympy() -> None:
    mods = _modules_after(["run", Q3, "--format", "json"])
    assert "sympy" not in mods
    mods = _modules_after(["run", Q3, "--format", "plain"])
    assert "sympy" not in mods


def test_help_lists_commands() -> None:
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    assert "run" in r.output and "derive" in r.output


def test_piped_output_is_plain_and_rich_is_styled() -> None:
    plain = CliRunner().invoke(main, ["run", Q3])
    assert plain.exit_code == 0 and "\x1b[" not in plain.output
    assert "Sample 1: f1 = 100, f2 = 20, t = 1" in plain.output
    styled = CliRunner().invoke(main, ["run", Q3, "--format", "rich"], env={"NO_COLOR": ""})
    assert styled.exit_code == 0 and "\x1b[" in styled.output
    no_color = CliRunner().invoke(main, ["run", Q3, "--format", "rich"], env={"NO_COLOR": "1"})
    assert no_color.exit_code == 0 and "\x1b[" not in no_color.output


def test_stdin_gives_the_same_as_the_file() -> None:
    text = Path(Q3).read_text()
    from_file = CliRunner().invoke(main, ["run", Q3, "--format", "json"])
    from_stdin = CliRunner().invoke(main, ["run", "-", "--format", "json"], input=text)
    assert from_stdin.exit_code == 0
    assert json.loads(from_stdin.output)["samples"] == json.loads(from_file.output)["samples"]


def test_output_is_deterministic() -> None:
    for args in (["run", Q3], ["run", Q3, "--format", "json"], ["derive", "-p", "w11", "--problem", Q3]):
        a = CliRunner().invoke(main, args).output
        b = CliRunner().invoke(main, args).output
        assert a == b


def test_json_contract_keys() -> None:
    data = json.loads(CliRunner().invoke(main, ["run", Q3, "--format", "json"]).output)
    assert set(data) >= {"samples", "parameters_final"}
    s = data["samples"][0]
    assert set(s) >= {"epoch", "sample", "inputs", "targets", "forward", "loss", "gradients", "parameters_before", "parameters_after"}
    assert s["inputs"] == {"f1": 100, "f2": 20} and s["targets"] == {"t": 1}
    assert list(s["forward"]) == ["alpha_H1", "alpha_H2", "alpha_H3", "H1", "H2", "H3", "o", "y"]
    names = ["w11", "w21", "b1", "w12", "w22", "b2", "w13", "w23", "b3", "w31", "w41", "w51", "b4"]
    assert list(s["gradients"]) == names and list(data["parameters_final"]) == names
    assert data["samples"][1]["parameters_before"] == s["parameters_after"]


def test_precision_is_display_only() -> None:
    r = CliRunner().invoke(main, ["run", Q3, "--precision", "6"])
    assert "0.354344" in r.output  # y = 1/(1 + e^0.6000000820752) = 0.3543436750 (hand, to 10 digits)
    # dL/dw13 = (y - t)·w51·(1 - tanh²(-17))·f1 = -4.42638e-14 (mpmath, 40 digits): still visible
    assert "-4.42638e-14" in r.output
    r3 = CliRunner().invoke(main, ["run", Q3])
    assert "0.354" in r3.output and "-3.93e-06" in r3.output and "-0.000 " not in r3.output


def test_derive_accepts_greek_and_reports_unknown() -> None:
    a = CliRunner().invoke(main, ["derive", "--param", "β4", "--format", "json"])
    b = CliRunner().invoke(main, ["derive", "--param", "b4", "--format", "json"])
    assert a.exit_code == 0 and a.output == b.output
    assert json.loads(a.output)["param"] == "b4"


def test_no_traceback_on_keyboard_input_errors(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", "--precision", "x", Q3])
    assert r.exit_code == 2 and "Traceback" not in r.output
