"""A problem as a JSON file people read and fill in: every parameter in the sheet's order, a unit per line."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Mapping

from bpcalc.network import Network
from bpcalc.notations import notation_for

ORDER = (
    "title", "source", "notes", "network", "learning_rate", "epochs", "answer_decimals", "update", "batch_size", "reduction",
    "optimizer", "weight_decay", "notation", "frozen", "parameters", "samples",
)


def number_text(x: Any) -> str:
    """A number as a person writes it (0.3, -1, 0.05), or null for a value left to fill in."""
    if x is None:
        return "null"
    if isinstance(x, bool):
        raise TypeError("a flag is not a number")
    if isinstance(x, int):
        return str(x)
    d = Decimal(x) if not isinstance(x, float) else Decimal(repr(x))
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{json.dumps(k)}: {number_text(v)}" for k, v in values.items())


def problem_json(data: Mapping[str, Any], net: Network) -> str:
    """``data`` (a problem's keys) as JSON text: parameters one unit per line, as the sheet tables them."""
    lines = ["{"]
    keys = [k for k in ORDER if k in data] + [k for k in data if k not in ORDER]
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = data[key]
        if key == "parameters":
            rows = []
            spelled = notation_for(net, data.get("notation", "sheet"))  # the file's keys are in its notation
            for unit_row in net.units[1:]:
                for unit in unit_row:
                    names = [spelled.key(p.id) for p in net.params if p.target == unit]
                    if names:
                        rows.append("    " + _pairs({n: value[n] for n in names}))
            lines.append('  "parameters": {')
            lines.append(",\n".join(rows))
            lines.append("  }" + comma)
        elif key == "samples":
            lines.append('  "samples": [')
            lines.append(",\n".join("    {" + _pairs(s) + "}" for s in value))
            lines.append("  ]" + comma)
        elif key == "learning_rate":
            lines.append(f'  "learning_rate": {number_text(value)}{comma}')
        else:
            lines.append(f"  {json.dumps(key)}: {json_text(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def network_dict(net: Network) -> dict[str, Any]:
    """The file's ``network``: activations with parameters as objects ({"name": "leaky_relu", "slope": 0.1}), the bias mode."""
    out: dict[str, Any] = {"layers": list(net.layers), "activations": [activation_value(a) for a in net.activations], "loss": net.loss_name}
    if net.bias is not True:
        out["bias"] = net.bias  # False, "threshold" or "per_layer"
    return out


def activation_value(text: str) -> Any:
    """A canonical activation spelling as a file writes it: the name, or an object with the non-default parameters."""
    from bpcalc.functions import PARAMETERS, parse_spec

    name, values = parse_spec(text)
    given = {p.name: values[p.name] for p in PARAMETERS.get(name, ()) if values[p.name] != p.default}
    if not given:
        return name
    return {"name": name, **{k: Decimal(v.numerator) / Decimal(v.denominator) for k, v in given.items()}}


def json_text(value: Any) -> str:
    """``value`` as one line of JSON, numbers (Decimal too) as a person writes them."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    if isinstance(value, Decimal) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return number_text(value)
    return json.dumps(value, ensure_ascii=False)
