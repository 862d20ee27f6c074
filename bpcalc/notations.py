"""Textbook notation profiles (global, sequential, layered) beside the sheet's, and the one registry of notations.

A profile is bound to a network (:meth:`Profile.bind`): the same structured :class:`~bpcalc.names.Name`
(the weight from unit 1 to the first unit of the next layer) is ``w11`` in the sheet, ``w14`` in
Han–Kamber–Pei's global numbering, ``w1`` in Mazur's and ``w1_11`` in the layered to-from order.
Each bound notation spells every name as a file key (ASCII), as text and as LaTeX, and reads any of
those spellings back (:meth:`BoundNotation.parse`). Adding a notation is one :class:`Profile`
subclass and one line of :data:`NOTATIONS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Callable, Mapping

from bpcalc import names as N
from bpcalc.names import SHEET, Name, Notation

if TYPE_CHECKING:
    from bpcalc.network import Network, Param, Unit

Spelling = tuple[str, str, str]  # (file key, text, LaTeX)


def _idx(*parts: int) -> str:
    """Indices run together (14), or separated by _ once one reaches 10 (4_12)."""
    wide = any(p >= 10 for p in parts)
    return "_".join(map(str, parts)) if wide else "".join(map(str, parts))


def _tex_idx(*parts: int) -> str:
    wide = any(p >= 10 for p in parts)
    return ",".join(map(str, parts)) if wide else "".join(map(str, parts))


def squeeze(text: str) -> str:
    """A spelling reduced for matching: Greek letters as words, no braces, spaces, carets, underscores or backslashes."""
    out = text.strip()
    for a, b in (("θ", "theta"), ("δ", "delta"), ("β", "b"), ("α", "alpha"), ("ω", "w"), ("∂", "d"), ("·", "")):
        out = out.replace(a, b)
    return re.sub(r"[{}\s^_\\]", "", out)


class Profile:
    """A textbook's notation: how an input, a unit (its output, pre-activation, target, δ), a weight and a bias are spelled."""

    name = ""
    title = ""  # whose notation, for `bpcalc names` and the README
    loss: Spelling = ("L", "L", "L")
    words: tuple[str, ...] = ()  # the course's words for the quantities, said once in `bpcalc names`

    def bind(self, net: "Network") -> "BoundNotation":
        return BoundNotation(self, net)

    def atom(self, net: "Network", n: Name) -> Spelling:
        """(key, text, latex) of a unit, pre-activation, target, delta, weight or bias of ``net``."""
        k = n.kind
        if k == "input":
            return self.input(net, _unit(net, n))
        if k in ("hidden", "output"):
            return self.unit(net, _unit(net, n))["out"]
        if k in ("pre", "target", "delta", "err"):
            got = self.unit(net, _unit(net, n.unit))
            if k in got:
                return got[k]
        if k == "weight":
            return self.weight(net, *_weight_ends(net, n))
        if k in ("bias", "threshold"):
            return self.bias(net, *_bias_layer_unit(net, n))
        raise ValueError(f"no {k} in the {self.name} notation")

    def input(self, net: "Network", u: "Unit") -> Spelling:
        raise NotImplementedError

    def unit(self, net: "Network", u: "Unit") -> dict[str, Spelling]:
        """A non-input unit's spellings: "out" (its output), "pre", "delta", and "target" (output units)."""
        raise NotImplementedError

    def weight(self, net: "Network", source: "Unit", target: "Unit") -> Spelling:
        raise NotImplementedError

    def bias(self, net: "Network", layer: int, unit: "Unit | None") -> Spelling:
        """A unit's bias, or (``unit`` None) its layer's shared one."""
        raise NotImplementedError


class SheetProfile(Profile):
    name = "sheet"
    title = "the seed sheet (bpcalc's default): f1, H1, α_H1, o, y; w{from unit}{to position}; β{unit}"

    def bind(self, net: "Network") -> "BoundNotation":
        return SheetBound(self, net)

    def atom(self, net: "Network", n: Name) -> Spelling:
        return SHEET.key(n), SHEET.text(n), SHEET.latex(n)


