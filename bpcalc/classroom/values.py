"""Hand-friendly random values for a network: weights in steps of 0.05, biases in tenths, small whole inputs.

Every draw comes from one seeded ``random.Random`` and integer choices only (no floats), so the
same seed gives the same values on every machine and Python version.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpcalc.network import Network

BOUNDED = ("sigmoid", "tanh", "softmax")  # activations whose outputs stay within [-1, 1]


@dataclass(frozen=True)
class Ranges:
    """What a hand-friendly value may be."""

    reach: Decimal = Decimal("2.5")  # a unit's weights are sized so that |pre-activation| stays near this
    bias: int = 3  # biases from -0.3 to 0.3 in tenths
    inputs: int = 3  # inputs are whole numbers from -3 to 3, never 0 (a 0 input leaves its weights' gradients at 0)


HAND = Ranges()


def _steps(rng: random.Random, most: int, step: Decimal, zero: bool) -> Decimal:
    choices = [k for k in range(-most, most + 1) if zero or k]
    return rng.choice(choices) * step


def weight_steps(net: Network, layer: int, ranges: Ranges = HAND) -> int:
    """The largest weight into ``layer``, in steps of 0.05: smaller where a unit has many or large inputs."""
    fan_in = net.layers[layer - 1]
    size = ranges.inputs if layer == 1 else (1 if net.activations[layer - 2] in BOUNDED else 2)
    return max(2, min(20, int(ranges.reach / (fan_in * size) / Decimal("0.05"))))


def draw_parameters(net: Network, rng: random.Random, ranges: Ranges = HAND) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for p in net.params:
        if p.is_bias:
            out[p.name] = _steps(rng, ranges.bias, Decimal("0.1"), True)
        else:
            out[p.name] = _steps(rng, weight_steps(net, p.target.layer, ranges), Decimal("0.05"), False)
    return {k: v.normalize() if v else Decimal(0) for k, v in out.items()}


def draw_targets(net: Network, rng: random.Random) -> dict[str, Any]:
    names = net.target_names
    out_act = net.activations[-1]
    if net.loss_name == "ce":
        hot = rng.randrange(len(names))
        return {t: int(i == hot) for i, t in enumerate(names)}
    if net.loss_name == "bce":
        return {t: rng.randint(0, 1) for t in names}
    if out_act == "sigmoid":
        return {t: Decimal(rng.randint(1, 9)).scaleb(-1) for t in names}
    if out_act == "tanh":
        return {t: Decimal(rng.choice([k for k in range(-9, 10) if k])).scaleb(-1) for t in names}
    return {t: Decimal(rng.randint(-20, 20)).scaleb(-1).normalize() for t in names}


def draw_samples(net: Network, count: int, rng: random.Random, ranges: Ranges = HAND) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        sample: dict[str, Any] = {f: rng.choice([k for k in range(-ranges.inputs, ranges.inputs + 1) if k]) for f in net.input_names}
        sample.update(draw_targets(net, rng))
        out.append(sample)
    return out
