"""Parameters written as matrices (one weight matrix and one bias vector per layer), read and written.

``"layout": "to_from"`` (deeplearning.ai): ``weights[l-1]`` is W^[l] of shape (n_l, n_{l-1}), entry
[j][k] the weight into unit j of layer l from unit k of layer l-1. ``"from_to"`` (CS231n, X·W1):
shape (n_{l-1}, n_l), entry [k][j]. ``biases[l-1]`` lists layer l's biases (one number for a
per-layer bias). Layers are counted from the inputs, layer 0.
"""

from __future__ import annotations

from typing import Any

from bpcalc.network import Network

LAYOUTS = ("to_from", "from_to")


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def _got(m: Any) -> str:
    if not isinstance(m, list):
        return "not a list of rows"
    if not all(isinstance(r, list) for r in m):
        return f"{_rows(len(m))}, not all of them lists"
    widths = sorted({len(r) for r in m})
    if len(widths) == 1:
        return f"{_rows(len(m))} of {widths[0]}"
    return f"{_rows(len(m))} of {', '.join(map(str, widths))}"


def from_matrices(data: dict[str, Any], net: Network, source: str, bad: Any) -> dict[str, Any]:
    """The parameters, by sheet key in the network's order, from ``weights``, ``biases`` and ``layout``."""
    from bpcalc.problem import number

    layout = data.get("layout")
    if layout not in LAYOUTS:
        raise bad("layout", f"expected \"to_from\" (W^[l] of shape (n_l, n_l-1)) or \"from_to\" (shape (n_l-1, n_l)) with weights, got {'nothing' if layout is None else repr(layout)}")
    weights = data["weights"]
    count = len(net.layers) - 1
    if not isinstance(weights, list) or len(weights) != count:
        raise bad("weights", f"expected a list of {count} weight matrices (one per layer after the inputs), got {_got_list(weights)}")
    values: dict[str, Any] = {}
    for li in range(1, count + 1):
        here = f"weights[{li - 1}]"
        n_to, n_from = net.layers[li], net.layers[li - 1]
        rows, cols = (n_to, n_from) if layout == "to_from" else (n_from, n_to)
        m = weights[li - 1]
        shaped = isinstance(m, list) and len(m) == rows and all(isinstance(r, list) and len(r) == cols for r in m)
        if not shaped:
            raise bad(
                here,
                f"expected {_rows(rows)} of {cols} (layer {li} has {_units(n_to)}, layer {li - 1} has {n_from}), got {_got(m)}",
            )
        for t in net.units[li]:
            for s in net.units[li - 1]:
                r, c = (t.position - 1, s.position - 1) if layout == "to_from" else (s.position - 1, t.position - 1)
                values[net.weight(s, t)] = number(m[r][c], source, f"{here}[{r}][{c}]")
    biases = data.get("biases")
    if not net.bias:
        if biases is not None:
            raise bad("biases", "given for a network without biases (network.bias is false)")
    else:
        if not isinstance(biases, list) or len(biases) != count:
            raise bad("biases", f"expected a list of {count} bias vectors (one per layer after the inputs), got {_got_list(biases)}")
        for li in range(1, count + 1):
            here = f"biases[{li - 1}]"
            v = biases[li - 1]
            if net.per_layer:
                values[f"b{li}"] = number(v, source, here, "one number (the layer's shared bias)")
                continue
            n = net.layers[li]
            if not isinstance(v, list) or len(v) != n:
                raise bad(here, f"expected a list of {n} (layer {li} has {_units(n)}), got {_got_list(v)}")
            for t, x in zip(net.units[li], v):
                values[t.bias] = number(x, source, f"{here}[{t.position - 1}]")  # type: ignore[index]
    return {n: values[n] for n in net.param_names}


def _got_list(v: Any) -> str:
    if v is None:
        return "nothing"
    return f"a list of {len(v)}" if isinstance(v, list) else "not a list"


def to_matrices(net: Network, params: dict[str, Any], layout: str = "to_from") -> tuple[list[Any], list[Any] | None]:
    """(weights, biases) of ``params`` (sheet keys) as the file writes them in ``layout``; biases None without biases."""
    weights = []
    biases = []
    for li in range(1, len(net.layers)):
        to, fro = net.units[li], net.units[li - 1]
        if layout == "to_from":
            weights.append([[params[net.weight(s, t)] for s in fro] for t in to])
        else:
            weights.append([[params[net.weight(s, t)] for t in to] for s in fro])
        if net.per_layer:
            biases.append(params[f"b{li}"])
        elif net.bias:
            biases.append([params[t.bias] for t in to])  # type: ignore[index]
    return weights, biases if net.bias else None