@lru_cache(maxsize=64)
def _units(net: "Network") -> tuple[dict[Name, "Unit"], dict[int, "Unit"]]:
    """Units by structured name and by global number (1 = the first input)."""
    every = [u for row in net.units for u in row]
    return {u.id: u for u in every if u.id is not None}, {u.number: u for u in every}


@lru_cache(maxsize=64)
def _sequential(net: "Network") -> dict[tuple[str, int] | tuple[str, int, int], int]:
    """Mazur's numbers: weights w1, w2, ... layer by layer, grouped by target unit (per-unit biases likewise)."""
    out: dict[tuple[str, int] | tuple[str, int, int], int] = {}
    w = b = 0
    for li in range(1, len(net.layers)):
        for t in net.units[li]:
            for s in net.units[li - 1]:
                w += 1
                out[("w", s.number, t.position)] = w
            b += 1
            out[("b", t.number)] = b
    return out


def _unit(net: "Network", n: Name) -> "Unit":
    return _units(net)[0][n]


def _weight_ends(net: "Network", n: Name) -> tuple["Unit", "Unit"]:
    """(source, target) units of a sheet weight name w{source number}{target position}."""
    i, j = n.index
    src = _units(net)[1][i]
    return src, net.units[src.layer + 1][j - 1]


def _bias_layer_unit(net: "Network", n: Name) -> tuple[int, "Unit | None"]:
    """(layer, unit) a bias or threshold belongs to; unit None for a layer's shared bias."""
    k = n.index[0]
    if net.per_layer:
        return k, None
    u = _units(net)[1][k + net.layers[0]]
    return u.layer, u


def _same(key: str, latex: str) -> Spelling:
    """A spelling whose text is its file key."""
    return key, key, latex


class GlobalProfile(Profile):
    name = "global"
    title = "Han, Kamber & Pei (Data Mining §9.2.3), Negnevitsky: units 1..N across the net; w{i}{j} from unit i to unit j; θ{j}"
    loss = ("E", "E", "E")
    words = ("I_j: net input of unit j", "O_j: output of unit j", "Err_j = -δ_j: the book's back-propagated error", "w_ij += η·Err_j·O_i: its update")

    def bind(self, net: "Network") -> "BoundNotation":
        return GlobalBound(self, net)

    def input(self, net: "Network", u: "Unit") -> Spelling:
        return _same(f"x{u.number}", f"x_{{{u.number}}}")

    def unit(self, net: "Network", u: "Unit") -> dict[str, Spelling]:
        j = u.number
        return {
            "out": _same(f"O{j}", f"O_{{{j}}}"),
            "pre": _same(f"I{j}", f"I_{{{j}}}"),
            "target": _same(f"T{j}", f"T_{{{j}}}"),
            "delta": (f"delta{j}", f"δ{j}", f"\\delta_{{{j}}}"),
            "err": _same(f"Err{j}", f"\\mathrm{{Err}}_{{{j}}}"),
        }

    def weight(self, net: "Network", source: "Unit", target: "Unit") -> Spelling:
        i, j = source.number, target.number
        return _same(f"w{_idx(i, j)}", f"w_{{{_tex_idx(i, j)}}}")

    def bias(self, net: "Network", layer: int, unit: "Unit | None") -> Spelling:
        j = unit.number if unit is not None else layer
        return f"theta{j}", f"θ{j}", f"\\theta_{{{j}}}"


def err(unit: Name) -> Name:
    """Han–Kamber–Pei's Err_j of a unit: −δ_j (their error, back-propagated with the opposite sign)."""
    return Name("err", parts=(unit,))


