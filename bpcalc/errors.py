"""The one base exception; the CLI turns it into a single line on stderr and exit status 2."""

from __future__ import annotations


class BpcalcError(Exception):
    """Anything the user can fix: bad input, an impossible request."""

    exit_code = 2


class ProblemError(BpcalcError):
    """A problem or answers file that cannot be used: names the file, the place and what is expected."""

    def __init__(self, source: str, place: str, message: str) -> None:
        self.source = source
        self.place = place
        self.message = message
        where = f"{source}: {place}: " if place else f"{source}: "
        super().__init__(where + message)
