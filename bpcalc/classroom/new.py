"""`bpcalc new`: a complete problem file for a network, as a template to fill in or with hand-friendly values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bpcalc.classroom.files import network_dict, problem_json
from bpcalc.classroom.quality import Bounds, Quality
from bpcalc.classroom.variants import Settings, search
from bpcalc.errors import BpcalcError, ProblemError
from bpcalc.network import Network
from bpcalc.problem import build_problem

NEW_DRAWS = 500  # draws tried for values that pass every quality check
MAX_SAMPLES = 100
OPTIONS = {"network.layers": "--layers", "network.activations": "--activations", "network.loss": "--loss", "learning_rate": "--lr"}


@dataclass(frozen=True)
class NewOptions:
    layers: str
    activations: str
    loss: str
    lr: str = "0.1"
    samples: int = 2
    seed: int = 1
    template: bool = False
    bias: bool = True


@dataclass(frozen=True)
class NewProblem:
    text: str  # the problem file
    quality: Quality | None  # None for a template


def parse_layers(text: str) -> list[int]:
    parts = text.replace(",", "-").split("-")
    try:
        layers = [int(p.strip()) for p in parts]
    except ValueError:
        layers = []
    if len(layers) < 2 or any(n < 1 for n in layers):
        raise BpcalcError(f"--layers: expected unit counts joined by '-', inputs first, such as 2-3-1; got {text!r}")
    return layers


def _lr(text: str) -> Any:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0:
        raise BpcalcError(f"--lr: expected a positive number such as 0.1, got {text!r}")
    return int(value) if value == value.to_integral_value() else value


def _network(opts: NewOptions) -> tuple[Network, Any]:
    """The network the options describe, checked as a problem file is (errors name the option)."""
    layers = parse_layers(opts.layers)
    acts = [a.strip() for a in opts.activations.split(",")]
    lr = _lr(opts.lr)
    shape = {"layers": layers, "activations": acts, "loss": opts.loss, **({} if opts.bias else {"bias": False})}
    probe = {"network": shape, "learning_rate": lr, "parameters": {}, "samples": [{}]}
    try:
        build_problem(probe, "bpcalc new")
    except ProblemError as e:
        for place, option in OPTIONS.items():
            if e.place.startswith(place):
                raise BpcalcError(f"{option}: {e.message}") from None
        if not e.place.startswith(("parameters", "samples")):
            raise
    return Network(tuple(layers), tuple(acts), opts.loss, opts.bias), lr


def new_problem(opts: NewOptions) -> NewProblem:
    if not 1 <= opts.samples <= MAX_SAMPLES:
        raise BpcalcError(f"--samples: expected a number of samples from 1 to {MAX_SAMPLES}, got {opts.samples}")
    net, lr = _network(opts)
    shape = "-".join(map(str, net.layers))
    title = f"{shape} network, {', '.join(net.activations)}, {net.loss_name}"
    if opts.template:
        data: dict[str, Any] = {
            "title": title,
            "notes": "template: write a number in place of every null (bpcalc run names the ones left)",
            "network": network_dict(net),
            "learning_rate": lr,
            "parameters": {n: None for n in net.param_names},
            "samples": [{k: None for k in net.input_names + net.target_names} for _ in range(opts.samples)],
        }
        return NewProblem(problem_json(data, net), None)
    settings = Settings(net, lr, opts.samples)
    notes = f"hand-friendly values drawn with seed {opts.seed} (bpcalc new)"
    d = search(settings, opts.seed, Bounds(), "bpcalc new", title, notes, NEW_DRAWS)
    return NewProblem(problem_json(d.data, net), d.quality)