class SequentialProfile(Profile):
    name = "sequential"
    title = "Mazur (A Step by Step Backpropagation Example): w1, w2, ... layer by layer, grouped by target unit; net/out; one bias per layer"
    loss = ("E_total", "E_total", "E_{total}")
    words = ("net_h1: a unit's net input", "out_h1: its output", "E_total: the total error")

    def input(self, net: "Network", u: "Unit") -> Spelling:
        return _same(f"i{u.position}", f"i_{{{u.position}}}")

    def unit(self, net: "Network", u: "Unit") -> dict[str, Spelling]:
        label = f"o{u.position}" if u.layer == len(net.layers) - 1 else f"h{u.number - net.layers[0]}"
        return {
            "out": _same(f"out_{label}", f"out_{{{label}}}"),
            "pre": _same(f"net_{label}", f"net_{{{label}}}"),
            "target": _same(f"target_{label}", f"target_{{{label}}}"),
            "delta": (f"delta_{label}", f"δ_{label}", f"\\delta_{{{label}}}"),
        }

    def weight(self, net: "Network", source: "Unit", target: "Unit") -> Spelling:
        w = _sequential(net)[("w", source.number, target.position)]
        return _same(f"w{w}", f"w_{{{w}}}")

    def bias(self, net: "Network", layer: int, unit: "Unit | None") -> Spelling:
        b = layer if unit is None else _sequential(net)[("b", unit.number)]
        return _same(f"b{b}", f"b_{{{b}}}")


class LayeredProfile(Profile):
    name = "layered"
    title = "Nielsen / Mitchell / Ng: to-from order, inputs layer 0; w{l}_{j}{k} into unit j of layer l from unit k of layer l-1; b{l}_{j}"
    loss = ("C", "C", "C")
    words = ("z^l_j: weighted input", "a^l_j: activation", "δ^l_j = ∂C/∂z^l_j")

    def input(self, net: "Network", u: "Unit") -> Spelling:
        return _same(f"x{u.position}", f"x_{{{u.position}}}")

    def unit(self, net: "Network", u: "Unit") -> dict[str, Spelling]:
        l, j = u.layer, u.position
        return {
            "out": (f"a{l}_{j}", f"a^{l}_{j}", f"a^{{{l}}}_{{{j}}}"),
            "pre": (f"z{l}_{j}", f"z^{l}_{j}", f"z^{{{l}}}_{{{j}}}"),
            "target": _same(f"y{j}", f"y_{{{j}}}"),
            "delta": (f"delta{l}_{j}", f"δ^{l}_{j}", f"\\delta^{{{l}}}_{{{j}}}"),
        }

    def weight(self, net: "Network", source: "Unit", target: "Unit") -> Spelling:
        jk = _idx(target.position, source.position)
        return f"w{target.layer}_{jk}", f"w^{target.layer}_{jk}", f"w^{{{target.layer}}}_{{{_tex_idx(target.position, source.position)}}}"

    def bias(self, net: "Network", layer: int, unit: "Unit | None") -> Spelling:
        if unit is None:
            return f"b{layer}", f"b^{layer}", f"b^{{{layer}}}"
        return f"b{layer}_{unit.position}", f"b^{layer}_{unit.position}", f"b^{{{layer}}}_{{{unit.position}}}"


