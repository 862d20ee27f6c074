"""`bpcalc data`, `train` and `tune` through the CLI: the three sample verdicts, tune's choice, output, bad input."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import main
from probes import modules_after

ROOT = Path(__file__).resolve().parent.parent
T = ROOT / "samples" / "training"
UNDERFIT = [str(T / "circles_underfit.json"), "--data", str(T / "circles.csv")]
GOOD = [str(T / "circles_good_fit.json"), "--data", str(T / "circles.csv")]
OVERFIT = [str(T / "moons_overfit.json"), "--data", str(T / "moons_30.csv"), "--validation-data", str(T / "moons_validation.csv")]


def invoke(args: list[str], **kw: Any) -> Any:
    return CliRunner().invoke(main, args, **kw)


def ok_json(args: list[str]) -> dict:
    r = invoke([*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict]:
    return {name: ok_json(["train", *args]) for name, args in (("under", UNDERFIT), ("good", GOOD), ("over", OVERFIT))}


def test_the_three_samples_give_their_verdicts(verdicts: dict[str, dict]) -> None:
    assert verdicts["under"]["verdict"]["verdict"] == "underfitting"
    assert verdicts["good"]["verdict"]["verdict"] == "a good fit"
    assert verdicts["over"]["verdict"]["verdict"] == "overfitting"


def test_the_verdicts_follow_the_documented_rule(verdicts: dict[str, dict]) -> None:
    """The README's rule, applied to the JSON's own curves: B = the mean-target loss, shares 0.5, 0.2 and 0.05."""
    for out in verdicts.values():
        b = out["baseline"]["training"]
        train = [e["training_loss"] for e in out["epochs_trained"]]
        val = [e["validation_loss"] for e in out["epochs_trained"]]
        best = min(range(len(val)), key=lambda e: val[e])
        high = train[-1] >= 0.5 * b
        over = not high and val[-1] - train[-1] >= 0.2 * b and val[-1] - val[best] >= 0.05 * b
        want = "underfitting" if high else "overfitting" if over else "a good fit"
        assert out["verdict"]["verdict"] == want
        assert out["verdict"]["best_epoch"] == best
    # balanced 0/1 classes: always predicting the mean 0.5 costs ln 2 per sample
    assert verdicts["under"]["baseline"]["training"] == pytest.approx(math.log(2), rel=1e-3)
    assert verdicts["over"]["verdict"]["best_epoch"] < verdicts["over"]["epochs"] / 2


def test_json_has_every_epoch(verdicts: dict[str, dict]) -> None:
    out = verdicts["good"]
    assert out["epochs"] == 1000 and len(out["epochs_trained"]) == 1001
    assert [e["epoch"] for e in out["epochs_trained"]] == list(range(1001))
    assert out["training_samples"] == 150 and out["validation_samples"] == 50
    assert set(out["epochs_trained"][0]) == {"epoch", "training_loss", "validation_loss", "training_accuracy", "validation_accuracy"}
    assert out["data"] == {"training": str(T / "circles.csv"), "validation_fraction": 0.25, "seed": 0, "problem": GOOD[0]}


def test_epoch_zero_is_the_problems_own_loss(tmp_path: Path) -> None:
    """Before any update the training loss is the mean of each sample's loss at the problem's parameters (110-digit reference)."""
    import reference

    data = tmp_path / "d.csv"
    rows = [(0.5, -1.0, 1), (2.0, 0.25, 0), (-1.5, 1.0, 1), (0.0, 0.0, 0), (1.0, 1.0, 1)]
    data.write_text("f2,t,f1\n" + "".join(f"{b},{t},{a}\n" for a, b, t in rows))
    problem = json.loads((ROOT / "samples" / "q3.json").read_text())
    out = ok_json(["train", str(ROOT / "samples" / "q3.json"), "--data", str(data), "--validation", "0.4", "--epochs", "1"])
    net = reference.Network(problem)
    params = reference.initial_parameters(problem, net)
    losses = {i: net.loss_at(params, [reference.to_mpf(a), reference.to_mpf(b)], [reference.to_mpf(t)]) for i, (a, b, t) in enumerate(rows)}
    got = out["epochs_trained"][0]["training_loss"] + out["epochs_trained"][0]["validation_loss"]
    # the split is 3 + 2 samples; whichever they are, the two means weigh their samples by 1/3 and 1/2
    candidates = []
    import itertools

    for held in itertools.combinations(range(5), 2):
        rest = [i for i in range(5) if i not in held]
        candidates.append(float(sum(losses[i] for i in rest) / 3 + sum(losses[i] for i in held) / 2))
    assert any(c == pytest.approx(got, rel=1e-12) for c in candidates)


def test_text_output_fits_the_width_and_shows_table_chart_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    for width in (50, 80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        r = invoke(["train", *OVERFIT, "--format", "plain"])
        assert r.exit_code == 0, r.output
        lines = r.stdout.splitlines()
        assert max(len(line) for line in lines) <= width
        assert "\x1b[" not in r.stdout and "…" not in r.stdout
        assert any(line.split()[:1] == ["3,000"] for line in lines)  # the last epoch's row
        assert "◀ the lowest validation loss" in r.stdout and "•• training loss   xx validation loss" in r.stdout
        assert lines[-1].strip() and "Verdict: overfitting." in r.stdout and "the best epoch is" in r.stdout
    assert r.stderr == ""  # no progress bar off a terminal


def test_every_and_no_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    r = invoke(["train", *GOOD, "--format", "plain", "--every", "250", "--no-chart"])
    assert r.exit_code == 0, r.output
    epochs = [line.split()[0] for line in r.stdout.splitlines() if re.match(r"\s*[\d,]+\s", line)]
    assert epochs[1:] == ["0", "250", "500", "750", "1,000"]  # after the "150 training samples" line
    assert "loss per epoch" not in r.stdout


def test_rich_output_has_a_colored_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    r = invoke(["train", *UNDERFIT, "--format", "rich"])
    assert r.exit_code == 0, r.output
    assert "\x1b[94m" in r.stdout and "\x1b[92m" in r.stdout  # the two curves: bright blue, bright green
    assert "Verdict: underfitting" in r.stdout


def test_tune_on_moons_picks_by_validation_loss() -> None:
    out = ok_json(["tune", *OVERFIT, "--grid", "learning_rate=0.1,1", "--grid", "hidden=2,8,64", "--epochs", "1000"])
    combos = out["combinations"]
    assert len(combos) == 6 and [c["combination"] for c in combos][:2] == [{"learning_rate": 0.1, "hidden": 2}, {"learning_rate": 0.1, "hidden": 8}]
    val = [c["validation_loss"] for c in combos]
    train = [c["training_loss"] for c in combos]
    chosen = out["chosen"] - 1
    assert val[chosen] == min(val)
    assert out["chosen_by_training_loss"] - 1 == train.index(min(train))
    # a combination with lower training loss but higher validation loss, not picked
    assert any(train[i] < train[chosen] and val[i] > val[chosen] for i in range(6))
    assert out["same_choice"] is False and out["corners"] == [1, 6]
    assert [c["network"]["layers"] for c in combos][:3] == [[2, 2, 1], [2, 8, 1], [2, 64, 1]]


def test_tune_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    r = invoke(["tune", *OVERFIT, "--grid", "hidden=2,64", "--grid", "weight_decay=0,0.01", "--epochs", "300", "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "Chosen by validation loss: #" in r.stdout and "Picking on training loss would have chosen" in r.stdout
    assert "First corner of the grid, #1 (hidden 2, weight_decay 0)" in r.stdout or "Chosen, #1" in r.stdout


def test_tune_epochs_and_learning_rate_grid() -> None:
    out = ok_json(["tune", *UNDERFIT, "--grid", "epochs=5,50", "--grid", "learning_rate=0.1,0.5"])
    assert [(c["epochs"], c["learning_rate"]) for c in out["combinations"]] == [(5, 0.1), (5, 0.5), (50, 0.1), (50, 0.5)]
    assert all(c["network"]["layers"] == [2, 1, 1] for c in out["combinations"])  # no hidden key: the problem's own net and start
    first = ok_json(["train", *UNDERFIT, "--epochs", "5"])
    assert out["combinations"][1]["training_loss"] == first["verdict"]["training_loss"]  # 5 epochs at the problem's 0.5


def test_weight_decay_pulls_weights_toward_zero() -> None:
    plain = ok_json(["train", *GOOD, "--epochs", "200"])
    decayed = ok_json(["train", *GOOD, "--epochs", "200", "--weight-decay", "0.1"])
    norm = lambda out: sum(v * v for k, v in out["parameters"].items() if k.startswith("w"))  # noqa: E731
    assert decayed["weight_decay"] == 0.1 and norm(decayed) < norm(plain)


def test_random_init_is_seeded() -> None:
    a = ok_json(["train", *UNDERFIT, "--epochs", "5", "--init", "random", "--seed", "3"])
    b = ok_json(["train", *UNDERFIT, "--epochs", "5", "--init", "random", "--seed", "3"])
    c = ok_json(["train", *UNDERFIT, "--epochs", "5"])
    assert a == b and a["parameters"] != c["parameters"]


def test_data_command_writes_the_committed_files(tmp_path: Path) -> None:
    for name, args in (
        ("circles.csv", "circles --n 200 --noise 0.2 --seed 6"),
        ("moons_30.csv", "moons --n 30 --noise 0.35 --seed 2"),
        ("moons_validation.csv", "moons --n 200 --noise 0.35 --seed 3"),
    ):
        out = tmp_path / name
        r = invoke(["data", *args.split(), "-o", str(out)])
        assert r.exit_code == 0, r.output
        assert out.read_bytes() == (T / name).read_bytes()


# --- plot -------------------------------------------------------------------------------------

def test_plot_without_matplotlib_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    line = one_line_error(invoke(["train", *UNDERFIT, "--plot", str(tmp_path / "c.png")]))
    assert line == "bpcalc: --plot needs matplotlib, which is not installed; install the plot extra: pip install -e '.[plot]'"


def test_plot_writes_png_and_svg(tmp_path: Path) -> None:
    """matplotlib is in the test extra, so this runs wherever the tests do."""
    for name in ("c.png", "c.svg"):
        r = invoke(["train", *UNDERFIT, "--epochs", "50", "--plot", str(tmp_path / name), "--format", "json"])
        assert r.exit_code == 0, r.output
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "c.svg").read_text()


# --- bad input: one line, exit 2 --------------------------------------------------------------

Q3 = str(ROOT / "samples" / "q3.json")


def csv_file(tmp_path: Path, text: str) -> str:
    p = tmp_path / "d.csv"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    "text,message",
    [
        ("f1,t\n1,0\n", "line 1: missing column f2; this 2-input, 1-output network needs f1, f2, t"),
        ("f1,f2,t\n1,abc,0\n", "line 2, column 2 (f2): expected a number, got \"abc\""),
        ("f1,f2,t\n1,2,0\n3,,1\n", "line 3, column 2 (f2): expected a number, got an empty cell"),
        ("f1,f2,t\n1,nan,0\n", "line 2, column 2 (f2): expected a number, got \"nan\""),
        ("f1,f2,t\n1,2,3\n", "line 2, column 3 (t): the bce loss needs a target between 0 and 1, got 3"),
        ("f1,f2,t,x\n1,2,0,4\n", "line 1, column 4: unknown column \"x\"; this 2-input, 1-output network takes f1, f2, t"),
        ("f1,f2,f1,t\n", "line 1, column 3: column f1 is given twice (also column 1)"),
        ("f1,f2,t\n1,2\n", "line 2: expected 3 cells (f1, f2, t), got 2"),
        ("f1,f2,t\n", "no data rows after the header line"),
        ("", "empty; expected a header line with f1, f2, t"),
        ("f1,f2,t\n1,\x1b[31m,0\n", "line 2, column 2 (f2): expected a number, got \"\\x1b[31m\""),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, message: str) -> None:
    path = csv_file(tmp_path, text)
    for command in (["train", Q3, "--data", path], ["tune", Q3, "--data", path, "--grid", "learning_rate=0.1"]):
        assert one_line_error(invoke(command)) == f"bpcalc: {path}: {message}"


def test_crlf_bom_quotes_and_any_column_order_are_read(tmp_path: Path) -> None:
    """The same rows written differently give the same training."""
    plain = csv_file(tmp_path, "f1,f2,t\n0.5,1,1\n-1,2,0\n3,0.25,1\n1,1,0\n")
    odd = tmp_path / "odd.csv"
    odd.write_bytes('\ufefft1,"f2",f1\r\n1,1,0.5\r\n0,2,-1\r\n\r\n1,0.25,3\r\n0,1,1\r\n'.encode())
    a = ok_json(["train", Q3, "--data", plain, "--epochs", "3", "--validation-data", plain])
    b = ok_json(["train", Q3, "--data", str(odd), "--epochs", "3", "--validation-data", str(odd)])
    assert a["epochs_trained"] == b["epochs_trained"] and a["training_samples"] == b["validation_samples"] == 4


def test_not_utf8_and_directory(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"f1,f2,t\n\xff,1,0\n")
    assert one_line_error(invoke(["train", Q3, "--data", str(bad)])) == f"bpcalc: {bad}: byte 8: not UTF-8 text, expected a CSV data file"
    assert one_line_error(invoke(["train", Q3, "--data", str(tmp_path)])) == f"bpcalc: {tmp_path}: is a directory, expected a CSV data file"


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.2", "abc", "nan"])
def test_validation_fraction_outside_0_1(value: str) -> None:
    line = one_line_error(invoke(["train", *UNDERFIT, "--validation", value]))
    assert line == f"bpcalc: --validation: expected a fraction between 0 and 1 (not 0 or 1), got {value!r}"


@pytest.mark.parametrize(
    "grid,message",
    [
        ([], "tune needs at least one --grid KEY=V1,V2,... (keys: learning_rate, hidden, weight_decay, epochs)"),
        (["hidden="], "--grid hidden=: the grid for hidden is empty; give one or more values, comma-separated"),
        (["learning_rate=,"], "--grid learning_rate=,: the grid for learning_rate is empty; give one or more values, comma-separated"),
        (["momentum=0.9"], "--grid momentum=0.9: unknown key 'momentum'; expected one of learning_rate, hidden, weight_decay, epochs"),
        (["hidden=2", "hidden=4"], "--grid hidden=4: hidden is given twice; list all its values in one --grid"),
        (["hidden=2.5"], "--grid hidden=2.5: expected whole numbers of hidden units per layer from 1 to 10,000, got '2.5'"),
        (["learning_rate=-1"], "--grid learning_rate=-1: expected positive learning rates, got '-1'"),
        (["weight_decay=-0.1"], "--grid weight_decay=-0.1: expected weight decays of at least 0, got '-0.1'"),
        (["learning_rate"], "--grid learning_rate: expected KEY=V1,V2,... (keys: learning_rate, hidden, weight_decay, epochs)"),
    ],
)
def test_bad_grid(grid: list[str], message: str) -> None:
    args = ["tune", *UNDERFIT]
    for g in grid:
        args += ["--grid", g]
    assert one_line_error(invoke(args)) == f"bpcalc: {message}"


def test_other_bad_options(tmp_path: Path) -> None:
    cases = [
        (["train", *UNDERFIT, "--validation", "0.5", "--validation-data", UNDERFIT[2]], "--validation and --validation-data cannot be used together"),
        (["train", *UNDERFIT, "--epochs", "0"], "--epochs: expected a whole number from 1 to 100,000, got '0'"),
        (["train", *UNDERFIT, "--weight-decay", "-1"], "--weight-decay: expected a number of at least 0, got '-1'"),
        (["train", *UNDERFIT, "--plot", str(tmp_path / "c.jpg")], "--plot"),
        (["train", *UNDERFIT, "--data", str(tmp_path / "none.csv")], "no such file"),
        (["tune", *UNDERFIT[:1], "--data", UNDERFIT[2], "--grid", "hidden=2", "--init", "problem"], "--init problem cannot be used with --grid hidden"),
        (["tune", Q3, "--data", UNDERFIT[2], "--grid", "hidden=2", "--validation", "0.1"], ""),
        (["data", "moons", "--n", "0"], "--n: expected a number of samples from 1 to 1,000,000, got 0"),
        (["data", "moons", "--classes", "3"], "--classes: only the spiral has more than 2 classes (moons has 2)"),
        (["data", "blobs"], "'blobs' is not one of"),
    ]
    for args, part in cases:
        r = invoke(args)
        if not part:
            assert r.exit_code == 0, r.output
            continue
        assert part in one_line_error(r), args


def test_a_tiny_file_leaves_no_validation_sample(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "f1,f2,t\n1,2,0\n2,1,1\n")
    line = one_line_error(invoke(["train", Q3, "--data", path, "--validation", "0.1"]))
    assert line == f"bpcalc: {path}: --validation 0.1 of 2 samples leaves no validation sample; use a larger data file or another fraction"


def test_only_train_and_tune_import_numpy_and_plotext() -> None:
    check = ["check", Q3, str(ROOT / "samples" / "q3-sheet-answers.json"), "--format", "json"]
    for args in (["--help"], ["run", Q3, "--format", "json"], ["derive", "--param", "w11", "--format", "json"], check):
        mods = modules_after(args)
        assert "numpy" not in mods and "plotext" not in mods, args
    assert "rich" not in modules_after(["--help"])
    assert "numpy" in modules_after(["train", *UNDERFIT, "--epochs", "1", "--format", "json"])


def test_training_samples_are_problem_files_that_validate_and_run() -> None:
    """They are ordinary problem files (the JSON Schema holds) whose one sample is the data file's first row."""
    import jsonschema

    schema = json.loads((ROOT / "bpcalc" / "problem.schema.json").read_text())
    for name, csv in (("circles_underfit", "circles"), ("circles_good_fit", "circles"), ("moons_overfit", "moons_30")):
        data = json.loads((T / f"{name}.json").read_text())
        jsonschema.validate(data, schema)
        header, first = (T / f"{csv}.csv").read_text().splitlines()[:2]
        assert data["samples"] == [{k: json.loads(v) for k, v in zip(header.split(","), first.split(","))}]
    r = invoke(["run", str(T / "circles_underfit.json"), "--format", "json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["samples"]) == 1000  # one sample, 1,000 epochs


def test_a_four_key_tune_table_fits_60_columns_with_whole_values(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["tune", *UNDERFIT, "--grid", "learning_rate=0.1,1", "--grid", "hidden=2,3", "--grid", "weight_decay=0,0.01", "--grid", "epochs=5,10"]
    numbers = ok_json(args)
    monkeypatch.setenv("COLUMNS", "60")
    r = invoke([*args, "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.stdout.splitlines()) <= 60 and "…" not in r.stdout
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"\s*\d+\s+\d", line)]
    assert [row[5:7] for row in rows] == [[f"{c['training_loss']:.4f}", f"{c['validation_loss']:.4f}"] for c in numbers["combinations"]]
