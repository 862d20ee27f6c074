"""Names as structured values: one notation spells them as text, ASCII, LaTeX and the file's key, and reads aliases."""

from __future__ import annotations

import pytest

from bpcalc import names as N
from bpcalc.names import SHEET
from bpcalc.network import Network, canonical, latex_name, pretty

H1 = N.hidden(1)
Y = N.output()


@pytest.mark.parametrize(
    "name,key,text,latex",
    [
        (N.bias(4), "b4", "β4", "\\beta_{4}"),
        (N.threshold(4), "theta4", "θ4", "\\theta_{4}"),
        (N.factor(N.pre(Y), N.threshold(3)), "do/dtheta3", "do/dθ3", "\\frac{\\partial o}{\\partial \\theta_{3}}"),
        (N.pre(H1), "alpha_H1", "α_H1", "\\alpha_{H_{1}}"),
        (N.factor(N.LOSS, N.pre(H1)), "dL/dalpha_H1", "dL/dα_H1", "\\frac{\\partial L}{\\partial \\alpha_{H_{1}}}"),
        (N.factor(H1, N.pre(H1)), "dH1/dalpha_H1", "dH1/dα_H1", "\\frac{\\partial H_{1}}{\\partial \\alpha_{H_{1}}}"),
        (N.weight(3, 1), "w31", "w31", "w_{31}"),
        (N.weight(3, 10), "w3_10", "w3_10", "w_{3,10}"),
        (N.pre(Y), "o", "o", "o"),
        (N.pre(N.output(2)), "o2", "o2", "o_{2}"),
        (N.target(N.output(2)), "t2", "t2", "t_{2}"),
        (N.delta(H1), "delta_H1", "δ_H1", "\\delta_{H_{1}}"),
        (N.delta(Y), "delta_o", "δ_o", "\\delta_{o}"),
        (N.input_(2), "f2", "f2", "f_{2}"),
        (N.LOSS, "L", "L", "L"),
    ],
)
def test_spellings(name: N.Name, key: str, text: str, latex: str) -> None:
    assert name.key == key == SHEET.ascii(name)
    assert SHEET.text(name) == str(name) == text
    assert SHEET.latex(name) == latex
    assert SHEET.parse(key) == name
    assert SHEET.parse(text) == name


@pytest.mark.parametrize("alias,key", [("β4", "b4"), ("ω31", "w31"), ("w_{31}", "w31"), ("θ2", "theta2"), ("θ_{2}", "theta2"), ("α_H1", "alpha_H1"), ("αH1", "alpha_H1"), ("δ_H4", "delta_H4"), ("∂L/∂y", "dL/dy")])
def test_aliases(alias: str, key: str) -> None:
    n = SHEET.parse(alias)
    assert n is not None and n.key == key


def test_unknown_text_is_no_name() -> None:
    assert SHEET.parse("loss") is None
    assert SHEET.parse("x1") is None
    assert pretty("loss") == "loss"


def test_network_names_are_the_evaluators_keys() -> None:
    net = Network((2, 3, 1), ("tanh", "sigmoid"), "bce")
    u = net.units[1][0]
    assert (u.name, u.pre, u.id, u.pre_id) == ("H1", "alpha_H1", H1, N.pre(H1))
    w11 = net.param_index["w11"]
    assert w11.id == N.weight(1, 1) and net.param_index["b4"].id == N.bias(4)
    assert net.chain(w11) == ("dL/dy", "dy/do", "do/dH1", "dH1/dalpha_H1", "dalpha_H1/dw11")
    assert [n.key for n in net.chain_names(w11)] == list(net.chain(w11))
    assert [p.name for p in net.backprop_params()][:5] == ["w31", "w41", "w51", "b4", "w11"]
    # the wrappers the checker uses
    assert (pretty("dL/dalpha_H1"), canonical("β4"), latex_name("b4")) == ("dL/dα_H1", "b4", "\\beta_{4}")
    assert net.resolve_param("ω31").name == "w31"
    assert net.resolve_param("θ4").name == "b4"  # a student's θ for a bias, in a network with biases


def test_threshold_names() -> None:
    net = Network((2, 3, 1), ("tanh", "sigmoid"), "bce", "threshold")
    assert net.param_index["theta4"].id == N.threshold(4) and net.units[1][0].bias == "theta1"
    assert [net.resolve_param(s).name for s in ("θ4", "theta4", "θ_{4}")] == ["theta4"] * 3
    with pytest.raises(KeyError):
        net.resolve_param("b4")  # a network with thresholds has no biases
    assert (pretty("dalpha_H1/dtheta1"), latex_name("theta4")) == ("dα_H1/dθ1", "\\theta_{4}")