@dataclass(frozen=True, eq=False)
class BoundNotation:
    """A profile's notation for one network: the :class:`~bpcalc.names.Notation` printers spell names through."""

    profile: Profile
    net: "Network"

    @property
    def name(self) -> str:
        return self.profile.name

    def _atom(self, n: Name) -> Spelling:
        got = self._cache.get(n)
        if got is None:
            got = self._cache[n] = self._spell(n)
        return got

    @cached_property
    def _cache(self) -> dict[Name, Spelling]:
        return {}

    def _spell(self, n: Name) -> Spelling:
        if n.kind == "loss":
            return self.profile.loss
        if n.kind == "factor":
            (tk, tt, tl), (bk, bt, bl) = (self._atom(x) for x in n.parts)
            return f"d{tk}/d{bk}", f"d{tt}/d{bt}", f"\\frac{{\\partial {tl}}}{{\\partial {bl}}}"
        if n.kind == "pre" and n.unit.kind == "output" and self.profile.name == "sheet":
            return SHEET.key(n), SHEET.text(n), SHEET.latex(n)
        return self.profile.atom(self.net, n)

    def key(self, n: Name) -> str:
        return self._atom(n)[0]

    def text(self, n: Name) -> str:
        return self._atom(n)[1]

    def ascii(self, n: Name) -> str:
        return self._atom(n)[0]

    def latex(self, n: Name) -> str:
        return self._atom(n)[2]

    @cached_property
    def atoms(self) -> tuple[Name, ...]:
        """Every unit, pre-activation, target, delta and parameter of the network, in the sheet's order."""
        net = self.net
        out: list[Name] = [u.id for u in net.inputs]  # type: ignore[misc]
        for row in net.units[1:]:
            for u in row:
                out += [u.pre_id, u.id, u.delta_id]  # type: ignore[list-item]
                if u.target_id is not None:
                    out.append(u.target_id)
        out += [p.id for p in net.params]  # type: ignore[misc]
        return tuple(out)

    @cached_property
    def _reader(self) -> dict[str, Name | None]:
        exact: dict[str, Name] = {}
        squeezed: dict[str, Name | None] = {}
        for n in (*self.atoms, N.LOSS):
            for spelling in self._atom(n):
                exact.setdefault(spelling, n)
                s = squeeze(spelling)
                squeezed[s] = n if squeezed.get(s, n) == n else None  # None: two names squeeze alike
        for s, n in squeezed.items():
            exact.setdefault(s, n)  # type: ignore[arg-type]
        exact.setdefault("L", N.LOSS)
        return exact  # type: ignore[return-value]

    def parse(self, text: str) -> Name | None:
        """The name ``text`` spells in this notation (a factor as dA/dB); None when it spells none."""
        t = text.strip()
        hit = self._reader.get(t)
        if hit is None:
            hit = self._reader.get(squeeze(t))
        if hit is not None:
            return hit
        m = re.fullmatch(r"[d∂](.+?)\s*/\s*[d∂](.+)", t)
        if m:
            for cut in _splits(t):
                top, bottom = self.parse(cut[0]), self.parse(cut[1])
                if top is not None and bottom is not None:
                    return N.factor(top, bottom)
        return None

    def names(self) -> list[str]:
        """Every parameter's file key, in the network's order (for did-you-mean)."""
        return [self.key(p.id) for p in self.net.params]  # type: ignore[arg-type]


def _splits(t: str) -> list[tuple[str, str]]:
    out = []
    for i, ch in enumerate(t):
        if ch == "/":
            a, b = t[:i].strip(), t[i + 1 :].strip()
            if a[:1] in "d∂" and b[:1] in "d∂":
                out.append((a[1:], b[1:]))
    return out


class GlobalBound(BoundNotation):
    """The global notation, with the book's Err_j = −δ_j worked out under the deltas."""

    def course_section(self, r: Any) -> Any:
        from bpcalc import formula as F
        from bpcalc.worksheet import Section, Step

        steps = []
        for row in reversed(self.net.units[1:]):
            for u in row:
                d = r.pass_.deltas[u.pre]
                steps.append(Step(err(u.id), F.Neg(F.Sym(u.delta_id), as_written=True), -d, (), F.Neg(F.Num(d), as_written=True)))  # type: ignore[arg-type]
        return Section("backward", "The book's error Err_j = -δ_j, and its update w_ij += η·Err_j·O_i, θ_j += η·Err_j", tuple(steps))


