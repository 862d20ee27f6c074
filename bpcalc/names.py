"""Names as structured values, and the sheet notation that writes them as text, ASCII, LaTeX and file keys.

A :class:`Name` says what a quantity is (a unit's output, a pre-activation, a weight, a bias, a
chain-rule factor, a delta, the loss), never how it is spelled. A notation spells it; only the
seed sheet's notation exists so far (:data:`SHEET`), and another notation is one more object with
the same five methods (:class:`Notation`). The file/JSON key (``Name.key``) is the sheet's ASCII
spelling, the evaluator's dictionary key: ``alpha_H1``, ``dH1/dalpha_H1``, ``w31``, ``b4``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

KINDS = ("input", "hidden", "output", "target", "pre", "weight", "bias", "threshold", "loss", "factor", "delta")


@dataclass(frozen=True)
class Name:
    """What a quantity is. ``index``: (p,) for f_p, H_p, y_p, b_p, θ_p; (i, j) for w_ij; () for a single y, t or o.
    ``parts``: (unit,) for a pre-activation, target or delta; (numerator, denominator) for a factor."""

    kind: str
    index: tuple[int, ...] = ()
    parts: tuple["Name", ...] = ()

    def __hash__(self) -> int:  # names key every table: hashed once, not once per lookup through their parts
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.kind, self.index, self.parts))
            object.__setattr__(self, "_hash", h)
        return h

    @property
    def key(self) -> str:
        return SHEET.key(self)

    def __str__(self) -> str:
        return SHEET.text(self)

    @property
    def unit(self) -> "Name":
        """The unit a pre-activation, target or delta belongs to."""
        return self.parts[0]


def input_(p: int) -> Name:
    return Name("input", (p,))


def hidden(h: int) -> Name:
    return Name("hidden", (h,))


def output(p: int | None = None) -> Name:
    """The output unit p, or the single output (``y``) when ``p`` is None."""
    return Name("output", () if p is None else (p,))


def pre(unit: Name) -> Name:
    return Name("pre", parts=(unit,))


def target(unit: Name) -> Name:
    return Name("target", parts=(unit,))


def delta(unit: Name) -> Name:
    """δ of a unit: dL/d(its pre-activation)."""
    return Name("delta", parts=(unit,))


def weight(i: int, j: int) -> Name:
    return Name("weight", (i, j))


def bias(k: int) -> Name:
    return Name("bias", (k,))


def threshold(k: int) -> Name:
    """The threshold θk of the k-th non-input unit: a weight on the fixed input −1 (net = Σ w·x − θ)."""
    return Name("threshold", (k,))


LOSS = Name("loss")


def factor(top: Name, bottom: Name) -> Name:
    """The chain-rule factor d top / d bottom."""
    return Name("factor", parts=(top, bottom))


class Notation(Protocol):
    """How one notation spells names (the seam for textbook notations)."""

    def key(self, n: Name) -> str: ...
    def text(self, n: Name) -> str: ...
    def ascii(self, n: Name) -> str: ...
    def latex(self, n: Name) -> str: ...
    def parse(self, text: str) -> Name | None: ...


_ALIASES = (("β", "b"), ("θ", "theta"), ("ω", "w"), ("α", "alpha"), ("δ", "delta"), ("∂", "d"), ("{", ""), ("}", ""), (" ", ""))
_LETTER = {"input": "f", "hidden": "H", "output": "y", "target": "t"}
_GREEK = {"alpha": "α", "delta": "δ"}
_UNIT = r"(?:f\d+|H\d+|y\d*|t\d*|o\d*|alpha_H\d+|delta_(?:H\d+|o\d*)|L|w\d+_?\d+|b\d+|theta\d+)"


class SheetNotation:
    """The seed sheet's notation: f1, H1, α_H1, o, y, t, w31, β4 (a threshold θ4); dL/dy; δ_H1."""

    def key(self, n: Name) -> str:
        return self._spell(n, "key")

    def text(self, n: Name) -> str:
        return self._spell(n, "text")

    def ascii(self, n: Name) -> str:
        return self._spell(n, "key")

    def latex(self, n: Name) -> str:
        return self._spell(n, "latex")

    def _spell(self, n: Name, style: str) -> str:
        return _spelled(self, n, style)

    def _spell_now(self, n: Name, style: str) -> str:
        """One spelling for the three styles: key (ASCII, the file's), text (Greek letters), latex."""
        k, i = n.kind, n.index
        latex = style == "latex"
        # parts through the public method, so a notation that respells an atom respells it inside factors too
        part = {"key": lambda x: self._spell(x, "key"), "text": self.text, "latex": self.latex}[style]

        def sub(base: str, idx: tuple[int, ...]) -> str:
            digits = "".join(map(str, idx))
            return base + (f"_{{{digits}}}" if latex and digits else digits)

        if k in _LETTER:
            return sub(_LETTER[k], n.unit.index if k == "target" else i)
        if k in ("pre", "delta"):
            u = n.unit
            inner = sub("o", u.index) if u.kind == "output" else part(u)
            if k == "pre" and u.kind == "output":
                return inner
            word = "alpha" if k == "pre" else "delta"
            if latex:
                return f"\\{word}_{{{inner}}}"
            return (_GREEK[word] if style == "text" else word) + "_" + inner
        if k == "weight":
            a, b = i
            wide = a >= 10 or b >= 10
            if latex:
                return f"w_{{{a},{b}}}" if wide else f"w_{{{a}{b}}}"
            return f"w{a}_{b}" if wide else f"w{a}{b}"
        if k == "bias":
            return f"\\beta_{{{i[0]}}}" if latex else ("β" if style == "text" else "b") + str(i[0])
        if k == "threshold":
            return f"\\theta_{{{i[0]}}}" if latex else ("θ" if style == "text" else "theta") + str(i[0])
        if k == "loss":
            return "L"
        if k == "factor":
            top, bottom = (part(x) for x in n.parts)
            return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}" if latex else f"d{top}/d{bottom}"
        raise ValueError(f"unknown kind {k!r}")

    def canonical(self, text: str) -> str:
        """The ways people write a name (β4, ω31, w_{31}, α_H1, θ2) in the file's spelling (b4, w31, alpha_H1, theta2).

        θ2 and theta2 name a threshold; a network with biases takes them for its b2 (:meth:`Network.resolve_param`).
        """
        out = text.strip()
        for a, b in _ALIASES:
            out = out.replace(a, b)
        out = re.sub(r"^alpha(?=H)", "alpha_", out)
        out = re.sub(r"^([wbft]|theta)_(?=\d)", r"\1", out)  # w_{31}, b_{4}, f_{1}, θ_{4}
        out = re.sub(r"^(w\d+),(\d+)$", r"\1_\2", out)  # w_{3,10}
        out = re.sub(r"^delta(?=[Ho])", "delta_", out)
        return out

    def parse(self, text: str) -> Name | None:
        """The name ``text`` spells, in any of its aliases; None when it spells none."""
        c = self.canonical(text)
        m = re.fullmatch(rf"d({_UNIT})/d({_UNIT})", c)
        if m:
            top, bottom = self.parse(m.group(1)), self.parse(m.group(2))
            return factor(top, bottom) if top and bottom else None
        return self._atom(c)

    def _atom(self, c: str) -> Name | None:
        m = re.fullmatch(r"([fHytob])(\d*)", c)
        if m:
            letter, digits = m.group(1), m.group(2)
            idx = (int(digits),) if digits else ()
            if letter in "fHb" and not digits:
                return None
            if letter == "f":
                return input_(idx[0])
            if letter == "H":
                return hidden(idx[0])
            if letter == "b":
                return bias(idx[0])
            unit = output(idx[0] if idx else None)
            return unit if letter == "y" else target(unit) if letter == "t" else pre(unit)
        m = re.fullmatch(r"(alpha|delta)_(H(\d+)|o(\d*))", c)
        if m:
            unit = hidden(int(m.group(3))) if m.group(3) else output(int(m.group(4)) if m.group(4) else None)
            if m.group(1) == "alpha":
                return pre(unit) if unit.kind == "hidden" else None
            return delta(unit)
        m = re.fullmatch(r"theta(\d+)", c)
        if m:
            return threshold(int(m.group(1)))
        m = re.fullmatch(r"w(\d+)_(\d+)", c)
        if m:
            return weight(int(m.group(1)), int(m.group(2)))
        m = re.fullmatch(r"w(\d)(\d)", c)
        if m:
            return weight(int(m.group(1)), int(m.group(2)))
        if c == "L":
            return LOSS
        return None


@lru_cache(maxsize=65536)
def _spelled(notation: SheetNotation, n: Name, style: str) -> str:
    """Spellings are asked for again and again (every table cell): worked out once per name and style."""
    return notation._spell_now(n, style)


SHEET = SheetNotation()

