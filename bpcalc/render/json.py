"""The stable JSON shape for graders: `run` and `derive` results at full precision."""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any, Iterable, Iterator

from bpcalc.evaluate import Run, SampleResult
from bpcalc.render.numbers import full

# json.dumps escapes C0 controls itself; these it leaves raw with ensure_ascii=False
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]")

SECTIONS = ("forward", "gradients", "updates", "parameters")


def run_dict(run: Run, show: tuple[str, ...] = SECTIONS, sample: int | None = None, epoch: int | None = None) -> dict[str, Any]:
    """The JSON object of a run, from the worksheet's flat walk of values; ``show``, ``sample`` and ``epoch`` leave out sections, samples and epochs."""
    out = head_dict(run)
    out["samples"] = [sample_entry(run, r, show) for r in run.results if _chosen(r, sample, epoch)]
    out.update(tail_dict(run, show, epoch))
    return out


def _chosen(r: SampleResult, sample: int | None, epoch: int | None) -> bool:
    return (sample is None or r.sample == sample) and (epoch is None or r.epoch == epoch)


def head_dict(run: Run, chains: bool = True) -> dict[str, Any]:
    """What comes before the samples: the problem, its network and the chain of every parameter (``chains``: else left
    empty, for its keys alone)."""
    m = run.math
    pr = run.problem
    net = pr.network
    return {
        "title": pr.title,
        "network": {
            "layers": list(net.layers),
            "activations": list(net.activations),
            "loss": net.loss_name,
            "bias": net.bias,
        },
        "learning_rate": full(pr.learning_rate),
        "update": pr.update,
        "epochs": pr.epochs,
        "optimizer": pr.optimizer.as_dict(),
        "weight_decay": full(pr.weight_decay),
        "batch_size": pr.batch_size_of(),
        "reduction": pr.reduction,
        "frozen": [n for n in net.param_names if n in pr.frozen],
        "mode": m.name if m.name != "rounded" else f"rounded:{m.decimals}",
        **({"round_steps": m.decimals} if m.name == "rounded" else {}),
        **({"digits": m.digits} if m.name == "exact" else {}),
        "chains": {p.name: list(net.chain(p)) for p in net.params} if chains else {},
    }


def tail_dict(run: Run, show: tuple[str, ...] = SECTIONS, epoch: int | None = None) -> dict[str, Any]:
    """What comes after the samples (once the run is done): the final parameters, and each epoch's totals."""
    m = run.math
    out: dict[str, Any] = {}
    if "parameters" in show:
        out["parameters_final"] = {k: finite(m.to_float(v)) for k, v in run.final.items()}
    out["epoch_totals"] = [
        {
            "epoch": e.epoch,
            "loss_sum": finite(m.to_float(e.loss_sum)),
            "loss_mean": finite(m.to_float(e.loss_mean)),
            "gradient_mean": {k: finite(m.to_float(v)) for k, v in e.gradient_mean.items()},
        }
        for e in run.epochs
        if epoch is None or e.epoch == epoch
    ]
    return out


def sample_entry(run: Run, r: SampleResult, show: tuple[str, ...] = SECTIONS) -> dict[str, Any]:
    """One sample's JSON object, from the worksheet's flat walk of its values."""
    from bpcalc.worksheet import View, values

    m = run.math
    entry: dict[str, Any] = {
        "epoch": r.epoch,
        "sample": r.sample,
        "inputs": {k: full(v) for k, v in r.inputs.items()},
        "targets": {k: full(v) for k, v in r.targets.items()},
    }
    for v in values(Run(run.problem, m, [r]), View(show=show)):
        x = finite(m.to_float(v.value))
        if v.group == "loss":
            entry["loss"] = x
        elif v.group.startswith("update."):
            entry.setdefault("update", {}).setdefault(v.group[len("update."):], {})[v.key] = x
        else:
            entry.setdefault(v.group, {})[v.key] = x
    entry["updated"] = r.update is not None
    if "update" in entry:  # after the per-sample groups, as before
        entry["update"] = entry.pop("update")
    if m.name == "exact":
        entry["exact"] = exact_entry(r, m, show)
    return entry


