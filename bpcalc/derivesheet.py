"""The worksheet of one parameter's derivation (`bpcalc derive`), free of any format: chain, forms, deltas, values.

Built once from a :class:`~bpcalc.derive.DeriveResult`; the derive printers (text, LaTeX, Markdown,
CSV, JSON) all walk it. Symbolic forms stay SymPy expressions and numbers stay numbers: printers
write them. Names are structured (:mod:`bpcalc.names`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from bpcalc import names as N
from bpcalc.derive import ChainSum, DeriveResult
from bpcalc.names import SHEET, Name, Notation
from bpcalc.render.values import Numbers


@dataclass(frozen=True)
class FactorRow:
    name: Name  # dL/dy, dH1/dα_H1, ...
    sheet: Any  # as the sheet writes it (SymPy)
    simple: Any  # in the forward pass's own quantities (SymPy)


@dataclass(frozen=True)
class DeriveSample:
    epoch: int
    sample: int
    label: str  # "1", or "2.1" (epoch.sample) when there are epochs
    heading: str  # "sample 1", "epoch 2, sample 1"
    factors: tuple[Any, ...]  # each chain factor's value, in chain order
    values: tuple[tuple[Name, Any], ...]  # every symbol of the gradient and its deltas, in chain order
    gradient: Any
    paths: tuple[tuple[Any, ...], ...] = ()  # a shared bias: each unit's chain's factor values (see DerivationSheet.paths)

    @property
    def chains(self) -> tuple[tuple[Any, ...], ...]:
        """The factor values of each chain of the gradient's sum (one chain: ``factors``)."""
        return self.paths or (self.factors,)


@dataclass(frozen=True)
class DerivationSheet(ChainSum):
    title: str  # the problem's ("" without one)
    summary: tuple[str, ...]  # "2-3-1 network", "activations tanh, sigmoid", "loss bce"
    param: Name
    target: Name  # dL/dparam
    factors: tuple[FactorRow, ...]
    product: Any  # the simplified gradient (SymPy)
    deltas: tuple[tuple[Name, Any], ...]  # δ definitions the product uses, outermost first
    samples: tuple[DeriveSample, ...]
    numbers: Numbers | None  # None without a problem
    mode_note: str
    result: DeriveResult
    notation: Notation = SHEET
    # a bias shared by a layer's units: dL/db is the sum over them of each unit's chain (``factors`` holds
    # every factor once); ``paths`` the factors of each chain, ``terms`` each chain's simplified product
    paths: tuple[tuple[FactorRow, ...], ...] = ()
    terms: tuple[Any, ...] = ()


def _name(key: str, known: Mapping[str, Name] | None = None) -> Name:
    n = known.get(key) if known else None
    n = n if n is not None else SHEET.parse(key)
    if n is None:
        raise ValueError(f"not a name of the sheet notation: {key!r}")
    return n


def build(d: DeriveResult, precision: int = 3, notation: Notation | None = None) -> DerivationSheet:
    """The derivation's sheet (``d`` already holds only the samples asked for); names spelled in ``notation`` (default: d's)."""
    notation = notation or d.notation or SHEET
    from bpcalc.worksheet import mode_note

    pd = d.param
    net = d.network
    param = _name(pd.param)
    from bpcalc.notations import respeller  # the symbolic forms in the notation's names too

    respelled = respeller(notation, d.names)

    factors = tuple(FactorRow(_name(f.key), respelled(f.sheet), respelled(f.simple)) for f in pd.factors)
    row = {f.key: r for f, r in zip(pd.factors, factors)}
    paths = tuple(tuple(row[f.key] for f in path) for path in pd.paths)
    p = net.param_index[pd.param]
    tail = f"d{p.target.pre}/d{p.name}"  # a shared bias: every unit's dα/db is the same bias input as the first's
    samples = []
    note = ""
    numbers = None
    if d.run is not None:
        numbers = Numbers(d.run.math, precision)
        note = mode_note(d.run)
        epochs = d.problem.epochs > 1
        results = {(r.epoch, r.sample): r for r in d.run.results}
        named: dict[str, Name] = {}  # every sample has the same symbols: each named once
        for s in d.raw:
            r = results[(s["epoch"], s["sample"])]
            values = r.pass_.factors
            value = {f.key: values[f.key] if f.key in values else values[tail] for f in pd.factors}
            samples.append(
                DeriveSample(
                    s["epoch"],
                    s["sample"],
                    f"{s['epoch']}.{s['sample']}" if epochs else str(s["sample"]),
                    f"epoch {s['epoch']}, sample {s['sample']}" if epochs else f"sample {s['sample']}",
                    tuple(value[f.key] for f in pd.factors),
                    tuple((named.get(k) or named.setdefault(k, _name(k, d.names)), v) for k, v in s["values"].items()),
                    s["gradient"],
                    tuple(tuple(value[f.key] for f in path) for path in pd.paths),
                )
            )
    return DerivationSheet(
        d.problem.title if d.problem is not None else "",
        (f"{'-'.join(map(str, net.layers))} network", f"activations {', '.join(net.activations)}", f"loss {net.loss_name}"),
        param,
        N.factor(N.LOSS, param),
        factors,
        respelled(pd.product),
        tuple((_name(n, d.names), respelled(e)) for n, e in pd.deltas),
        tuple(samples),
        numbers,
        note,
        d,
        notation,
        paths,
        tuple(respelled(t) for t in pd.terms),
    )


SECTION_OF = {"input": "input", "target": "target", "weight": "parameter", "bias": "parameter", "delta": "delta"}


def values(sheet: DerivationSheet) -> Iterator[tuple[int, int, str, str, Any]]:
    """The flat walk of a derivation's values: (epoch, sample, section, key, value), then each sample's gradient."""
    for s in sheet.samples:
        for n, v in s.values:
            yield (s.epoch, s.sample, SECTION_OF.get(n.kind, "forward"), n.key, v)
        yield (s.epoch, s.sample, "gradient", sheet.param.key, s.gradient)