class SheetBound(BoundNotation):
    """The sheet's notation, as a bound one: spelled and read exactly as :data:`~bpcalc.names.SHEET` does."""

    def key(self, n: Name) -> str:
        return SHEET.key(n)

    def text(self, n: Name) -> str:
        return SHEET.text(n)

    def ascii(self, n: Name) -> str:
        return SHEET.ascii(n)

    def latex(self, n: Name) -> str:
        return SHEET.latex(n)

    def parse(self, text: str) -> Name | None:
        n = SHEET.parse(text)
        if n is not None and n.kind == "threshold" and not self.net.threshold:
            return N.bias(*n.index)
        return n


NOTATIONS: dict[str, Profile] = {
    "sheet": SheetProfile(),
    "global": GlobalProfile(),
    "sequential": SequentialProfile(),
    "layered": LayeredProfile(),
}


def profile(name: str) -> Profile:
    """The profile called ``name``; KeyError when there is none."""
    return NOTATIONS[name]


def notation_for(net: "Network", name: str = "sheet") -> Notation:
    """What printers spell ``net``'s names through in notation ``name``: SHEET itself for the sheet (goldens unchanged)."""
    if name == "sheet":
        return SHEET
    return NOTATIONS[name].bind(net)




def resolve(net: "Network", name: str, key: str) -> "Param":
    """The parameter ``key`` names in notation ``name`` (the sheet's aliases in the sheet's); KeyError if none."""
    if name == "sheet":
        return net.resolve_param(key)
    n = NOTATIONS[name].bind(net).parse(key)
    if n is None or n.kind not in ("weight", "bias", "threshold"):
        raise KeyError(key)
    return net.param_index[SHEET.key(n)]


def param_keys(net: "Network", name: str = "sheet") -> list[str]:
    """Every parameter's file key in notation ``name``, in the network's order."""
    if name == "sheet":
        return net.param_names
    b = NOTATIONS[name].bind(net)
    return [b.key(p.id) for p in net.params]  # type: ignore[arg-type]


def respelled(expr: Any, notation: Notation) -> Any:
    """A SymPy expression in the sheet's symbols (w41, alpha_H1, y) with each renamed as ``notation`` writes it (w46, I4, O6)."""
    return respeller(notation)(expr)


def respeller(notation: Notation, names: Mapping[str, Name] | None = None) -> Callable[[Any], Any]:
    """``respelled`` for many expressions of one network: each symbol spelt once however many use it
    (``names``: the structured names of the symbols' keys, when the caller has them, else each key is parsed)."""
    spelt: dict[Any, Any] = {}  # symbol -> its respelt symbol (None: not a name of the sheet)

    def respell(expr: Any) -> Any:
        if notation is SHEET or expr is None or not hasattr(expr, "free_symbols"):
            return expr
        swap = {}
        for s in expr.free_symbols:
            if s not in spelt:
                n = names.get(s.name) if names else None
                n = n if n is not None else SHEET.parse(s.name)
                spelt[s] = None if n is None else _spelled_symbol()(notation.text(n), notation.latex(n), **s.assumptions0)
            if spelt[s] is not None:
                swap[s] = spelt[s]
        return expr.xreplace(swap) if swap else expr

    return respell


@lru_cache(maxsize=1)
def _spelled_symbol() -> Any:
    """A SymPy symbol that prints as a notation spells it: its text in text, its LaTeX in LaTeX (SymPy's print methods)."""
    import sympy as sp

    class Spelled(sp.Symbol):  # type: ignore[misc]
        def __new__(cls, name: str, tex: str, **assumptions: Any) -> Any:
            obj = super().__new__(cls, name, **assumptions)
            obj.tex = tex
            return obj

        def __getnewargs_ex__(self) -> Any:
            return (self.name, self.tex), self.assumptions0

        def _latex(self, printer: Any) -> str:
            return self.tex  # type: ignore[no-any-return]

        def _sympystr(self, printer: Any) -> str:
            return self.name  # type: ignore[no-any-return]

    return Spelled
