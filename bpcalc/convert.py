"""`bpcalc convert`: the same problem written in another notation profile, or with its parameters as matrices."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from bpcalc.matrices import to_matrices
from bpcalc.notations import notation_for
from bpcalc.problem import build_problem

_WRITTEN = ("parameters", "weights", "biases", "layout", "frozen", "notation")
_MARK = "\x00num:"


def convert(data: dict[str, Any], source: str, notation: str | None = None, layout: str | None = None) -> dict[str, Any]:
    """``data`` (a problem file's JSON, numbers as Decimal) rewritten in ``notation``; ``layout``: as matrices in that layout.

    Everything else (title, source, notes, network, samples, ...) is kept as it was, in its order.
    """
    pr = build_problem(data, source)  # validated: every fault names the place, as `run` does
    net = pr.network
    notation = notation or pr.notation  # the file's own, unless another is asked for
    names = notation_for(net, notation)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _WRITTEN:
            continue
        if key == "samples":  # parameters sit where the file had them: before the samples
            _parameters(out, pr, names, notation, layout)
        out[key] = value
    _parameters(out, pr, names, notation, layout)  # a file without samples would not have loaded; kept for safety
    return out


def _parameters(out: dict[str, Any], pr: Any, names: Any, notation: str, layout: str | None) -> None:
    net = pr.network
    if "parameters" in out or "weights" in out:
        return
    if notation != "sheet":
        out["notation"] = notation
    if layout is not None:
        weights, biases = to_matrices(net, pr.parameters, layout)
        out["layout"] = layout
        out["weights"] = weights
        if biases is not None:
            out["biases"] = biases
    else:
        out["parameters"] = {names.key(q.id): pr.parameters[q.name] for q in net.params}
    if pr.frozen:
        out["frozen"] = [names.key(q.id) for q in net.params if q.name in pr.frozen]


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + str(value)
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v) for v in value]
    return value


def dumps(data: dict[str, Any]) -> str:
    """The problem as JSON, numbers exactly as written; one top-level key per line, one list item per line."""
    lines = []
    for key, value in data.items():
        v = _marked(value)
        if isinstance(v, list) and v and all(isinstance(x, (list, dict)) for x in v):
            inner = ",\n".join("    " + _one(x) for x in v)
            text = f"[\n{inner}\n  ]"
        else:
            text = _one(v)
        lines.append(f"  {json.dumps(key, ensure_ascii=False)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _one(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    return re.sub(r'"\\u0000num:([^"]*)"', r"\1", text)

