"""The output edge: width (terminal, COLUMNS, --width), colour (NO_COLOR, FORCE_COLOR), encodings, -o FILE, help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from bpcalc.output import PIPE_WIDTH, ascii_text, json_safe, strip_trailing

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
ANSWERS = str(ROOT / "samples" / "q3-sheet-answers.json")
SOFTMAX = str(ROOT / "samples" / "postnetwork_softmax_ce.json")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

COMMANDS = {
    "run": ["run", Q3],
    "run-exact": ["run", Q3, "--exact"],
    "run-softmax": ["run", SOFTMAX],
    "derive": ["derive", "-p", "w11", "--problem", Q3],
    "check": ["check", Q3, ANSWERS],
}
CODES = {"run": 0, "run-exact": 0, "run-softmax": 0, "derive": 0, "check": 1}
BASE_ENV = {"COLUMNS": None, "NO_COLOR": None, "FORCE_COLOR": None}


def invoke(args: list[str], **env: str | None) -> object:
    return CliRunner().invoke(main, args, env={**BASE_ENV, **env})


def widths(text: str) -> list[int]:
    return [len(ANSI.sub("", line)) for line in text.splitlines()]


def no_trailing_spaces(text: str) -> None:
    for line in text.splitlines():
        bare = ANSI.sub("", line)
        assert bare == bare.rstrip(), repr(line)


# --- width ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("fmt", ["plain", "rich"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_line_fits_the_width_given(name: str, fmt: str, width: int) -> None:
    r = invoke(COMMANDS[name] + ["--format", fmt, "--width", str(width)])
    assert r.exit_code == CODES[name], r.output
    assert max(widths(r.stdout)) <= width
    no_trailing_spaces(r.stdout)
    assert ("\x1b[" in r.stdout) == (fmt == "rich")


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_piped_plain_text_follows_columns(columns: str) -> None:
    r = invoke(["run", Q3], COLUMNS=columns)
    assert r.exit_code == 0
    assert max(widths(r.stdout)) == int(columns)  # the forward table is wider than any of these: it fills them
    no_trailing_spaces(r.stdout)


def test_piped_without_columns_is_the_documented_width() -> None:
    r = invoke(["run", Q3])
    assert max(widths(r.stdout)) == PIPE_WIDTH == 100
    assert "\x1b[" not in r.stdout


def test_width_option_beats_columns() -> None:
    r = invoke(["run", Q3, "--width", "70"], COLUMNS="120")
    assert max(widths(r.stdout)) == 70


def test_width_out_of_range_is_one_line() -> None:
    r = invoke(["run", Q3, "--width", "5"])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "--width" in r.stderr


# --- colour -----------------------------------------------------------------------------------------


def test_force_color_gives_rich_output_when_piped() -> None:
    r = invoke(["run", Q3], FORCE_COLOR="1")
    assert r.exit_code == 0 and "\x1b[" in r.stdout and "╭" in r.stdout
    no_trailing_spaces(r.stdout)


@pytest.mark.parametrize("force", [None, "1"])
def test_no_color_gives_plain(force: str | None) -> None:
    r = invoke(["run", Q3], NO_COLOR="1", FORCE_COLOR=force)
    assert r.exit_code == 0 and "\x1b[" not in r.stdout and "╭" not in r.stdout


def test_force_color_zero_or_empty_forces_nothing() -> None:
    for value in ("0", ""):
        assert "\x1b[" not in invoke(["run", Q3], FORCE_COLOR=value).stdout


def test_file_text_is_data_in_tables(tmp_path: Path) -> None:
    # rich markup in a title is shown as written, and control characters arrive escaped
    data = json.loads(Path(Q3).read_text())
    data["title"] = "[bold red]Q3[/] \x1b]0;owned\x07 \u202eevil"
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data))
    for fmt in ("plain", "rich"):
        out = invoke(["run", str(p), "--format", fmt]).stdout
        assert "[bold red]Q3[/]" in out
        assert "\x07" not in out and "\u202e" not in out and "\x1b]" not in out
        assert "\\x1b]0;owned" in out and "\\u202eevil" in out  # (rich itself drops the bell)


# --- a real terminal --------------------------------------------------------------------------------


def on_terminal(args: list[str], columns: int, **env: str) -> str:
    """Run bpcalc on a pseudo-terminal of ``columns`` columns, COLUMNS unset; what the terminal received."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    full.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8", **env)
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", *args], stdout=slave, stderr=slave, stdin=slave, cwd=ROOT, env=full)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("columns", [60, 80, 120])
def test_on_a_terminal_tables_are_rich_and_fit_it(columns: int) -> None:
    out = on_terminal(["run", "samples/q3.json"], columns)
    assert "\x1b[" in out and "Traceback" not in out
    assert max(widths(out)) == columns
    no_trailing_spaces(out)
    plain = on_terminal(["run", "samples/q3.json"], columns, NO_COLOR="1")
    assert "\x1b[" not in plain and max(widths(plain)) == columns  # the issue: NO_COLOR printed 120 columns at 80
    no_trailing_spaces(plain)


