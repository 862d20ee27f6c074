"""Benchmark: the plain class table of `bpcalc check PROBLEM A.json B.json ...` for 100 files, laid out by hand
(bpcalc.render.plaingrid) against rich laying out the same table (the ratio, both measured in the same run).

    python benchmarks/class_table.py [--files N] [--repeat N]

The files are the answer keys of q3's variants, marked each against its variant (``--variants``): a third with
an update off by 0.25, a quarter with a gradient written 0, under names of a few lengths.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench import best  # noqa: E402  (benchmarks/bench.py: the least wall time of a few calls)
from classfiles import write_class  # noqa: E402  (tests/classfiles.py: answers files for q3's variants)


def make_class(d: Path, files: int) -> list[Any]:
    """Every file marked (bpcalc.classroom.marking), ready to lay out."""
    from bpcalc.classroom.manifest import read_manifest
    from bpcalc.classroom.marking import ClassOptions, mark_files
    from bpcalc.problem import load_problem

    manifest, paths = write_class(d, files, lambda k: "student-" * (k % 5 + 1) + str(k))
    return mark_files(load_problem(str(ROOT / "samples" / "q3.json")), paths, ClassOptions(), read_manifest(str(manifest)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from bpcalc.classroom import gradebook
    from bpcalc.output import Target, render

    def by_rich(self: Any, console: Any, options: Any) -> Any:  # ClassTable as it was: rich lays it out
        wide = options.max_width >= gradebook.WIDE
        yield from (gradebook.rich_table(self.rows, self.plain) if wide else gradebook.rich_blocks(self.rows, self.plain))

    hand_layout = gradebook.ClassTable.__rich_console__
    with tempfile.TemporaryDirectory() as tmp:
        marked = make_class(Path(tmp), args.files)
    print(f"bpcalc class table, {len(marked)} files, plain (best of {args.repeat}; ratio = by hand / rich, lower is better)\n")
    for width in (80, 120):
        target = Target(False, width, "utf-8", False, False)

        def lay_out() -> str:
            return render(gradebook.render_class(marked, plain=True), target, styled=False)

        gradebook.ClassTable.__rich_console__ = hand_layout  # type: ignore[method-assign]
        mine, hand = best(lay_out, args.repeat), lay_out()
        gradebook.ClassTable.__rich_console__ = by_rich  # type: ignore[method-assign]
        theirs, oracle = best(lay_out, args.repeat), lay_out()
        gradebook.ClassTable.__rich_console__ = hand_layout  # type: ignore[method-assign]
        assert hand == oracle, "the hand layout must print rich's lines"
        print(f"width {width:<4} by hand {mine * 1e3:8.1f} ms   rich {theirs * 1e3:8.1f} ms   ratio {mine / theirs:6.3f}")


if __name__ == "__main__":
    main()
