"""Read a problem file (JSON) into a validated, immutable Problem; every fault names file and place."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Union

from bpcalc.errors import ProblemError
from bpcalc.functions import ACTIVATIONS, LOSSES, PARAMETERS, spec
from bpcalc.jsontext import NonFinite, Unreadable, parse_json, place
from bpcalc.network import Network
from bpcalc.optim import SGD_SETTINGS, Optimizer, parse_optimizer

Num = Union[int, Decimal]  # numbers exactly as written in the file

TOP_KEYS = {"title", "network", "learning_rate", "epochs", "update", "parameters", "frozen", "samples", "answer_decimals", "notation", "weights", "biases", "layout"}
TOP_KEYS |= {"optimizer", "weight_decay", "batch_size", "reduction"}  # update rules (bpcalc.optim)
INFO_KEYS = {"$schema", "source", "notes", "description"}
NETWORK_KEYS = {"layers", "activations", "loss", "bias"}
UPDATES = ("online", "batch", "minibatch")
REDUCTIONS = ("mean", "sum")
MAX_EPOCHS = 100_000  # a sheet has a few; more only makes output nobody reads
MAX_PARAMETERS = 100_000  # weights and biases in all: small dense networks, worked by hand
MAX_PARAMETER_DIGITS = 200  # digits of an activation's parameter (slope, a, b): exact arithmetic carries them
MAX_ANSWER_DECIMALS = 15  # `bpcalc check`'s answer precision: a double has no more
# every sample pass and every step of it is worked and kept: these keep time and memory bounded (seconds, < 1 GB)
MAX_PASSES = 20_000  # epochs × samples
MAX_STEPS = 100_000  # epochs × samples × parameters
STREAMED_PASSES = 100_000  # the same bounds when no sample is kept (`run --format json` writes each as it is made)
STREAMED_STEPS = 2_000_000  # about 30 s and 500 MB of JSON; memory stays that of one sample and the epoch totals
MAX_BYTES = 16 * 1024 * 1024  # any input file (problem or answers, also stdin, a link or a device): a sheet is a few KB


@dataclass(frozen=True)
class Sample:
    inputs: dict[str, Num]
    targets: dict[str, Num]


@dataclass(frozen=True)
class Problem:
    source: str
    title: str
    network: Network
    learning_rate: Num
    parameters: dict[str, Num]  # in the network's parameter order
    samples: tuple[Sample, ...]
    epochs: int = 1
    update: str = "online"
    frozen: frozenset[str] = frozenset()
    answer_decimals: int | None = None  # `bpcalc check`: the precision a written value earns at most (None: the default)
    notation: str = "sheet"  # the file's names (bpcalc.notations); keys here are the sheet's whatever it says
    optimizer: Optimizer = SGD_SETTINGS  # how parameters move on their gradients (bpcalc.optim)
    weight_decay: Num = 0  # λ: each update's objective adds (λ/2)·Σw² over the weights (never the biases)
    batch_size: int | None = None  # samples per update with "minibatch" updates (the last batch may be shorter)
    reduction: str = "mean"  # how a batch's gradients combine: their mean or their sum

    def batch_size_of(self) -> int:
        """Samples per update: 1 online, all of them in batch updates, ``batch_size`` in mini-batches."""
        if self.update == "online":
            return 1
        if self.update == "batch":
            return len(self.samples)
        return min(self.batch_size or 1, len(self.samples))


def _describe(value: Any) -> str:
    if isinstance(value, NonFinite):
        return "a non-finite value"
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, (int, Decimal)):
        return _short(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if value is None:
        return "null"
    return str(value)


def _short(value: Num) -> str:
    """A number for an error message: as written, or in scientific notation when it is very long."""
    text = str(value) if not isinstance(value, int) or value.bit_length() < 100 else "?" * 25
    return text if len(text) <= 24 else f"{Decimal(value):.6e}"


QUOTED = 60  # characters of file text quoted in an error message


def quoted(text: str) -> str:
    """File text in an error message: in quotes, cut to QUOTED characters (the CLI escapes what is unsafe)."""
    cut = text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"
    return json.dumps(cut, ensure_ascii=False)


# what people write for numbers that JSON does not read: unicode minus, other digits, separators, ∞
_NUMBERISH = re.compile(r"\s*[-+−–‐]?\s*(?:[\d٫.,' _]+(?:[eE][-+−]?\d+)?|∞|inf(?:inity)?|nan)\s*%?\s*", re.I)


def read_text(path: str, what: str = "a JSON problem file") -> tuple[str, str]:
    """(text, display name) of a file, or of stdin for '-'; at most MAX_BYTES, read as UTF-8; ``what`` names
    what the file should be, for errors."""
    if path == "-":
        import sys

        raw = getattr(sys.stdin, "buffer", None)
        if raw is None:
            text = sys.stdin.read(MAX_BYTES + 1)
            if len(text) > MAX_BYTES:
                raise ProblemError("<stdin>", "", _too_big())
            return text, "<stdin>"
        return _decode(raw.read(MAX_BYTES + 1), "<stdin>", what), "<stdin>"
    try:
        with open(path, "rb") as f:  # a link is followed; a device such as /dev/zero is read only as far as the cap
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ProblemError(path, "", "no such file") from None
    except IsADirectoryError:
        raise ProblemError(path, "", f"is a directory, expected {what}") from None
    except (OSError, ValueError) as e:
        raise ProblemError(path, "", f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    return _decode(data, path, what), path


def _too_big() -> str:
    return f"larger than {MAX_BYTES // (1024 * 1024)} MiB; a problem or answers file is a few KB"


def _decode(data: bytes, source: str, what: str = "a JSON problem file") -> str:
    if len(data) > MAX_BYTES:
        raise ProblemError(source, "", _too_big())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProblemError(source, f"byte {e.start}", f"not UTF-8 text, expected {what}") from None


def number(value: Any, source: str, place: str, what: str = "a number") -> Num:
    """A finite number as written (int or Decimal), else a ProblemError naming the place."""
    if isinstance(value, float) and not isinstance(value, NonFinite) and math.isfinite(value):
        value = Decimal(repr(value))  # a problem built in Python rather than read from a file
    if isinstance(value, str) and _NUMBERISH.fullmatch(value) and any(c.isdigit() or c in "∞" for c in value) or (
        isinstance(value, str) and value.strip().lower() in ("inf", "infinity", "nan", "-inf", "-infinity")
    ):
        raise ProblemError(
            source, place, f"expected {what}, got the text {quoted(value)}; write it as a JSON number: ASCII digits and minus, no quotes or separators"
        )
    if isinstance(value, Unreadable):
        raise ProblemError(source, place, f"expected {what}, got {value} (an exponent too large to read)")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or isinstance(value, NonFinite):
        raise ProblemError(source, place, f"expected {what}, got {_describe(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ProblemError(source, place, f"expected {what}, got a non-finite value")
    try:
        too_large = not math.isfinite(float(value))
    except OverflowError:  # an int beyond the range of a double
        too_large = True
    if too_large:
        raise ProblemError(source, place, f"expected {what}, got {_short(value)} (too large for a double)")
    return value


def load_problem(path: str) -> Problem:
    text, source = read_text(path)
    return parse_problem(text, source)


def parse_problem(text: str, source: str) -> Problem:
    data = parse_json(text, source)
    return build_problem(data, source)


def build_problem(data: Any, source: str) -> Problem:
    def bad(place: str, message: str) -> ProblemError:
        return ProblemError(source, place, message)

    if not isinstance(data, dict):
        raise bad("", f"expected a JSON object with keys network, learning_rate, parameters, samples; got {_describe(data)}")
    for key in data:
        if key not in TOP_KEYS and key not in INFO_KEYS:
            if re.fullmatch(r"[Ww]\d+|[Bb]\d+|dW\d+", key):
                raise bad(place("", key), 'unknown key; weight matrices go in "weights": [W1, W2, ...] with "biases" and "layout" (see README, Weights as matrices)')
            raise bad(place("", key), f"unknown key{_near(key, TOP_KEYS)}; expected one of {', '.join(sorted(TOP_KEYS))}")
    for key in ("source", "description"):
        if key in data and not isinstance(data[key], str):
            raise bad(key, f"expected a string, got {_describe(data[key])}")
    for key in ("network", "learning_rate", "samples"):
        if key not in data:
            raise bad(key, "missing; a problem needs network, learning_rate, parameters and samples")
    notation = _notation(data, bad)

    title = data.get("title", "")
    if not isinstance(title, str):
        raise bad("title", f"expected a string, got {_describe(title)}")
    net = _network(data["network"], source, bad)

    lr = number(data["learning_rate"], source, "learning_rate", "a positive number")
    if lr <= 0:
        raise bad("learning_rate", f"expected a positive number, got {_short(lr)}")
    _unfilled(data, bad)

    epochs = data.get("epochs", 1)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise bad("epochs", f"expected a whole number of at least 1, got {_describe(epochs)}")
    if epochs > MAX_EPOCHS:
        raise bad("epochs", f"expected at most {MAX_EPOCHS:,} epochs, got {_short(epochs)}")
    update = data.get("update", "online")
    if update not in UPDATES:
        raise bad("update", f"expected \"online\", \"batch\" or \"minibatch\", got {_describe(update)}")
    rules = _rules(data, update, source, bad)

    answer_decimals = data.get("answer_decimals")
    if answer_decimals is not None and (
        isinstance(answer_decimals, bool) or not isinstance(answer_decimals, int) or not 0 <= answer_decimals <= MAX_ANSWER_DECIMALS
    ):
        raise bad("answer_decimals", f"expected a whole number from 0 to {MAX_ANSWER_DECIMALS}, got {_describe(answer_decimals)}")

    from bpcalc.matrices import from_matrices

    params = from_matrices(data, net, source, bad) if "weights" in data else _parameters(data["parameters"], net, source, bad, notation)
    frozen = _frozen(data.get("frozen", []), net, bad, notation)
    samples = _samples(data["samples"], net, source, bad)
    return Problem(source, title, net, lr, params, samples, epochs, update, frozen, answer_decimals, notation, **rules)


def _notation(data: dict[str, Any], bad: Any) -> str:
    """The file's notation, and either parameters or weights (with biases and layout), never both."""
    from bpcalc.notations import NOTATIONS

    notation = data.get("notation", "sheet")
    if not isinstance(notation, str) or notation not in NOTATIONS:
        raise bad("notation", f"unknown notation {_describe(notation)}{_near(notation, NOTATIONS)}; expected one of {', '.join(NOTATIONS)}")
    if "weights" in data and "parameters" in data:
        raise bad("weights", "given with parameters; write the parameters either by name or as weights and biases matrices, not both")
    if "weights" not in data and "parameters" not in data:
        raise bad("parameters", "missing; a problem needs network, learning_rate, parameters (or weights and biases) and samples")
    if "weights" not in data:
        for key in ("biases", "layout"):
            if key in data:
                raise bad(key, "only with weights (the parameters as matrices)")
    return notation


