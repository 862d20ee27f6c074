"""The class table's plain text is laid out by hand (bpcalc.render.plaingrid): byte for byte what rich prints for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.classroom import gradebook
from bpcalc.cli import main
from classfiles import write_class

ROOT = Path(__file__).resolve().parent.parent
Q3 = str(ROOT / "samples" / "q3.json")
LONG = "a-student-whose-file-name-runs-on-and-on-past-any-column-width-there-is-"


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """30 answers files for 30 variants of q3 (their keys: clean, some with a value changed, some under long or
    wide-character names), two not marked (bad JSON, an unknown variant), and the manifest."""
    d = tmp_path_factory.mktemp("class")
    manifest, files = write_class(d, 30, lambda k: {5: LONG * 2, 9: "zoë-漢字-名前", 13: "x\x1b[31mred"}.get(k, f"student{k}"))
    (d / "broken_v03.json").write_text("{not json")
    (d / "nobody.json").write_text("{}")
    return manifest, files + [str(d / "broken_v03.json"), str(d / "nobody.json")]


def _rich(self, console, options):  # the oracle: ClassTable laid out by rich itself, as before
    rows = self.rows
    yield from (gradebook.rich_table(rows, self.plain) if options.max_width >= gradebook.WIDE else gradebook.rich_blocks(rows, self.plain))


def _check(manifest: Path, files: list[str], *options: str) -> str:
    r = CliRunner().invoke(main, ["check", Q3, *files, "--variants", str(manifest), *options])
    assert r.exit_code == 2, r.output  # two files not marked
    return r.stdout


@pytest.mark.parametrize("width", [60, 80, 99, 100, 120, 200])
def test_plain_class_table_is_what_rich_prints(klass, width, monkeypatch):
    manifest, files = klass
    mine = _check(manifest, files, "--width", str(width))
    assert "score" in mine and mine.count("\n") > 30
    assert all(len(line) <= width for line in mine.splitlines()) or any(ord(c) > 0x2E80 for c in mine)  # wide characters take two
    monkeypatch.setattr(gradebook.ClassTable, "__rich_console__", _rich)
    assert mine == _check(manifest, files, "--width", str(width))


def test_ascii_class_table_is_what_rich_prints(klass, monkeypatch):
    manifest, files = klass
    env = {"PYTHONIOENCODING": "ascii"}
    for width in (80, 120):
        mine = CliRunner().invoke(main, ["check", Q3, *files, "--variants", str(manifest), "--width", str(width)], env=env, charset="ascii")
        with monkeypatch.context() as m:
            m.setattr(gradebook.ClassTable, "__rich_console__", _rich)
            theirs = CliRunner().invoke(main, ["check", Q3, *files, "--variants", str(manifest), "--width", str(width)], env=env, charset="ascii")
        assert mine.stdout == theirs.stdout


def test_counts_too_wide_for_the_hand_layout_go_to_rich():
    """Counts so wide that rich would keep the first-mistake column at its least width: rich lays the table out (never
    reached by a real class; the guard keeps the two layouts the same at every width)."""
    from bpcalc.output import Target, render

    huge = ("0.500", "1" * 16, "2" * 16, "3" * 16, "4" * 16)
    rows = [("alice-with-a-long-name.json", huge, "β4 after sample 1, a long step name"), ("bob.json", ("1.000", "1", "0", "0", "0"), "")]
    table = gradebook.ClassTable([], plain=True)
    table.rows = rows
    guarded = []
    for width in range(100, 131):
        target = Target(False, width, "utf-8", False, False)
        want = render(gradebook.rich_table(rows, True)[0], target, styled=False)
        assert render(table, target, styled=False) == want
        if not gradebook.by_hand(rows, width):
            guarded.append(width)
            assert render(gradebook._plain_table(rows), target, styled=False) != want  # the guard is needed here
    assert guarded == list(range(100, 113))
    assert gradebook.by_hand(rows[1:], 100)
