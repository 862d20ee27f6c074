"""CSV: one value per row (epoch, sample, section, name, value), full precision, the JSON's names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mpmath import mp, mpf

import reference as R
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = ROOT / "samples" / "q3.json"


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def rows(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == ["epoch", "sample", "section", "name", "value"]
    out = []
    for row in reader:
        assert len(row) == 5, row
        out.append(dict(zip(header, row)))
    return out


def test_every_value_of_the_json_once_with_its_name() -> None:
    table = rows(cli("run", str(Q3), "--format", "csv"))
    data = json.loads(cli("run", str(Q3), "--format", "json"))
    want = []
    for s in data["samples"]:
        head = (str(s["epoch"]), str(s["sample"]))
        want += [(*head, "forward", k) for k in s["forward"]] + [(*head, "forward", "loss")]
        want += [(*head, "gradient", f"dL/d{k}") for k in s["gradients"]] + [(*head, "gradient", k) for k in s["factors"]]
        want += [(*head, "delta", "delta_" + k.replace("alpha_", "")) for k in s["deltas"]]
        want += [(*head, "parameter", k) for k in s["parameters_after"]]
        want += [(*head, "update", f"gradients.{k}") for k in s["update"]["gradients"]]
        want += [(*head, "update", f"steps.{k}") for k in s["update"]["steps"]]
    assert [(r["epoch"], r["sample"], r["section"], r["name"]) for r in table] == want
    # full precision: every value is the JSON's double exactly
    by_key = {(r["sample"], r["section"], r["name"]): float(r["value"]) for r in table}
    for s in data["samples"]:
        k = str(s["sample"])
        assert all(by_key[(k, "forward", n)] == v for n, v in s["forward"].items())
        assert by_key[(k, "forward", "loss")] == s["loss"]
        assert all(by_key[(k, "gradient", f"dL/d{n}")] == v for n, v in s["gradients"].items())
        assert all(by_key[(k, "delta", "delta_" + n.replace("alpha_", ""))] == v for n, v in s["deltas"].items())
        assert all(by_key[(k, "update", f"steps.{n}")] == v for n, v in s["update"]["steps"].items())
        assert all(by_key[(k, "parameter", n)] == v for n, v in s["parameters_after"].items())


def test_values_agree_with_the_reference() -> None:
    table = rows(cli("run", str(Q3), "--format", "csv"))
    ref = R.train(R.load_problem(Q3))
    for r in table:
        s = ref["samples"][int(r["sample"]) - 1]
        if r["section"] == "forward":
            want = s["loss"] if r["name"] == "loss" else s["forward"][r["name"]]
        elif r["section"] == "gradient" and r["name"] in s["gradients"]:
            want = s["gradients"][r["name"]]
        elif r["section"] == "parameter":
            want = s["parameters_after"][r["name"]]
        elif r["section"] == "update" and r["name"].startswith("steps."):
            want = mpf("0.1") * s["gradients"][r["name"][6:]]
        else:
            continue
        assert float(r["value"]) == pytest.approx(float(want), rel=1e-9, abs=1e-300), r


def test_sample_and_show_choose_rows() -> None:
    table = rows(cli("run", str(Q3), "--format", "csv", "--sample", "2", "--show", "forward,parameters"))
    assert {r["sample"] for r in table} == {"2"}
    assert {r["section"] for r in table} == {"forward", "parameter"}
    assert [r["name"] for r in table if r["section"] == "forward"][-1] == "loss"


def test_hand_rounded_values_are_written_as_rounded() -> None:
    table = rows(cli("run", str(Q3), "--format", "csv", "--round-steps", "3", "--sample", "1"))
    value = {(r["section"], r["name"]): r["value"] for r in table}
    # the seed sheet's y = 0.354, w31 = 0.935 after sample 1
    assert value[("forward", "y")] == "0.354" and value[("parameter", "w31")] == "0.935"


def test_exact_values_to_the_chosen_digits() -> None:
    table = rows(cli("run", str(Q3), "--format", "csv", "--exact", "--digits", "25"))
    ref = R.train(json.loads(Q3.read_text(), parse_float=str))
    with mp.workdps(50):
        for r in table:
            if r["section"] != "forward" or r["name"] == "loss":
                continue
            want = ref["samples"][int(r["sample"]) - 1]["forward"][r["name"]]
            assert abs(mpf(r["value"]) - want) <= mpf(10) ** -23 * abs(want), r


def test_derive_csv_lists_the_symbols_and_the_gradient() -> None:
    table = rows(cli("derive", "--param", "w11", "--problem", str(Q3), "--format", "csv"))
    d = json.loads(cli("derive", "--param", "w11", "--problem", str(Q3), "--format", "json"))
    for s in d["samples"]:
        mine = [r for r in table if r["sample"] == str(s["sample"])]
        assert {r["name"]: float(r["value"]) for r in mine if r["section"] != "gradient"} == s["values"]
        assert [float(r["value"]) for r in mine if r["section"] == "gradient"] == [s["gradient"]]
        sections = {r["name"]: r["section"] for r in mine}
        assert sections == {"f1": "input", "t": "target", "w31": "parameter", "H1": "forward", "y": "forward", "w11": "gradient"}
