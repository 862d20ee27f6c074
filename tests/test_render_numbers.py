"""The numbers printed in the LaTeX and Markdown answer keys (and so in their goldens) are right.

Every printed number is read back and compared with the mpmath reference (tests/reference.py) to
the digits printed; the chain factors with the hand formulas dL/dy = (y - t)/(y(1 - y)),
dy/do = y(1 - y), dH/dα = 1 - H² evaluated on the reference's forward pass.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from mpmath import mpf

import reference as R
from bpcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
Q3 = ROOT / "samples" / "q3.json"
REF = R.train(R.load_problem(Q3))


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def from_tex(text: str) -> str:
    """'-3.93 \\times 10^{-6}' → '-3.93e-6'; '(-2.822)' → '-2.822'."""
    text = text.strip().strip("$").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    m = re.fullmatch(r"(-?[0-9.]+) \\times 10\^\{(-?\d+)\}", text)
    return f"{m.group(1)}e{m.group(2)}" if m else text


def printed_ok(value, printed: str, what: str) -> None:
    """``value`` rounds to ``printed`` at the printed digits (half a unit in the last place, plus float slack)."""
    p = Decimal(printed)
    ulp = Decimal(1).scaleb(p.as_tuple().exponent)
    v = Decimal(repr(float(value)))
    assert abs(v - p) <= ulp / 2 + Decimal("1e-12") * max(abs(p), 1), f"{what}: printed {printed}, reference {float(value)!r}"


def hand_factors(s: dict) -> dict[str, mpf]:
    f, t = s["forward"], mpf(s["targets"]["t"])
    y = f["y"]
    out = {"dL/dy": (y - t) / (y * (1 - y)), "dy/do": y * (1 - y)}
    for j, w in ((1, "w31"), (2, "w41"), (3, "w51")):
        out[f"do/dH{j}"] = mpf(s["parameters_before"][w])
        out[f"dH{j}/dalpha_H{j}"] = 1 - f[f"H{j}"] ** 2
    return out


def test_markdown_forward_and_parameter_tables() -> None:
    md = cli("run", str(Q3), "--format", "markdown")
    parts = re.split(r"^## Sample (\d):", md, flags=re.M)[1:]
    assert [p for p in parts[::2]] == ["1", "2"]
    names = {"\\alpha_{H_{%d}}" % j: f"alpha_H{j}" for j in (1, 2, 3)} | {"H_{%d}" % j: f"H{j}" for j in (1, 2, 3)}
    names |= {"o": "o", "y": "y"}
    for k, body in zip(parts[::2], parts[1::2]):
        s = REF["samples"][int(k) - 1]
        forward = body.split("### Forward pass", 1)[1].split("###", 1)[0]
        seen = 0
        for line in forward.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 4 and cells[0].startswith("$"):
                name = cells[0].strip("$")
                want = s["loss"] if name == "L" else s["forward"][names[name]]
                printed_ok(want, cells[3], f"sample {k} {name}")
                seen += 1
        assert seen == 9
        params = body.split("### Parameters after", 1)[1]
        lines = [ln for ln in params.splitlines() if ln.startswith("|")]
        for head, _, vals in zip(lines[0::3], lines[1::3], lines[2::3]):
            for n, v in zip(head.strip("|").split("|"), vals.strip("|").split("|")):
                name = n.strip().strip("$").replace("\\beta_{", "b").replace("w_{", "w").replace("}", "")
                printed_ok(s["parameters_after"][name], v.strip(), f"sample {k} {name} after")


def test_latex_chains_and_update_tables() -> None:
    from bpcalc.network import Network

    net = Network((2, 3, 1), ("tanh", "sigmoid"), "bce")
    tex = cli("run", str(Q3), "--format", "latex")
    samples = re.split(r"\\subsection\*\{Sample \d", tex)[1:]
    assert len(samples) == 2
    for body, s in zip(samples, REF["samples"]):
        body = body.split("Gradients (chain rule)", 1)[1]
        factors = hand_factors(s)
        factors |= {f"dalpha_H{j}/dw{i}{j}": mpf(s["inputs"][f"f{i}"]) for i in (1, 2) for j in (1, 2, 3)}
        factors |= {f"dalpha_H{j}/db{j}": mpf(1) for j in (1, 2, 3)}
        factors |= {f"do/dw{3 + j}1": s["forward"][f"H{j + 1}"] for j in range(3)} | {"do/db4": mpf(1)}
        chains = re.findall(r"\\begin\{align\*\}\n\\frac\{\\partial L\}\{\\partial (.+?)\} &=.*?\\end\{align\*\}", body, flags=re.S)
        blocks = re.findall(r"\\begin\{align\*\}\n\\frac\{\\partial L\}.*?\\end\{align\*\}", body, flags=re.S)
        assert len(chains) == len(blocks) == 13
        for p, block in zip(net.backprop_params(), blocks):
            lines = block.split("\\\\\n")
            numbers = [from_tex(x) for x in re.split(r" \\times (?!10\^\{)", lines[2].replace("&=", "").replace("&\\qquad", "").replace("\n", " ").strip())]
            keys = net.chain(p)
            assert len(numbers) == len(keys), (p.name, numbers)
            for key, n in zip(keys, numbers):
                printed_ok(factors[key], n.strip(), f"{p.name}: {key}")
            printed_ok(s["gradients"][p.name], from_tex(lines[-1].split("&=")[1].split("\\end")[0]), f"dL/d{p.name}")
        table = body.split("\\begin{tabular}{lrrrr}", 1)[1].split("\\end{tabular}", 1)[0]
        rows = [ln for ln in table.splitlines() if ln.startswith("$")]
        assert len(rows) == 13
        for p, row in zip(net.params, rows):
            cells = [c.strip() for c in row.rstrip("\\ ").split("&")]
            old, grad, step, new = (from_tex(c) for c in cells[1:])
            printed_ok(s["parameters_before"][p.name], old, f"{p.name} old")
            printed_ok(s["gradients"][p.name], grad, f"{p.name} gradient")
            printed_ok(mpf("0.1") * s["gradients"][p.name], step, f"{p.name} step")
            printed_ok(s["parameters_after"][p.name], new, f"{p.name} new")


def test_the_sheets_answers_in_the_latex_key() -> None:
    # the sheet's right answers for sample 1, and the correct β4 = 0.065 where it wrote 0.646
    tex = cli("run", str(Q3), "--format", "latex", "--sample", "1")
    assert "o &= H_{1} w_{31} + H_{2} w_{41} + H_{3} w_{51} + \\beta_{4}" in tex and "= -0.600 \\\\" in tex
    assert "$w_{31}$ & $1.000$ & $0.646$ & $0.065$ & $0.935$" in tex
    assert "$\\beta_{4}$ & $0.000$ & $-0.646$ & $-0.065$ & $0.065$" in tex


def test_derive_markdown_values() -> None:
    md = cli("derive", "--param", "w11", "--problem", str(Q3), "--format", "markdown")
    lines = [ln for ln in md.splitlines() if ln.startswith("| ") and ln[2].isdigit()]
    assert len(lines) == 2
    head = [ln for ln in md.splitlines() if ln.startswith("| sample")][0]
    names = [c.strip().strip("$").replace("_{", "").replace("}", "") for c in head.strip("|").split("|")][1:-1]
    assert names == ["y", "t", "w31", "H1", "f1"]  # chain order, as the sheet writes (y − t)·w31·(1 − H1²)·f1
    for line, s in zip(lines, REF["samples"]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        known = {**s["forward"], **{k: mpf(v) for k, v in {**s["inputs"], **s["targets"]}.items()}, **s["parameters_before"]}
        for n, c in zip(names, cells[1:-1]):
            printed_ok(known[n], c, n)
        printed_ok(s["gradients"]["w11"], cells[-1], "dL/dw11")
