"""The one base exception; its message is always one line of safe text, which the CLI prints with exit status 2."""

from __future__ import annotations

from bpcalc.escape import one_line

MAX_MESSAGE = 1000  # characters: a message quoting file text never floods the terminal


def message_line(text: str) -> str:
    """Any message as exactly one line: controls, newlines and bidi characters escaped, and at most MAX_MESSAGE long."""
    text = one_line(text)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class BpcalcError(Exception):
    """Anything the user can fix: bad input, an impossible request."""

    exit_code = 2

    def __str__(self) -> str:
        return message_line(super().__str__())


class ProblemError(BpcalcError):
    """A problem or answers file that cannot be used: names the file, the place and what is expected."""

    def __init__(self, source: str, place: str, message: str) -> None:
        self.source = source
        self.place = place
        self.message = message
        where = f"{source}: {place}: " if place else f"{source}: "
        super().__init__(where + message)