def work_bounded(problem: Problem, streamed: bool = False) -> None:
    """The step-by-step engine works every sample pass and, unless ``streamed``, keeps them: refuse a problem past
    the bounds (seconds and < 1 GB kept; streamed, about half a minute).

    (`bpcalc train` and `tune` are vectorised and keep only the losses: they do not need this.)"""
    epochs, count = problem.epochs, len(problem.samples)
    passes = epochs * count
    steps = passes * len(problem.network.param_names)
    max_passes, max_steps = (STREAMED_PASSES, STREAMED_STEPS) if streamed else (MAX_PASSES, MAX_STEPS)
    if passes > max_passes or steps > max_steps:
        raise ProblemError(
            problem.source,
            "epochs" if epochs > 1 else "samples",
            f"{epochs:,} epochs × {count:,} samples × {len(problem.network.param_names):,} parameters = {steps:,} steps;"
            f" bpcalc works at most {max_passes:,} sample passes and {max_steps:,} steps"
            + ("" if streamed else f" ({STREAMED_STEPS:,} with `run --format json`, which keeps no sample)"),
        )


def _rules(data: dict[str, Any], update: str, source: str, bad: Any) -> dict[str, Any]:
    """optimizer, weight_decay, batch_size and reduction, checked against the update they go with."""
    out: dict[str, Any] = {}
    if "optimizer" in data:
        out["optimizer"] = parse_optimizer(data["optimizer"], lambda v, where, what: number(v, source, where, what), bad, _describe)
    if "weight_decay" in data:
        decay = number(data["weight_decay"], source, "weight_decay", "a number of at least 0 (λ)")
        if decay < 0:
            raise bad("weight_decay", f"expected a number of at least 0 (λ), got {decay}")
        out["weight_decay"] = decay
    if "batch_size" in data:
        size = data["batch_size"]
        if update != "minibatch":
            raise bad("batch_size", f'a batch size goes with "update": "minibatch" (this problem\'s update is "{update}")')
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise bad("batch_size", f"expected a whole number of at least 1, got {_describe(size)}")
        out["batch_size"] = size
    elif update == "minibatch":
        raise bad("batch_size", 'missing; "update": "minibatch" needs a batch size (samples per update)')
    if "reduction" in data:
        reduction = data["reduction"]
        if reduction not in REDUCTIONS:
            raise bad("reduction", f'expected "mean" or "sum", got {_describe(reduction)}')
        if update == "online":
            raise bad("reduction", 'a reduction goes with "batch" or "minibatch" updates (online updates take one sample each)')
        out["reduction"] = reduction
    return out


