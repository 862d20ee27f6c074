"""An answer sheet written out in the three forms `bpcalc check` reads: run-JSON, CSV, hand-typed lines."""

from __future__ import annotations

import json
import re
from typing import Any

from student.mistakes import Key

Row = tuple[int, int, Key, str]  # epoch, sample, key, text


def _greek(name: str) -> str:
    return re.sub(r"^theta(?=\d)", "θ", re.sub(r"^b(?=\d)", "β", name)).replace("alpha_", "α_")


def _name(key: Key, variant: int) -> str:
    """A value's name as a student might type it (the variant picks between spellings)."""
    kind, name = key
    if kind == "loss":
        return "L" if variant % 2 else "loss"
    shown = _greek(name) if variant % 2 else name
    if kind == "gradient":
        return f"dL/d{shown}" if variant % 3 else f"∂L/∂{shown}"
    return shown


def as_json(rows: list[Row], epochs: int) -> str:
    """The shape of `bpcalc run --format json`, values as strings."""
    samples: dict[tuple[int, int], dict[str, Any]] = {}
    section = {"forward": "forward", "gradient": "gradients", "parameter_after": "parameters_after"}
    for e, s, (kind, name), text in rows:
        entry = samples.setdefault((e, s), {"epoch": e, "sample": s} if epochs > 1 else {"sample": s})
        if kind == "loss":
            entry["loss"] = text
        else:
            entry.setdefault(section[kind], {})[name] = text
    return json.dumps({"samples": list(samples.values())}, ensure_ascii=False, indent=1)


def as_csv(rows: list[Row], epochs: int, variant: int = 0) -> str:
    head = "epoch,sample,name,value" if epochs > 1 else "sample,name,value"
    lines = [head]
    for e, s, key, text in rows:
        cells = ([str(e)] if epochs > 1 else []) + [str(s), _name(key, variant + len(lines)), text]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def as_hand(rows: list[Row], epochs: int, variant: int = 0) -> str:
    """'# sample N' headings over 'name = value' lines, a few to a line, signs as people type them."""
    out: list[str] = []
    current: tuple[int, int] | None = None
    line: list[str] = []
    for i, (e, s, key, text) in enumerate(rows):
        if (e, s) != current:
            if line:
                out.append(", ".join(line))
                line = []
            out.append("" if out else "# worked by hand")
            out.append(f"# epoch {e}, sample {s}" if epochs > 1 else f"# sample {s}")
            current = (e, s)
        shown = text
        if variant % 2 and shown.startswith("-"):
            shown = "−" + shown[1:]
        elif variant % 3 == 1 and not shown.startswith("-"):
            shown = "+" + shown
        line.append(f"{_name(key, variant + i)} = {shown}")
        if len(line) == 3:
            out.append(", ".join(line))
            line = []
    if line:
        out.append(", ".join(line))
    return "\n".join(out) + "\n"


FORMATS = {"json": lambda rows, epochs, v: as_json(rows, epochs), "csv": as_csv, "hand": as_hand}
