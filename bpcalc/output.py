"""Where output goes and how it looks there: the width, colour and encoding of a terminal, a pipe or an -o FILE."""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import IO, Any, Mapping

from bpcalc.errors import BpcalcError
from bpcalc.escape import UNSAFE, ascii_fallback, is_clean, terminal

PIPE_WIDTH = 100  # plain text to a pipe or a file when COLUMNS is not set
MIN_WIDTH = 40
MAX_WIDTH = 1000


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    """NO_COLOR / FORCE_COLOR: set to anything but the empty string ("0" and "false" also mean off)."""
    return environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def is_utf(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


@dataclass(frozen=True)
class Target:
    """What the output goes to, as far as its look is concerned."""

    terminal: bool  # a terminal, so tables are styled by default
    width: int  # columns every line fits in
    encoding: str  # the codec the text is written in
    color: bool  # escape codes allowed: not NO_COLOR
    force: bool  # FORCE_COLOR: styled even when not a terminal

    @property
    def ascii(self) -> bool:
        """The encoding cannot write every character: names and symbols are written in ASCII (b1, alpha_H1, *)."""
        return not is_utf(self.encoding)


def _columns(environ: Mapping[str, str]) -> int | None:
    try:
        n = int(environ.get("COLUMNS", "").strip())
    except ValueError:
        return None
    return min(max(n, MIN_WIDTH), MAX_WIDTH) if n > 0 else None


def detect(stream: IO[str], width: int | None = None, environ: Mapping[str, str] | None = None) -> Target:
    """The target ``stream`` is: on a terminal its width (COLUMNS first, as shells set it); else COLUMNS or PIPE_WIDTH."""
    env = os.environ if environ is None else environ
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        tty = False
    if width is None:
        width = _columns(env)
    if width is None and tty:
        try:
            width = min(max(os.get_terminal_size(stream.fileno()).columns, MIN_WIDTH), MAX_WIDTH)
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            width = None
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return Target(tty, width or PIPE_WIDTH, encoding, not env_flag(env, "NO_COLOR"), env_flag(env, "FORCE_COLOR"))


def resolve_format(fmt: str, target: Target) -> str:
    """'auto' is rich tables on a terminal (or with FORCE_COLOR), plain text otherwise or with NO_COLOR."""
    if fmt != "auto":
        return fmt
    return "rich" if (target.terminal or target.force) and target.color else "plain"


# --- text a limited encoding can write --------------------------------------------------------------

_SYMBOLS = {
    "·": "*", "×": "x", "−": "-", "–": "-", "—": "--", "…": "...", "½": "1/2", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=",
    "→": "->", "←": "<-", "↪": "->", "✓": "ok", "✗": "x", "∂": "d", "∞": "inf", "Σ": "sum ", "√": "sqrt",
    "α": "alpha", "β": "b", "δ": "delta", "η": "eta", "σ": "sigma", "ω": "w", "ε": "eps",
    "─": "-", "━": "-", "│": "|", "┃": "|", "“": '"', "”": '"', "‘": "'", "’": "'",
}  # fmt: skip
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_RAW = re.compile(f"(?!\n){UNSAFE.pattern}")  # what ``visible`` shows as a code: all escape.terminal does but newlines


def ascii_text(text: str) -> str:
    """The sheet's notation in ASCII: β4 → b4, α_H1 → alpha_H1, H1² → H1^2, · → *; other letters transliterated."""
    if text.isascii():
        return text
    text = _SUPERS.sub(lambda m: "^" + m.group(0).translate(_SUPER), text)
    return ascii_fallback(_NON_ASCII.sub(lambda m: _SYMBOLS.get(m.group(0), m.group(0)), text))


def _json_escape(ch: str) -> str:
    return json.dumps(ch)[1:-1]  # \u00e9, \ud83d\ude00: the same JSON data in ASCII


# characters JSON may carry raw that a terminal acts on or that reorder text: C1 controls, bidi, separators
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]")


def json_safe(text: str, ascii_only: bool = False) -> str:
    """JSON text with every character a terminal could act on written as a \\u escape (the data is unchanged)."""
    text = _JSON_UNSAFE.sub(lambda m: _json_escape(m.group(0)), text)
    return _NON_ASCII.sub(lambda m: _json_escape(m.group(0)), text) if ascii_only else text


def visible(text: str, latex: bool = False) -> str:
    """Text with every character a terminal acts on shown as a code (\\x1b; in LaTeX \\textbackslash{}x1b); tab and newline kept."""
    if is_clean(text.replace("\t", "")):
        return text

    def code(m: re.Match[str]) -> str:
        ch = m.group(0)
        if ch == "\t":
            return ch
        shown = terminal(ch)
        return shown.replace("\\", "\\textbackslash{}") if latex else shown

    return _RAW.sub(code, text)


