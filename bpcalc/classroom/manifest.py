"""A variants manifest (CSV: variant, file, seed, ...; optionally student) and which variant a student's file is."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bpcalc.errors import ProblemError
from bpcalc.problem import Problem, load_problem, read_text

MAX_VARIANTS = 10_000


@dataclass(frozen=True)
class Entry:
    variant: str
    file: str  # the variant's problem file, as the manifest names it
    path: str  # where it is (relative to the manifest)
    student: str = ""  # who was given it, when the instructor wrote that in


@dataclass(frozen=True)
class Manifest:
    source: str
    entries: tuple[Entry, ...]

    def problem(self, entry: Entry, cache: dict[str, Problem]) -> Problem:
        if entry.path not in cache:
            cache[entry.path] = load_problem(entry.path)
        return cache[entry.path]

    def match(self, answers: str) -> Entry:
        """The variant of a student's answers file: by the manifest's student column (the file's name without its
        extension), else by the variant id standing alone in the file's name (v07-alice.json, alice_v07.csv)."""
        stem = Path(answers).stem.lower()
        hits = [e for e in self.entries if e.student and e.student.lower() == stem]
        if not hits:
            name = Path(answers).name.lower()
            hits = [e for e in self.entries if re.search(rf"(?<![a-z0-9]){re.escape(e.variant.lower())}(?![0-9])", name)]
        if len(hits) != 1:
            ids = ", ".join(e.variant for e in self.entries[:5]) + (", ..." if len(self.entries) > 5 else "")
            why = "no variant" if not hits else f"{len(hits)} variants ({', '.join(e.variant for e in hits[:3])})"
            raise ProblemError(answers, "", f"{why} of {self.source} matches this file; name it after its variant ({ids}) or add a student column")
        return hits[0]


def read_manifest(path: str) -> Manifest:
    text, source = read_text(path)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ProblemError(source, "", "empty; expected a CSV with a header variant,file,seed")
    header = [h.strip().lower() for h in rows[0]]
    for need in ("variant", "file"):
        if need not in header:
            raise ProblemError(source, "line 1", f"no {need!r} column; expected a header variant,file,seed (as bpcalc variants writes)")
    col = {h: i for i, h in enumerate(header)}
    base = Path(path).parent
    entries = []
    seen: set[str] = set()
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise ProblemError(source, f"line {n}", f"expected {len(header)} cells, got {len(row)}")
        variant, file = row[col["variant"]].strip(), row[col["file"]].strip()
        if not variant or not file:
            raise ProblemError(source, f"line {n}", "a variant id and a file are needed")
        if variant in seen:
            raise ProblemError(source, f"line {n}", f"variant {variant!r} is listed twice")
        seen.add(variant)
        student = row[col["student"]].strip() if "student" in col else ""
        entries.append(Entry(variant, file, str(base / file), student))
        if len(entries) > MAX_VARIANTS:
            raise ProblemError(source, f"line {n}", f"more than {MAX_VARIANTS} variants")
    if not entries:
        raise ProblemError(source, "", "no variants listed")
    return Manifest(source, tuple(entries))
