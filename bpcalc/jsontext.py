"""JSON text as written: exact numbers, NaN/Infinity marked, duplicate keys and bad Unicode found, jq places."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from bpcalc.errors import ProblemError


class NonFinite(float):
    """Marks NaN/Infinity literals so that they are reported, not computed with."""


def _constant(text: str) -> float:
    return NonFinite("nan")


KEY_SHOWN = 60  # characters of a key shown in a place; a longer one is cut (the place stays one short line)


def place(parent: str, key: Any) -> str:
    """A place as jq writes it: parameters.w11, samples[1], parameters["w 1"]; a very long key cut with …."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if len(key) > KEY_SHOWN:
        return f"{parent}[{json.dumps(key[: KEY_SHOWN - 1] + '…', ensure_ascii=False)}]"
    if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key) or (key and key.isidentifier()):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


class Unreadable:
    """A number literal whose exponent is past what Decimal holds (1e-99999999999999999999): reported, not computed with."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text if len(self.text) <= 24 else self.text[:23] + "…"


def _decimal(text: str) -> Decimal | Unreadable:
    try:
        return Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation: an exponent beyond ±999,999,999,999,999,999
        return Unreadable(text)


def _integer(text: str) -> int | Decimal:
    """An integer literal of any length: as an int, or (past Python's digit limit for int()) exactly as a Decimal."""
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


class _Pairs(dict):  # type: ignore[type-arg]
    """An object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = _Pairs(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        out.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return out


def _surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _walk(value: Any, here: str, source: str) -> None:
    """Every key given twice and every string that is not valid Unicode, reported at its place."""
    stack = [(value, here)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key in getattr(node, "repeated", ()):
                raise ProblemError(source, place(where, key), "given twice; each key may appear once")
            for key, item in node.items():
                if _surrogate(key):
                    raise ProblemError(source, where or "(top level)", "a key is not valid Unicode (a lone surrogate \\u escape)")
                stack.append((item, place(where, key)))
        elif isinstance(node, list):
            stack.extend((item, place(where, i)) for i, item in enumerate(node))
        elif isinstance(node, str) and _surrogate(node):
            raise ProblemError(source, where, "not valid Unicode text (a lone surrogate \\u escape)")


def parse_json(text: str, source: str) -> Any:
    """JSON with numbers kept exactly as written; any fault becomes a ProblemError naming the place."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write one
    try:
        data = json.loads(text, parse_float=_decimal, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as e:
        raise ProblemError(source, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None
    except RecursionError:
        raise ProblemError(source, "", "invalid JSON: nested too deeply") from None
    except ValueError as e:  # an integer literal with more digits than Python converts
        raise ProblemError(source, "", f"invalid JSON: {e}".split(";")[0]) from None
    _walk(data, "", source)
    return data
