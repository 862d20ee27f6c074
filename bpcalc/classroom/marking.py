"""Marking a class in one process: many answers files (or directories of them), each against its problem or variant."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bpcalc.check import CheckOptions, check, parse_answers
from bpcalc.classroom.grade import Grade, grade
from bpcalc.classroom.manifest import Manifest
from bpcalc.classroom.mistakes import working_ids
from bpcalc.classroom.rubric import DEFAULT, Rubric, required
from bpcalc.errors import BpcalcError
from bpcalc.problem import Problem

MAX_FILES = 100_000


@dataclass(frozen=True)
class ClassOptions:
    check: CheckOptions = field(default_factory=CheckOptions)
    rubric: Rubric = DEFAULT
    require: tuple[str, ...] = ()  # --require (the rubric's own list is added to it)


@dataclass(frozen=True)
class Marked:
    """One answers file: its grade, or the one-line error that stopped it."""

    name: str
    variant: str = ""
    problem: Problem | None = None
    grade: Grade | None = None
    error: str = ""


def expand(paths: tuple[str, ...]) -> list[str]:
    """The answers files: each path, and for a directory every file in it (not hidden), in name order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out += sorted(str(f) for f in path.iterdir() if f.is_file() and not f.name.startswith("."))
        else:
            out.append(p)
    if out.count("-") > 1:
        raise BpcalcError("ANSWERS: standard input (-) can be read only once")
    if len(out) > MAX_FILES:
        raise BpcalcError(f"ANSWERS: more than {MAX_FILES:,} files")
    if not out:
        raise BpcalcError("ANSWERS: no files found in " + ", ".join(paths))
    return out


class _Problems:
    """Each problem (or variant) with what marking needs of it, made once."""

    def __init__(self, options: ClassOptions) -> None:
        self.options = options
        self._made: dict[int, tuple[frozenset, frozenset[str]]] = {}

    def needs(self, problem: Problem) -> tuple[frozenset, frozenset[str]]:
        slot = id(problem)
        if slot not in self._made:
            names = self.options.require + self.options.rubric.require
            self._made[slot] = (required(problem, names), working_ids(problem))
        return self._made[slot]


def mark_files(problem: Problem, files: list[str], options: ClassOptions, manifest: Manifest | None = None) -> list[Marked]:
    """Every file marked; a file that cannot be read or matched is a Marked with its error (the rest go on)."""
    problems = _Problems(options)
    required(problem, options.require + options.rubric.require)  # a bad name is the command's error, not every file's
    cache: dict[str, Problem] = {}
    out = []
    for path in files:
        variant = ""
        try:
            pr = problem
            if manifest is not None:
                entry = manifest.match(path)
                variant, pr = entry.variant, manifest.problem(entry, cache)
                if pr.network != problem.network:
                    raise BpcalcError(f"{entry.path}: variant {variant} is not a variant of {problem.source}: its network differs")
            text, source = _read(path)
            report = check(pr, parse_answers(text, source, pr), options.check)
            need, workings = problems.needs(pr)
            out.append(Marked(source, variant, pr, grade(pr, report, options.rubric, need, workings)))
        except BpcalcError as e:
            out.append(Marked("<stdin>" if path == "-" else path, variant, error=str(e)))
    return out


def _read(path: str) -> tuple[str, str]:
    """An answers file's text, through the checker's own bounded reader."""
    from bpcalc.check import read_answers

    return read_answers(path)


def exit_status(marked: list[Marked]) -> int:
    """2 when a file was bad input; else 1 when any value is wrong or missing; else 0."""
    if any(m.error for m in marked):
        return 2
    return 0 if all(m.grade is not None and m.grade.clean for m in marked) else 1
