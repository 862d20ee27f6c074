"""Render quality checks and variant lists: rich text for people, a dict for JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bpcalc.classroom.quality import CHECKS, Quality
from bpcalc.classroom.variants import Variant
from bpcalc.escape import one_line

MARK = {True: "✓", False: "✗"}


def bounds_text(q: Quality) -> str:
    b = q.bounds
    return f"|sigmoid/tanh pre-activation| ≤ {b.saturation:g} · {b.precision} decimals shown · hand rounding to {b.hand_decimals} decimals"


def render_quality(q: Quality, plain: bool = False) -> RenderableType:
    lines: list[RenderableType] = [Text(f"Quality of {one_line(q.source)}"), Text(bounds_text(q))]
    for f in q.findings:
        style = "" if plain else ("green" if f.ok else "bold red")
        head = Table.grid(padding=(0, 1))
        head.add_column(min_width=15, no_wrap=True)
        head.add_column(ratio=1)
        head.add_row(Text(f"{MARK[f.ok]} {f.check}", style=style), Text(f.summary, style=style))
        lines.append(head)
        for reason in f.reasons:
            lines.append(Padding(Text(reason), (0, 0, 0, 4), expand=False))
        if f.count > len(f.reasons):
            lines.append(Padding(Text(f"... and {f.count - len(f.reasons)} more"), (0, 0, 0, 4), expand=False))
    verdict = "good to work by hand" if q.ok else f"not good to work by hand: fails {', '.join(q.failed)}"
    lines.append(Text(verdict, style="" if plain else "bold"))
    return Group(*lines)


def quality_dict(q: Quality) -> dict[str, Any]:
    b = q.bounds
    return {
        "problem": q.source,
        "ok": q.ok,
        "bounds": {"saturation": b.saturation, "precision": b.precision, "hand_decimals": b.hand_decimals, "every_value": b.every_value},
        "checks": [{"check": f.check, "ok": f.ok, "summary": f.summary, "reasons": list(f.reasons), "count": f.count} for f in q.findings],
    }


def render_variants(variants: list[Variant], manifest: Path, plain: bool = False) -> RenderableType:
    t = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="" if plain else "bold cyan")
    t.add_column("variant", overflow="fold")
    t.add_column("seed", justify="right", overflow="fold")
    t.add_column("quality checks", ratio=1, overflow="fold")
    for v in variants:
        q = v.draw.quality
        t.add_row(v.id, str(v.seed), f"all {len(q.findings)} pass" if q.ok else "fails " + ", ".join(q.failed))
    where = one_line(str(manifest.parent))
    passing = sum(1 for v in variants if v.draw.quality.ok)
    summary = (
        f"{len(variants)} variant{'s' if len(variants) != 1 else ''} in {where}, {passing} passing all {len(CHECKS)} quality checks "
        f"({', '.join(CHECKS)}): problems vNN.json, answer keys vNN-key.json and vNN-key.tex, manifest {one_line(str(manifest))}"
    )
    return Group(t, Text(summary))


def variants_dict(variants: list[Variant], manifest: Path) -> dict[str, Any]:
    return {
        "manifest": str(manifest),
        "variants": [
            {"variant": v.id, "file": f"{v.id}.json", "seed": v.seed, "draws": v.draw.draws, "quality": quality_dict(v.draw.quality)}
            for v in variants
        ],
    }