def run_keys(run: Run) -> tuple[set[str], set[str]]:
    """The keys :func:`run_dict` gives at the top and in a sample, without working any sample (cheap for big networks)."""
    from bpcalc.worksheet import GROUP_SECTION

    top = set(head_dict(run, chains=False)) | {"samples", "parameters_final", "epoch_totals"}
    sample = {"epoch", "sample", "inputs", "targets", "updated"} | {g.partition(".")[0] for g in GROUP_SECTION}
    return top, sample | ({"exact"} if run.math.name == "exact" else set())


def run_json(run: Run, view: Any, options: Any = None) -> str:
    """The `run --format json` printer."""
    return dumps(run_dict(run, view.show, view.sample, view.epoch))


def run_json_stream(run: Run, results: Iterable[SampleResult], view: Any) -> Iterator[str]:
    """The `run --format json` text in pieces, sample by sample as ``results`` makes them (none of them kept):
    the same text as :func:`run_json` of the finished run. The first sample is made before anything is given,
    so that a problem that fails at once gives no text."""
    show = view.show
    chosen = (r for r in results if _chosen(r, view.sample, view.epoch))
    first = next(chosen, None)
    head = dumps({**head_dict(run), "samples": _MARK})
    yield head[: head.rindex(json.dumps(_MARK))] + ("[]" if first is None else "[\n")
    if first is not None:
        for i, r in enumerate(itertools.chain([first], chosen)):
            yield ("" if i == 0 else ",\n") + _indent(dumps(sample_entry(run, r, show))[:-1], "    ")
        yield "\n  ]"
    # the keys after the samples as they sit in the whole object (",\n  \"parameters_final\": …\n}\n", or "\n}\n")
    yield dumps({"x": None, **tail_dict(run, show, view.epoch)})[len('{\n  "x": null'):]


_MARK = "\u0000bpcalc-samples\u0000"  # stands for the samples, the head's last key, while the head is written


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line for line in text.split("\n"))


def exact_entry(r: Any, m: Any, show: tuple[str, ...] = SECTIONS) -> dict[str, Any]:
    """Exact mode: every value as a decimal string to the chosen digits, and the closed forms (SymPy syntax) kept."""
    from bpcalc.render.sheet import plain_str
    from bpcalc.render.values import Numbers

    n = Numbers(m)
    groups: dict[str, Any] = {}
    if "forward" in show:
        groups.update(forward=r.pass_.forward, loss={"loss": r.pass_.loss})
    if "gradients" in show:
        groups["gradients"] = r.pass_.gradients
    if "parameters" in show:
        groups["parameters_after"] = r.after
    decimals: dict[str, Any] = {}
    closed: dict[str, Any] = {}
    for key, values in groups.items():
        dec = {k: n.full(v) for k, v in values.items()}
        forms = {k: plain_str(q) for k, v in values.items() if (q := m.closed_form(v)) is not None and not q.is_Rational}
        decimals[key] = dec["loss"] if key == "loss" else dec
        if key == "loss":
            if forms:
                closed[key] = forms["loss"]
        elif forms:
            closed[key] = forms
    return {"decimals": decimals, "closed_forms": closed}


def finite(x: float) -> float | None:
    """JSON has no NaN or Infinity: those become null; and no negative zero."""
    return x + 0.0 if math.isfinite(x) else None


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON; characters that act on a terminal (C1 controls, bidi overrides, line separators) written as
    \\u escapes, so a title from a file cannot reorder or hide what a terminal shows (the value is the same)."""
    return safe(_encode(data, "") + "\n")


def safe(text: str) -> str:
    """JSON text with the characters that act on a terminal written as \\u escapes (as :func:`dumps` writes them)."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


_BIG = 256  # a list or object with more items than this is written item by item


def _encode(value: Any, pad: str) -> str:
    """``json.dumps(value, indent=2)`` as it sits ``pad`` deep, the same text; big lists and objects are written item by
    item (the encoder's one list of every piece of a big report took more memory than the report)."""
    inner = pad + "  "
    if isinstance(value, list) and len(value) > _BIG:
        return "[\n" + ",\n".join(inner + _encode(v, inner) for v in value) + "\n" + pad + "]"
    if isinstance(value, dict) and len(value) > _BIG and all(isinstance(k, str) for k in value):
        items = (inner + json.dumps(k, ensure_ascii=False) + ": " + _encode(v, inner) for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    return text.replace("\n", "\n" + pad) if pad else text
