"""The one format registry: each output format's printer for `run` and for `derive`, imported only when used.

Adding a format is one printer module and one line here. A printer returns text, or (``renderable``)
a rich renderable that the command line prints to the terminal; it never prints or exits itself.
Printers are named as "module:function" so that choosing plain, JSON or CSV imports no SymPy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class PrintOptions:
    """What a printer may be asked besides the worksheet's view."""

    latex_body: bool = False  # LaTeX: only the part inside the document


@dataclass(frozen=True)
class Format:
    run: str  # "module:function" taking (run, view, options)
    derive: str | None  # "module:function" taking (derivation, precision, options); None: a format for `run` only
    renderable: bool = False  # returns a rich renderable, not text
    medium: str = "text"  # how the output edge keeps the text safe: "json" (\u escapes), "latex", or "text"

    def run_printer(self) -> Callable[..., Any]:
        return _load(self.run)

    def derive_printer(self) -> Callable[..., Any]:
        assert self.derive is not None, "a run-only format has no derive printer"
        return _load(self.derive)


def _load(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


FORMATS: dict[str, Format] = {
    "rich": Format("bpcalc.render.text:run_rich", "bpcalc.render.derive:derive_rich", renderable=True),
    "plain": Format("bpcalc.render.text:run_plain", "bpcalc.render.derive:derive_plain", renderable=True),
    "json": Format("bpcalc.render.json:run_json", "bpcalc.render.derive:derive_json", medium="json"),
    "latex": Format("bpcalc.render.latex:run_latex", "bpcalc.render.latex:derive_latex", medium="latex"),
    "markdown": Format("bpcalc.render.markdown:run_markdown", "bpcalc.render.markdown:derive_md"),
    "csv": Format("bpcalc.render.csv:run_csv", "bpcalc.render.csv:derive_csv"),
    "moodle": Format("bpcalc.classroom.moodle:run_moodle", None),
}

DERIVE_FORMATS = [name for name, f in FORMATS.items() if f.derive is not None]
