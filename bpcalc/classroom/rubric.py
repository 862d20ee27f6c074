"""What a sheet must hold and what each value is worth: `--require` and the rubric file (JSON).

A rubric file::

    {"points": {"forward": 1, "loss": 1, "gradient": 2, "parameter_after": 1},
     "follows": 0.5, "right_wrong_method": 0.5, "guard": true,
     "require": ["forward", "gradients", "updates", "parameters"]}

``points`` gives each kind of value its points (a kind not named keeps 1); ``follows`` the share of
them a value earns that follows through from an earlier mistake (default 1: full credit, as
`check` scores today); ``right_wrong_method`` the share a right value earns that is worked on
from a wrong value the student wrote in the same sample (default 1); ``guard`` (default true)
gives no credit to a value carried from an earlier one that is no attempt; ``require`` as
`--require`. Every key is optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from bpcalc.check.model import Key
from bpcalc.errors import BpcalcError, ProblemError
from bpcalc.jsontext import parse_json, place
from bpcalc.network import canonical
from bpcalc.problem import Problem

KINDS = ("forward", "loss", "gradient", "parameter_after")
SECTIONS = ("forward", "gradients", "updates", "parameters")
RUBRIC_KEYS = ("points", "follows", "right_wrong_method", "guard", "require")
MAX_POINTS = Decimal(10) ** 6

Slot = tuple[int, int, Key]  # (epoch, sample, key)


@dataclass(frozen=True)
class Rubric:
    points: Mapping[str, Decimal] = field(default_factory=lambda: {k: Decimal(1) for k in KINDS})
    follows: Decimal = Decimal(1)
    right_wrong_method: Decimal = Decimal(1)
    guard: bool = True
    require: tuple[str, ...] = ()

    def worth(self, key: Key) -> Decimal:
        return self.points.get(key.kind, Decimal(1))


DEFAULT = Rubric()


def parse_rubric(text: str, source: str) -> Rubric:
    data = parse_json(text, source)

    def bad(where: str, message: str) -> ProblemError:
        return ProblemError(source, where, message)

    if not isinstance(data, dict):
        raise bad("", "expected a JSON object with any of " + ", ".join(RUBRIC_KEYS))
    for key in data:
        if key not in RUBRIC_KEYS:
            raise bad(place("", key), f"unknown key; expected one of {', '.join(RUBRIC_KEYS)}")
    points = {k: Decimal(1) for k in KINDS}
    raw = data.get("points", {})
    if not isinstance(raw, dict):
        raise bad("points", "expected an object of points per kind: " + ", ".join(KINDS))
    for kind, value in raw.items():
        if kind not in KINDS:
            raise bad(place("points", kind), f"unknown kind; expected one of {', '.join(KINDS)}")
        points[kind] = _amount(value, bad, place("points", kind), MAX_POINTS, "points")
    shares = {k: _amount(data[k], bad, k, Decimal(1), "a share") if k in data else Decimal(1) for k in ("follows", "right_wrong_method")}
    guard = data.get("guard", True)
    if not isinstance(guard, bool):
        raise bad("guard", "expected true or false")
    require = data.get("require", [])
    if not isinstance(require, list) or not all(isinstance(r, str) for r in require):
        raise bad("require", "expected a list of names, such as [\"forward\", \"gradients\"]")
    return Rubric(points, shares["follows"], shares["right_wrong_method"], guard, tuple(require))


def _amount(value: Any, bad: Any, where: str, most: Decimal, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite():
        raise bad(where, f"expected {what} from 0 to {most}")
    d = Decimal(value)
    if not 0 <= d <= most:
        raise bad(where, f"expected {what} from 0 to {most}, got {d}")
    return d


def load_rubric(path: str) -> Rubric:
    from bpcalc.problem import read_text

    text, source = read_text(path)
    return parse_rubric(text, source)


def _name_key(problem: Problem, raw: str) -> Key | None:
    net = problem.network
    name = raw.strip()
    if name.lower() in ("loss", "l"):
        return Key("loss", "loss")
    forward = {canonical(n): n for n in net.forward_names()}
    for prefix in ("dL/d", "∂L/∂"):
        if name.startswith(prefix):
            try:
                return Key("gradient", net.resolve_param(name[len(prefix):]).name)
            except KeyError:
                return None
    if canonical(name) in forward:
        return Key("forward", forward[canonical(name)])
    try:
        return Key("parameter_after", net.resolve_param(name).name)
    except KeyError:
        return None


def required(problem: Problem, names: tuple[str, ...], option: str = "--require") -> frozenset[Slot]:
    """Every (epoch, sample, value) the names ask for: sections (forward, gradients, updates, parameters) or single names."""
    net = problem.network
    out: set[Slot] = set()
    count = len(problem.samples)
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        for epoch in range(1, problem.epochs + 1):
            for sample in range(1, count + 1):
                updates_here = problem.update == "online" or sample == count
                if name == "forward":
                    keys = [Key("forward", n) for n in net.forward_names()] + [Key("loss", "loss")]
                elif name == "gradients":
                    keys = [Key("gradient", n) for n in net.param_names]
                elif name == "updates":
                    keys = [Key("parameter_after", n) for n in net.param_names if updates_here and n not in problem.frozen]
                elif name == "parameters":
                    keys = [Key("parameter_after", n) for n in net.param_names]
                else:
                    key = _name_key(problem, name)
                    if key is None:
                        raise BpcalcError(
                            f"{option}: unknown name {name!r}; expected {', '.join(SECTIONS)} or names such as "
                            f"{net.forward_names()[-1]}, loss, dL/d{net.param_names[0]}, {net.param_names[0]}"
                        )
                    keys = [key]
                out.update((epoch, sample, k) for k in keys)
    return frozenset(out)


def parse_require(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip()) if text else ()