def _network(raw: Any, source: str, bad: Any) -> Network:
    if not isinstance(raw, dict):
        raise bad("network", f"expected an object with layers, activations and loss, got {_describe(raw)}")
    for key in raw:
        if key not in NETWORK_KEYS:
            raise bad(place("network", key), f"unknown key{_near(key, NETWORK_KEYS)}; expected one of {', '.join(sorted(NETWORK_KEYS))}")
    for key in ("layers", "activations", "loss"):
        if key not in raw:
            raise bad(f"network.{key}", "missing")
    layers = raw["layers"]
    if not isinstance(layers, list) or len(layers) < 2:
        raise bad("network.layers", f"expected a list of at least two unit counts (inputs first), got {_describe(layers)}")
    for i, n in enumerate(layers):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise bad(f"network.layers[{i}]", f"expected a positive whole number of units, got {_describe(n)}")
    count = sum(a * b + b for a, b in zip(layers, layers[1:]))  # weights and biases
    if count > MAX_PARAMETERS:
        raise bad("network.layers", f"a {'-'.join(_short(n) for n in layers)} network has {_short(count)} parameters; bpcalc works networks of at most {MAX_PARAMETERS:,}")
    acts = raw["activations"]
    if not isinstance(acts, list) or len(acts) != len(layers) - 1:
        raise bad(
            "network.activations",
            f"expected a list of {len(layers) - 1} activation names (one per layer after the inputs), got {_describe(acts)}"
            + (f" with {len(acts)}" if isinstance(acts, list) else ""),
        )
    acts = [_activation(a, f"network.activations[{i}]", source, bad) for i, a in enumerate(acts)]
    for i, a in enumerate(acts):
        if a == "softmax" and i != len(acts) - 1:
            raise bad(f"network.activations[{i}]", "softmax is allowed on the output layer only")
        if a == "softmax" and layers[-1] < 2:
            raise bad(f"network.activations[{i}]", "softmax needs at least 2 output units")
    loss = raw["loss"]
    if not isinstance(loss, str) or loss not in LOSSES:
        what = "unknown loss " if isinstance(loss, str) else "expected a loss name, got "
        raise bad("network.loss", f"{what}{_describe(loss)}{_near(loss, LOSSES)}; expected one of {', '.join(LOSSES)}")
    bias = raw.get("bias", True)
    if not isinstance(bias, bool) and bias not in ("threshold", "per_layer"):
        raise bad("network.bias", f'expected true or false (or "threshold": θ on a fixed input −1), got {_describe(bias)}; or "per_layer": one bias shared by each layer')
    return Network(tuple(layers), tuple(acts), loss, bias)


