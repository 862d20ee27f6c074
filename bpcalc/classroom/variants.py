"""Per-student variants of a problem: the same network and settings, new hand-friendly numbers that pass every
quality check, each with its answer key, and a manifest.

Variant k's seed is the k-th number drawn from ``random.Random(seed)``; its values are drawn from
``random.Random(variant seed)`` until a draw passes every check (at most ``MAX_DRAWS`` draws).
Integer draws and exact decimals only, so a seed gives the same variants on every machine.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bpcalc.classroom.files import network_dict, problem_json
from bpcalc.classroom.quality import Bounds, Quality, assess
from bpcalc.classroom.values import draw_parameters, draw_samples
from bpcalc.errors import BpcalcError
from bpcalc.network import Network
from bpcalc.problem import Problem, build_problem

MAX_DRAWS = 2000
MAX_COUNT = 1000
MANIFEST_HEADER = ("variant", "file", "seed", "draws", "quality", "key_json", "key_tex")


@dataclass(frozen=True)
class Settings:
    """What a variant keeps of its problem (everything but the numbers)."""

    network: Network
    learning_rate: Any
    samples: int
    epochs: int = 1
    update: str = "online"
    frozen: tuple[str, ...] = ()
    title: str = ""
    rules: tuple[tuple[str, Any], ...] = ()  # the file's other keys, as written: optimizer, weight_decay, batch_size, ...
    notation: str = "sheet"  # the names the variant files are written in (drawn in the sheet's, then converted)

    @classmethod
    def of(cls, problem: Problem) -> "Settings":
        frozen = tuple(n for n in problem.network.param_names if n in problem.frozen)
        return cls(
            problem.network, problem.learning_rate, len(problem.samples), problem.epochs, problem.update, frozen, problem.title,
            rules_of(problem), problem.notation,
        )


def rules_of(problem: Problem) -> tuple[tuple[str, Any], ...]:
    """What a problem sets beyond the network, the rate, the epochs and the update, as its file writes it."""
    out: list[tuple[str, Any]] = []
    if problem.answer_decimals is not None:
        out.append(("answer_decimals", problem.answer_decimals))
    if problem.update == "minibatch" and problem.batch_size is not None:
        out.append(("batch_size", problem.batch_size))
    if problem.reduction != "mean":
        out.append(("reduction", problem.reduction))
    opt = problem.optimizer
    if opt.name == "momentum":
        out.append(("optimizer", {"name": "momentum", "momentum": opt.momentum, **({"nesterov": True} if opt.nesterov else {})}))
    elif opt.name == "adam":
        out.append(("optimizer", {"name": "adam", "beta1": opt.beta1, "beta2": opt.beta2, "epsilon": opt.epsilon}))
    if problem.weight_decay:
        out.append(("weight_decay", problem.weight_decay))
    return tuple(out)


def problem_data(settings: Settings, rng: random.Random, title: str = "", notes: str = "") -> dict[str, Any]:
    """A problem (as the file's keys) with the settings and newly drawn hand-friendly numbers."""
    net = settings.network
    data: dict[str, Any] = {}
    if title:
        data["title"] = title
    if notes:
        data["notes"] = notes
    data["network"] = network_dict(net)
    data["learning_rate"] = settings.learning_rate
    if settings.epochs != 1:
        data["epochs"] = settings.epochs
    if settings.update != "online":
        data["update"] = settings.update
    data.update(settings.rules)
    if settings.frozen:
        data["frozen"] = list(settings.frozen)
    data["parameters"] = draw_parameters(net, rng)
    data["samples"] = draw_samples(net, settings.samples, rng)
    return data


@dataclass(frozen=True)
class Draw:
    data: dict[str, Any]
    problem: Problem
    quality: Quality
    draws: int  # how many draws it took


def search(settings: Settings, seed: int, bounds: Bounds, source: str, title: str = "", notes: str = "", draws: int = MAX_DRAWS) -> Draw:
    """The first draw from ``random.Random(seed)`` that passes every check; else the last one drawn (not ``ok``)."""
    rng = random.Random(seed)
    found: Draw | None = None
    for n in range(1, draws + 1):
        data = problem_data(settings, rng, title, notes)
        try:
            pr = build_problem(data, source)
            quality = assess(pr, bounds, stop_early=True)
        except BpcalcError:  # a draw the network cannot work (a probability of exactly 0 or 1)
            continue
        found = Draw(data, pr, quality, n)
        if quality.ok:
            return _named(found, settings, source)
    if found is None:
        raise BpcalcError(f"{source}: no workable values found in {draws} draws")
    return _named(Draw(found.data, found.problem, assess(found.problem, bounds), found.draws), settings, source)


def _named(draw: Draw, settings: Settings, source: str) -> Draw:
    """``draw`` (made in the sheet's names) written in the names of the problem it varies."""
    if settings.notation == "sheet":
        return draw
    from bpcalc.convert import convert

    data = convert(draw.data, source, settings.notation)
    return Draw(data, build_problem(data, source), draw.quality, draw.draws)


@dataclass(frozen=True)
class Variant:
    id: str
    seed: int
    draw: Draw


def variant_seeds(seed: int, count: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(2**32) for _ in range(count)]


def make_variants(base: Problem, count: int, seed: int, bounds: Bounds = Bounds(), draws: int = MAX_DRAWS) -> list[Variant]:
    """``count`` variants of ``base``, each passing every quality check; a BpcalcError when one cannot be found."""
    if not 1 <= count <= MAX_COUNT:
        raise BpcalcError(f"--count: expected a number of variants from 1 to {MAX_COUNT}, got {count}")
    settings = Settings.of(base)
    width = max(2, len(str(count)))
    out = []
    for k, s in enumerate(variant_seeds(seed, count), 1):
        vid = f"v{k:0{width}d}"
        title = f"{base.title} (variant {vid})" if base.title else f"Variant {vid}"
        notes = f"variant {vid} of {Path(base.source).name}, seed {s}: made by bpcalc variants"
        d = search(settings, s, bounds, f"{vid}.json", title, notes, draws)
        if not d.quality.ok:
            raise BpcalcError(
                f"{base.source}: variant {vid}: no draw of {draws} passed every quality check "
                f"(the last failed {', '.join(d.quality.failed)}); the network may not be workable by hand at these bounds"
            )
        out.append(Variant(vid, s, d))
    return out


def answer_key(problem: Problem, fmt: str, precision: int = 3) -> str:
    """The problem's answer key in a registered format (latex, json, ...), as `bpcalc run --format FMT` writes it."""
    from bpcalc.evaluate import train
    from bpcalc.render.formats import FORMATS, PrintOptions
    from bpcalc.worksheet import View

    from bpcalc.notations import notation_for

    view = View(precision, notation=notation_for(problem.network, problem.notation))  # as `bpcalc run` prints the file
    return str(FORMATS[fmt].run_printer()(train(problem), view, PrintOptions()))


def answer_key_tex(problem: Problem, precision: int) -> str:
    return answer_key(problem, "latex", precision)


def answer_key_json(problem: Problem) -> str:
    return answer_key(problem, "json")


def write_variants(variants: list[Variant], out: Path, precision: int) -> Path:
    """Each variant's problem file and answer keys (JSON, LaTeX) in ``out``, and ``manifest.csv``; the manifest's path."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BpcalcError(f"{out}: cannot make the directory: {e.strerror}") from None
    rows = []
    for v in variants:
        files = {
            f"{v.id}.json": problem_json(v.draw.data, v.draw.problem.network),
            f"{v.id}-key.json": answer_key_json(v.draw.problem),
            f"{v.id}-key.tex": answer_key_tex(v.draw.problem, precision),
        }
        for name, text in files.items():
            _write(out / name, text)
        rows.append((v.id, f"{v.id}.json", v.seed, v.draw.draws, "pass" if v.draw.quality.ok else "fail", f"{v.id}-key.json", f"{v.id}-key.tex"))
    manifest = out / "manifest.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MANIFEST_HEADER)
    w.writerows(rows)
    _write(manifest, buf.getvalue())
    return manifest


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise BpcalcError(f"{path}: cannot write: {e.strerror}") from None
