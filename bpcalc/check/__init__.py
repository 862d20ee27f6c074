"""`bpcalc check`: mark a hand-worked sheet against the correct working, with error carried forward."""

from __future__ import annotations

from bpcalc.check.answers import parse_answers, read_answers
from bpcalc.check.mark import CheckOptions, check
from bpcalc.check.model import Answers, Item, Report
from bpcalc.check.tolerance import Tolerance, parse_tolerance

__all__ = ["Answers", "CheckOptions", "Item", "Report", "Tolerance", "check", "parse_answers", "parse_tolerance", "read_answers"]