def _digits(q: Fraction) -> int:
    return len(str(q.numerator)) + len(str(q.denominator))


def _activation(raw: Any, here: str, source: str, bad: Any) -> str:
    """An activation as the file writes it — a name, or {"name": ..., parameter: value} — in its canonical spelling."""
    names = ", ".join(ACTIVATIONS)
    if isinstance(raw, dict):
        if "name" not in raw:
            raise bad(f"{here}.name", f"missing; an activation object needs its name, one of {names}")
        name = raw["name"]
        if not isinstance(name, str) or name not in ACTIVATIONS:
            what = "unknown activation " if isinstance(name, str) else "expected an activation name, got "
            raise bad(f"{here}.name", f"{what}{_describe(name)}{_near(name, ACTIVATIONS)}; expected one of {names}")
        declared = {p.name: p for p in PARAMETERS.get(name, ())}
        values: dict[str, Fraction] = {}
        for key, value in raw.items():
            if key == "name":
                continue
            where = place(here, key)
            if key not in declared:
                takes = f"takes {', '.join(declared)}" if declared else "takes no parameters"
                raise bad(where, f"unknown parameter of {name}; {name} {takes}")
            param = declared[key]
            q = Fraction(number(value, source, where, param.expected))
            if not param.allowed(q):
                raise bad(where, f"expected {param.expected}, got {_short(value)}")
            if _digits(q) > MAX_PARAMETER_DIGITS:  # exact arithmetic would carry every one of them
                raise bad(where, f"expected {param.expected} of at most {MAX_PARAMETER_DIGITS} digits, got {_short(value)}")
            values[key] = q
        return spec(name, values)
    if not isinstance(raw, str) or raw not in ACTIVATIONS:
        what = "unknown activation " if isinstance(raw, str) else "expected an activation name, got "
        raise bad(here, f"{what}{_describe(raw)}{_near(raw, ACTIVATIONS)}; expected one of {names}")
    return raw