# --- encodings --------------------------------------------------------------------------------------


def piped(args: list[str], encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PYTHONIOENCODING=encoding, COLUMNS="100")
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, cwd=ROOT, env=env, timeout=120)


ENCODED = [
    ["run", "samples/q3.json"],
    ["run", "samples/q3.json", "--format", "rich"],
    ["run", "samples/q3.json", "--format", "markdown"],
    ["run", "samples/q3.json", "--format", "latex"],
    ["run", "samples/q3.json", "--format", "csv"],
    ["derive", "-p", "β4", "--problem", "samples/q3.json"],
    ["derive", "-p", "w11", "--format", "markdown"],
    ["check", "samples/q3.json", "samples/q3-sheet-answers.json"],
    ["derive", "--help"],
]


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("args", ENCODED, ids=[" ".join(a[:3]) for a in ENCODED])
def test_a_limited_encoding_gets_ascii_names(args: list[str], encoding: str) -> None:
    out = piped(args, encoding)
    assert b"Traceback" not in out.stderr and out.returncode == (1 if args[0] == "check" else 0), out.stderr
    if "--help" in args:  # click writes its help itself (as UTF-8 where the encoding is ASCII)
        assert b"--param" in out.stdout
        return
    text = out.stdout.decode("ascii")  # ASCII even where cp1252 has a few more characters
    if not {"latex", "markdown"} & set(args):  # (those write names in LaTeX: \\alpha_{H_{1}})
        assert "alpha_H1" in text or "b4" in text


def test_ascii_plain_table_is_aligned() -> None:
    text = piped(["run", "samples/q3.json", "--show", "forward", "--sample", "1"], "ascii").stdout.decode("ascii")
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith(("quantity ", "alpha_H", "H1 ", "H2 ", "H3 ", "o ", "y ", "L "))]
    assert any(line.startswith("alpha_H1   f1*w11 + f2*w21 + b1 ") for line in rows), text
    starts = {line.index("f1*w1") if "f1*w1" in line else line.index("tanh(alpha") for line in rows if "f1*w1" in line or "tanh(alpha" in line}
    assert len(starts) == 1  # the formula column starts at one place in every row: the ASCII names were laid out


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_json_in_a_limited_encoding_is_the_same_json(encoding: str, tmp_path: Path) -> None:
    data = json.loads(Path(Q3).read_text())
    data["title"] = "Q3 — βeta ✓ \u202e"
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    limited = piped(["run", str(p), "--format", "json"], encoding)
    full = piped(["run", str(p), "--format", "json"], "utf-8")
    assert limited.returncode == 0, limited.stderr
    assert json.loads(limited.stdout.decode("ascii")) == json.loads(full.stdout.decode("utf-8"))
    assert json.loads(full.stdout)["title"] == data["title"]
    assert "\u202e".encode() not in full.stdout  # shown as \u202e, the data unchanged


def test_errors_in_a_limited_encoding() -> None:
    out = piped(["derive", "-p", "ω99"], "ascii")
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.count(b"\n") == 1 and b"Traceback" not in out.stderr


def test_broken_pipe_is_quiet() -> None:
    env = {**os.environ, "COLUMNS": "100"}
    cmd = f"{sys.executable} -m bpcalc run samples/q3.json --exact | head -1"
    out = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.stdout.startswith("Q3") and out.stderr == ""


def test_ascii_text() -> None:
    assert ascii_text("β4 = 0.065, α_H1 · w11, H1² − 1, σ(o), δ_H4, η × g ✓") == (
        "b4 = 0.065, alpha_H1 * w11, H1^2 - 1, sigma(o), delta_H4, eta x g ok"
    )
    assert ascii_text("(1 + e^(-2·α_H1))⁻¹ café ω31") == "(1 + e^(-2*alpha_H1))^-1 cafe w31"