def strip_trailing(text: str) -> str:
    """No line ends in spaces (also not before the escape code that ends a style)."""
    text = re.sub(r"[ \t]+$", "", text, flags=re.M)
    while True:
        stripped = re.sub(r"[ \t]+((?:\x1b\[[0-9;]*m)+)$", r"\1", text, flags=re.M)
        if stripped == text:
            return text
        text = re.sub(r"[ \t]+$", "", stripped, flags=re.M)


def _fallback_handler(err: UnicodeError) -> tuple[str, int]:
    """The last resort for text written to a stream whose encoding lacks a character: never a traceback."""
    assert isinstance(err, UnicodeEncodeError)
    return ascii_text(err.object[err.start : err.end]), err.end


codecs.register_error("bpcalc-ascii", _fallback_handler)


def guard(stream: Any) -> None:
    """Let ``stream`` (stdout, stderr) write any text: characters its encoding lacks become ASCII."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if not is_utf(encoding) and getattr(stream, "errors", "strict") == "strict" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="bpcalc-ascii")
        except (ValueError, OSError, io.UnsupportedOperation):
            pass


# --- rich renderables -------------------------------------------------------------------------------


def render(renderable: Any, target: Target, styled: bool) -> str:
    """A rich renderable as text for ``target``: styled (escape codes, rounded boxes) or plain; no trailing spaces.

    File text inside it (strings and Text) is made safe for the terminal before layout, and in an
    encoding without the sheet's symbols it is written in ASCII before layout too, so tables stay aligned.
    """
    from rich.console import Console
    from rich.text import Text

    def clean(text: str) -> str:
        text = terminal(text, keep_newlines=True)
        return ascii_text(text) if target.ascii else text

    class _Buffer(io.StringIO):
        encoding = "utf-8" if not target.ascii else "ascii"  # type: ignore[assignment]

    class SafeConsole(Console):
        clean_text = staticmethod(clean)  # for renderables that lay out their own text (bpcalc.render.plaintable)

        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(clean(text), **kwargs)

        def render(self, renderable: Any, options: Any = None) -> Any:
            if isinstance(renderable, Text) and clean(renderable.plain) != renderable.plain:
                plain = clean(renderable.plain)
                renderable = Text(plain, style=renderable.style, justify=renderable.justify, no_wrap=renderable.no_wrap, end=renderable.end)
            return super().render(renderable, options)

    color = styled and target.color
    console = SafeConsole(
        file=_Buffer(),
        width=target.width,
        force_terminal=color,
        force_jupyter=False,
        color_system="auto" if color else None,
        no_color=not color,
        markup=False,
        emoji=False,
        highlight=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    console.print(renderable)
    return strip_trailing(console.file.getvalue())  # type: ignore[attr-defined]


# --- the destination --------------------------------------------------------------------------------


class Sink:
    """Standard output, or the -o FILE (opened at the first write, so a failed command leaves no file)."""

    def __init__(self, path: str | None = None, width: int | None = None, inputs: tuple[str, ...] = ()) -> None:
        self.path = None if path in (None, "-") else path
        self.width = width
        self.inputs = inputs
        self._file: IO[str] | None = None

    @property
    def target(self) -> Target:
        if self.path is None:
            return detect(sys.stdout, self.width)
        return detect(_FileLike(), self.width)

    def _stream(self) -> IO[str]:
        if self.path is None:
            return sys.stdout
        if self._file is None:
            self._check_not_input()
            try:
                self._file = open(self.path, "w", encoding="utf-8")
            except OSError as e:
                raise BpcalcError(f"-o {terminal(self.path)}: cannot write: {e.strerror or e}") from None
        return self._file

    def _check_not_input(self) -> None:
        assert self.path is not None
        for source in self.inputs:
            try:
                same = os.path.samefile(source, self.path)
            except OSError:
                continue
            if same:
                raise BpcalcError(f"-o {terminal(self.path)}: that is an input file; writing there would overwrite it")

    def write(self, text: str, kind: str = "text") -> None:
        """Write ``text``: ``kind`` 'json' keeps it JSON (\\u escapes), 'latex' stays LaTeX, any other is text.

        The last line of defence for file text: no control character, escape sequence or bidi
        override reaches the output raw, whatever the renderer let through (in ASCII where needed).
        """
        target = self.target
        if kind == "json":
            text = json_safe(text, target.ascii)
        elif kind != "rendered":  # (rendered tables were made safe before layout, and carry their own escape codes)
            text = visible(text, kind == "latex")
            if target.ascii:
                text = ascii_text(text)
        stream = self._stream()
        try:
            try:
                stream.write(text)
            except UnicodeEncodeError:
                stream.write(text.encode(target.encoding, "replace").decode(target.encoding, "replace"))
            stream.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as e:
            raise BpcalcError(f"cannot write the output: {e.strerror or e}") from None

    def print(self, renderable: Any, styled: bool) -> None:
        self.write(render(renderable, self.target, styled), "rendered")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _FileLike:
    """Stands for an -o FILE before it is opened: not a terminal, UTF-8."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return False


def _quiet_broken_pipe() -> None:
    """`bpcalc run P | head -1`: the reader left; stop quietly, as other tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    raise SystemExit(1)