def _parameters(raw: Any, net: Network, source: str, bad: Any, notation: str = "sheet") -> dict[str, Num]:
    from bpcalc.notations import param_keys, resolve

    if not isinstance(raw, dict):
        raise bad("parameters", f"expected an object of parameter values, got {_describe(raw)}")
    shape = "-".join(map(str, net.layers))
    keys = param_keys(net, notation)
    written = dict(zip(net.param_names, keys))
    found: dict[str, Num] = {}
    for key, value in raw.items():
        try:
            name = resolve(net, notation, key).name
        except KeyError:
            raise bad(
                place("parameters", key),
                f"unknown parameter{_near(key, keys)}; the {shape} network{'' if net.bias else ' without biases'}"
                f"{'' if notation == 'sheet' else ' in the ' + notation + ' notation'} has {_names(keys)}",
            ) from None
        if name in found:
            raise bad(place("parameters", key), f"given twice (also as {written[name]})")
        found[name] = number(value, source, place("parameters", key))
    missing = [n for n in net.param_names if n not in found]
    if missing:
        raise bad(f"parameters.{written[missing[0]]}", f"missing; the {shape} network needs {_names(keys)}")
    return {n: found[n] for n in net.param_names}


def _near(word: Any, known: Any) -> str:
    """' (did you mean "w31"?)' for a string near one of ``known``."""
    from bpcalc.suggest import did_you_mean

    return did_you_mean(word, known) if isinstance(word, str) else ""


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 24 else ", ".join(names[:20]) + f", ... ({len(names)} in all)"


def _frozen(raw: Any, net: Network, bad: Any, notation: str = "sheet") -> frozenset[str]:
    from bpcalc.notations import param_keys, resolve

    if not isinstance(raw, list):
        raise bad("frozen", f"expected a list of parameter names, got {_describe(raw)}")
    keys = param_keys(net, notation)
    written = dict(zip(net.param_names, keys))
    out: set[str] = set()
    for i, key in enumerate(raw):
        if not isinstance(key, str):
            raise bad(f"frozen[{i}]", f"expected a parameter name, got {_describe(key)}")
        try:
            name = resolve(net, notation, key).name
        except KeyError:
            raise bad(f"frozen[{i}]", f"unknown parameter {_describe(key)}{_near(key, keys)}; expected one of {_names(keys)}") from None
        if name in out:
            raise bad(f"frozen[{i}]", f"{_describe(key)} is listed twice (also as {written[name]})")
        out.add(name)
    return frozenset(out)


def _samples(raw: Any, net: Network, source: str, bad: Any) -> tuple[Sample, ...]:
    if not isinstance(raw, list) or not raw:
        raise bad("samples", f"expected a non-empty list of samples, got {_describe(raw)}")
    ins, outs = net.input_names, net.target_names
    want = ", ".join(ins + outs)
    probability = net.loss.needs_probability
    out = []
    for i, s in enumerate(raw):
        here = f"samples[{i}]"
        if not isinstance(s, dict):
            raise bad(here, f"expected an object with {want}, got {_describe(s)}")
        if len(outs) == 1 and "t" not in s and "t1" in s:
            s = {("t" if k == "t1" else k): v for k, v in s.items()}
        for key in s:
            if key not in ins and key not in outs:
                raise bad(place(here, key), f"unknown key{_near(key, ins + outs)}; sample {i + 1} of this {len(ins)}-input, {len(outs)}-output network takes {want}")
        for key in ins + outs:
            if key not in s:
                raise bad(f"{here}.{key}", f"missing; sample {i + 1} needs {want}")
        inputs = {k: number(s[k], source, f"{here}.{k}") for k in ins}
        targets = {k: number(s[k], source, f"{here}.{k}", "a number (the target)") for k in outs}
        if probability:
            for k, v in targets.items():
                if not 0 <= v <= 1:
                    raise bad(f"{here}.{k}", f"the {net.loss_name} loss needs a target between 0 and 1, got {_short(v)}")
        out.append(Sample(inputs, targets))
    return tuple(out)


def _unfilled(data: dict[str, Any], bad: Any) -> None:
    """A template's values left to fill in (null), all named in one line; the first is the place."""
    places: list[str] = []
    if isinstance(data.get("parameters"), dict):
        places += [place("parameters", k) for k, v in data["parameters"].items() if v is None]
    if isinstance(data.get("samples"), list):
        for i, s in enumerate(data["samples"]):
            if isinstance(s, dict):
                places += [place(f"samples[{i}]", k) for k, v in s.items() if v is None]
    if len(places) == 1:
        raise bad(places[0], "expected a number, got null (a value left to fill in)")
    if places:
        raise bad(places[0], f"expected a number, got null; {len(places)} values are left to fill in: {', '.join(places)}")
