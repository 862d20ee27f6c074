"""The paths a sample is worked along when marking: the correct one and three of the student's own.

* the correct one (the problem's own parameters): a value that matches it is right;
* the student's as written: from their parameters after the previous sample, and their own
  forward values and gradients within the sample, exactly as written;
* the student's kept at full precision ("plain"): from the same written parameters, every value
  within the sample at full precision except those the student got wrong, which are carried on as
  the student evidently had them (the written number for a slip, the mistake's own value for a
  named mistake) — a student who keeps every digit on the calculator and copies the parameters down;
* the student's as evidently computed: the same, but from the full-precision values their written
  parameters stand for (the value a right or following entry was marked against, or the value a
  named mistake gives), so that a sheet worked at full precision and rounded only for writing
  carries too. This one is never rounded by hand: its student keeps every digit throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from bpcalc.check.model import Key
from bpcalc.check.working import CORRECT, Path, Working


@dataclass(frozen=True)
class State:
    """Parameters carried into a sample; ``worked_out``: those not written by the student."""

    params: Mapping[str, float]
    worked_out: frozenset[str] = frozenset()
    kept: Mapping[str, Any] = field(default_factory=dict)  # what the update rule kept from the last update
    kept_by: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)  # the same worked by hand, per rounding


@dataclass
class Paths:
    """One sample's four paths (see the module), as the marking goes through the sample's values."""

    true: Path
    written: Path
    plain: Path
    evident: Path
    carry: bool
    pending: list[tuple[Key, Working | None, float]] = field(default_factory=list)  # wrong values not yet carried on
    _carried: list[Path] | None = field(default=None, init=False, repr=False, compare=False)  # made once per set of paths

    @property
    def mark(self) -> Path:
        """The path values are marked against (expected values, corrected workings)."""
        return self.written if self.carry and self.written.work(CORRECT) is not None else self.true

    @property
    def carried(self) -> list[Path]:
        """The student's paths that can be worked, the full-precision ones first."""
        if self._carried is None:
            self._carried = [p for p in (self.evident, self.plain, self.written) if p.work(CORRECT) is not None] if self.carry else []
        return list(self._carried)

    @property
    def all(self) -> list[Path]:
        return self.carried + [self.true]

    def carry_on(self, key: Key, working: Working | None, written: float) -> None:
        """Work the full-precision paths on from a value the student got wrong, as they evidently had it."""
        if key.kind not in ("forward", "gradient"):
            return
        self.pending.append((key, working, written))

    def settle(self, key: Key) -> None:
        """Before judging ``key``: take in the values carried on that it is worked from (paths are rebuilt only then)."""
        if not any(k.kind == "forward" or key.kind == "parameter_after" for k, _, _ in self.pending):
            return
        for name in ("plain", "evident"):
            path = getattr(self, name)
            forward, gradients = dict(path.ctx.forward), dict(path.ctx.gradients)
            for k, working, written in self.pending:
                value = path.value(working, k) if working is not None else None
                (forward if k.kind == "forward" else gradients)[k.name] = written if value is None else value
            setattr(self, name, Path(replace(path.ctx, forward=forward, gradients=gradients), path.carried, path.name, path.hand))
        self.pending = []
        self._carried = None
