"""The correct run of a problem, and the same run worked by hand in each rounding style, made on demand."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from bpcalc.arith import RoundedMath
from bpcalc.check.model import Key
from bpcalc.check.styles import Rounding, roundings
from bpcalc.check.working import CORRECT, pass_values, work_through
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import Run, train
from bpcalc.problem import Problem


def run_values(run: Run, index: int) -> dict[Key, float]:
    """Every checkable value of one sample of a run."""
    r = run.results[index]
    return pass_values(run.problem.network, run.math, r.pass_, r.pass_.forward, r.pass_.gradients, r.after)


class Reference:
    """The correct run, and the same run rounded at every step to d decimals in each hand style (for drift), made on demand."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.run = train(problem)
        self._values = [run_values(self.run, i) for i in range(len(self.run.results))]
        self._hand: dict[Rounding, list[dict[Key, float]] | None] = {}

    def value(self, index: int, key: Key) -> float:
        return self._values[index][key]

    def hands(self, index: int, key: Key, decimals: int | None) -> Iterator[float | None]:
        """The value in each hand rounding style, each run made only when the value is asked for."""
        return (self._value(index, key, r) for r in roundings(decimals))

    def _value(self, index: int, key: Key, rounding: Rounding) -> float | None:
        if rounding not in self._hand:
            try:
                if rounding.style == "sheet":
                    run = train(self.problem, RoundedMath(rounding.decimals))
                    self._hand[rounding] = [run_values(run, i) for i in range(len(run.results))]
                else:
                    self._hand[rounding] = work_through(self.problem, CORRECT, rounding)
            except (BpcalcError, ArithmeticError, ValueError):
                self._hand[rounding] = None
        rows = self._hand[rounding]
        return None if rows is None else rows[index][key]

    def kept_before(self, index: int) -> dict[str, Any]:
        """What the update rule kept from the last update before sample ``index`` (nothing before the first)."""
        done = [r.update for r in self.run.results[:index] if r.update is not None]
        return dict(done[-1].kept) if done else {}

    def floats(self, values: Mapping[str, Any]) -> dict[str, float]:
        return {k: self.run.math.to_float(v) for k, v in values.items()}
