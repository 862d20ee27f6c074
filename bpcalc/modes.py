"""The answer-key options, checked: number system (--round-steps, --exact, --digits), --sample and --show."""

from __future__ import annotations

from typing import Any

from bpcalc.errors import BpcalcError

SECTIONS = ("forward", "gradients", "updates", "parameters")
MAX_ROUND = 15  # decimals; a double holds no more
MAX_DIGITS = 1000


def whole(text: str, option: str, lo: int, hi: int, what: str) -> int:
    """A whole number from lo to hi, else a one-line error naming the option."""
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise BpcalcError(f"{option}: expected {what} from {lo} to {hi}, got {text!r}")
    return value


def number_system(round_steps: str | None, exact: bool, digits: str | None) -> Any:
    """FloatMath, RoundedMath(N) or ExactMath(digits), as the options ask."""
    if round_steps is not None and exact:
        raise BpcalcError("--round-steps and --exact cannot be used together: choose hand-rounded or exact arithmetic")
    if digits is not None and not exact:
        raise BpcalcError("--digits needs --exact (it sets the significant digits of exact values)")
    if round_steps is not None:
        from bpcalc.arith import RoundedMath

        return RoundedMath(whole(round_steps, "--round-steps", 1, MAX_ROUND, "a whole number of decimals"))
    if exact:
        from bpcalc.arith import ExactMath

        n = whole(digits, "--digits", 1, MAX_DIGITS, "a whole number of significant digits") if digits is not None else 10
        return ExactMath(n)
    from bpcalc.arith import FloatMath

    return FloatMath()


def parse_show(text: str | None) -> tuple[str, ...]:
    """'forward,updates' → ('forward', 'updates'), in table order; every section when not given."""
    if text is None:
        return SECTIONS
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise BpcalcError(f"--show: expected one or more of {', '.join(SECTIONS)} (comma-separated), got {text!r}")
    for p in parts:
        if p not in SECTIONS:
            raise BpcalcError(f"--show: unknown part {p!r}; expected one or more of {', '.join(SECTIONS)} (comma-separated)")
    return tuple(s for s in SECTIONS if s in parts)


def parse_sample(text: str | None, count: int, source: str) -> int | None:
    """The 1-based sample number asked for, checked against the problem's sample count."""
    if text is None:
        return None
    plural = "s" if count != 1 else ""
    return whole(text, "--sample", 1, count, f"a sample number ({source} has {count} sample{plural})")


def parse_epoch(text: str | None, count: int, source: str) -> int | None:
    """The 1-based epoch asked for (--epoch), checked against the problem's epoch count."""
    if text is None:
        return None
    plural = "s" if count != 1 else ""
    return whole(text, "--epoch", 1, count, f"an epoch number ({source} has {count} epoch{plural})")