def test_json_safe_and_strip_trailing() -> None:
    assert json_safe('{"t": "a\u202eb\x9bc"}') == '{"t": "a\\u202eb\\u009bc"}'
    assert json_safe('{"t": "é😀"}', ascii_only=True) == '{"t": "\\u00e9\\ud83d\\ude00"}'
    assert strip_trailing("a  \n b \x1b[1m  \x1b[0m\n") == "a\n b\x1b[1m\x1b[0m\n"


# --- -o FILE ----------------------------------------------------------------------------------------

EVERY = [
    ["run", Q3, "--format", fmt] for fmt in ("plain", "rich", "json", "latex", "markdown", "csv")
] + [
    ["derive", "-p", "w11", "--problem", Q3, "--format", fmt] for fmt in ("plain", "rich", "json", "latex", "markdown", "csv")
] + [["check", Q3, ANSWERS, "--format", fmt] for fmt in ("plain", "rich", "json")]


@pytest.mark.parametrize("args", EVERY, ids=[f"{a[0]}-{a[-1]}" for a in EVERY])
def test_output_option_writes_what_stdout_would(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    to_stdout = invoke(args)
    to_file = invoke([*args, "-o", str(out)])
    assert to_file.exit_code == to_stdout.exit_code == (1 if args[0] == "check" else 0)
    assert to_file.stdout == "" and to_file.stderr == ""
    assert out.read_text(encoding="utf-8") == to_stdout.stdout


def test_output_to_a_file_is_plain_by_default_and_100_wide(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert invoke(["run", Q3, "--output", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "\x1b[" not in text and max(widths(text)) == 100


def test_output_dash_is_stdout() -> None:
    r = invoke(["run", Q3, "--format", "json", "-o", "-"])
    assert json.loads(r.stdout)["samples"]


def test_output_errors_are_one_line_and_leave_no_file(tmp_path: Path) -> None:
    r = invoke(["run", Q3, "-o", str(tmp_path)])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "cannot write" in r.stderr
    missing = tmp_path / "no" / "such" / "dir.txt"
    assert invoke(["run", Q3, "-o", str(missing)]).exit_code == 2
    out = tmp_path / "out.txt"
    bad = invoke(["run", str(tmp_path / "nope.json"), "-o", str(out)])
    assert bad.exit_code == 2 and not out.exists()


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    text = Path(Q3).read_text()
    p.write_text(text)
    r = invoke(["run", str(p), "-o", str(p)])
    assert r.exit_code == 2 and "input file" in r.stderr and r.stderr.count("\n") == 1
    assert p.read_text() == text


# --- help and completion ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "derive", "check"])
def test_every_command_has_examples_and_the_output_options(command: str) -> None:
    r = invoke([command, "--help"])
    assert r.exit_code == 0
    assert "Examples:" in r.output and f"bpcalc {command} " in r.output.split("Examples:")[1]
    assert "-o, --output FILE" in r.output and "--width N" in r.output


def test_top_level_help_names_every_command() -> None:
    out = invoke(["--help"]).output
    for command in ("bpcalc run ", "bpcalc derive ", "bpcalc check "):
        assert command in out
    assert "  check     Mark a worked sheet" in out


@pytest.mark.parametrize(
    "words,cword",
    [("bpcalc run ", 2), ("bpcalc check samples/q3.json ", 3), ("bpcalc derive --problem ", 3), ("bpcalc run x -o ", 4)],
)
def test_file_arguments_complete_as_paths(words: str, cword: int) -> None:
    env = {"_BPCALC_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    r = CliRunner().invoke(main, [], env=env, prog_name="bpcalc")
    assert r.output.strip().splitlines() == ["file,"], r.output


def test_no_raw_control_character_in_any_document(tmp_path: Path) -> None:
    # the output edge shows what a renderer let through as a code: Markdown once passed a title's ESC raw
    data = json.loads(Path(Q3).read_text())
    data["title"] = "T \x1b[2J \u202e x"
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data))
    for fmt in ("markdown", "latex", "csv", "json", "plain"):
        out = invoke(["run", str(p), "--format", fmt]).stdout
        assert "\x1b" not in out and "\u202e" not in out, fmt
    # shown as codes, their backslashes escaped so Markdown displays them as written: T \x1b[2J \u202e x
    assert invoke(["run", str(p), "--format", "markdown"]).stdout.startswith("# T \\\\x1b\\[2J \\\\u202e x\n")
