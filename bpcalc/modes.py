"""The answer-key options, checked: number system (--round-steps, --exact, --digits), --sample and --show."""

from __future__ import annotations

from typing import Any

from bpcalc.errors import BpcalcError

SECTIONS = ("forward", "gradients", "updates", "parameters")
MAX_ROUND = 15  # decimals; a double holds no more
MAX_DIGITS = 1000
PRINTED_STEPS = 10_000  # epochs × samples × parameters the text formats print (about 20 s of tables)
EXACT_STEPS = 20_000  # epochs × samples × parameters worked in exact arithmetic (about 20 s at 1000 digits)
TEXT_FORMATS = ("auto", "rich", "plain", "latex", "markdown")


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


def check_size(problem: Any, sample: int | None, fmt: str, math: Any = None, epoch: int | None = None) -> None:
    """Refuse, in one line, work that would run for minutes: a sheet too long to print in a text format
    (JSON and CSV have only the problem's own limit), or too long for --exact."""
    steps = problem.epochs * len(problem.samples) * len(problem.network.param_names)
    if math is not None and math.name == "exact" and steps > EXACT_STEPS:
        raise BpcalcError(
            f"{problem.source}: {steps:,} steps (epochs × samples × parameters) are more than --exact works"
            f" ({EXACT_STEPS:,}); leave out --exact, or use fewer epochs"
        )
    if fmt not in TEXT_FORMATS:
        return
    sheets = (1 if epoch is not None else problem.epochs) * (1 if sample is not None else len(problem.samples))
    shown = sheets * len(problem.network.param_names)
    if shown > PRINTED_STEPS:
        raise BpcalcError(
            f"{problem.source}: {sheets:,} sample sheets of {len(problem.network.param_names):,} parameters ({shown:,} steps)"
            f" are more than the text formats print ({PRINTED_STEPS:,}); use --format json or csv, or --sample K"
        )


def parse_epoch(text: str | None, count: int, source: str) -> int | None:
    """The 1-based epoch asked for (--epoch), checked against the problem's epoch count."""
    if text is None:
        return None
    plural = "s" if count != 1 else ""
    return whole(text, "--epoch", 1, count, f"an epoch number ({source} has {count} epoch{plural})")
