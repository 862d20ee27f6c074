"""Text from files is shown, never acted on: every control and bidi character escaped visibly."""

from bpcalc.escape import ascii_fallback, is_clean, one_line, terminal


def test_escape_sequences_and_bidi_are_visible():
    assert terminal("a\x1b]0;pwned\x07b") == "a\\x1b]0;pwned\\x07b"
    assert terminal("x\u202ey") == "x\\u202ey"
    assert terminal("\x9b2J") == "\\x9b2J"
    assert terminal("\x7f") == "\\x7f"


def test_newlines_kept_only_when_asked_and_cr_never():
    assert terminal("a\nb") == "a\\nb"
    assert terminal("a\nb\rc", keep_newlines=True) == "a\nb\\rc"
    assert one_line("y\nbpcalc: all answers right") == "y\\nbpcalc: all answers right"


def test_ordinary_text_unchanged():
    text = "Q3: 2-3-1 network, β4 = 0.065, α_H1 — ≈ 0, tab\tkept as \\t"
    assert terminal("β4 α_H1 ≈ é") == "β4 α_H1 ≈ é"
    assert is_clean("β4 α_H1 ≈ é\n")
    assert not is_clean(text)


def test_ascii_fallback():
    assert ascii_fallback("β4 Négnevitsky α_H1") == "beta4 Negnevitsky alpha_H1"
    assert ascii_fallback("w31 ≈ 0") == "w31 \\u2248 0"
