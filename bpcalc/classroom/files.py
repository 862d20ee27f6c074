"""A problem as a JSON file people read and fill in: every parameter in the sheet's order, a unit per line."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Mapping

from bpcalc.network import Network

ORDER = ("title", "source", "notes", "network", "learning_rate", "epochs", "update", "frozen", "parameters", "samples")


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
            for unit_row in net.units[1:]:
                for unit in unit_row:
                    names = [p.name for p in net.params if p.target == unit]
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
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def network_dict(net: Network) -> dict[str, Any]:
    out: dict[str, Any] = {"layers": list(net.layers), "activations": list(net.activations), "loss": net.loss_name}
    if not net.bias:
        out["bias"] = False
    return out
