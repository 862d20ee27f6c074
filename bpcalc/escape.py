"""Text from files made safe for a medium: control characters and bidi overrides shown escaped, never acted on."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text
# (bidi embeddings, overrides and isolates, zero-width marks, the BOM).
_BIDI = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
UNSAFE = _UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")


def _code(ch: str) -> str:
    n = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return "\\t"
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def terminal(text: str, keep_newlines: bool = False) -> str:
    """Show every control, escape and bidi character as a visible code (ESC → \\x1b, U+202E → \\u202e).

    With ``keep_newlines`` a newline stays a line break (multi-line text a format allows); a lone
    CR, which would let a line overwrite another, never does. Unassigned and private-use
    characters are left alone: they change no other text.
    """

    def sub(m: re.Match[str]) -> str:
        ch = m.group(0)
        if keep_newlines and ch == "\n":
            return ch
        return _code(ch)

    return _UNSAFE.sub(sub, text)


def one_line(text: str) -> str:
    """``terminal`` with newlines escaped too: what an error message or a table cell needs."""
    return terminal(text, keep_newlines=False)


def is_clean(text: str) -> bool:
    """True when ``text`` has nothing ``terminal`` would escape (newlines aside)."""
    return _UNSAFE.search(text.replace("\n", "")) is None


def ascii_fallback(text: str) -> str:
    """Letters a limited encoding lacks, written in ASCII: é → e, β → beta (names have their own ASCII forms)."""
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if decomposed:
            out.append(decomposed)
            continue
        name = unicodedata.name(ch, "")
        m = re.match(r"GREEK (?:SMALL|CAPITAL) LETTER (\w+)", name)
        out.append(m.group(1).lower() if m else f"\\u{ord(ch):04x}")
    return "".join(out)
