"""Hold a marker's verdicts on an injected sheet against its ground truth: one outcome per written value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from student.truth import Sheet, Slot, reproduces, variants

# The names bpcalc gives the mistakes in its notes ("follows through from the ... in ..."), by id.
NAMES = {
    "learning rate left out": "lr_missing",
    "learning rate applied twice": "lr_twice",
    "update sign flipped": "sign_flipped",
    "truncated instead of rounded": "truncated",
    "bias gradient multiplied by an input": "bias_times_input",
    "a factor dropped from the chain": "dropped_factor",
    "tanh' taken as 1 - tanh": "tanh_one_minus",
    "tanh' taken as σ'": "tanh_as_dsigmoid",
    "σ' taken as σ": "dsigmoid_as_sigmoid",
    "gradient worked with already-updated weights": "updated_weights",
    "target used as 1 - t": "target_flipped",
    "inputs swapped": "inputs_swapped",
    "bias never updated": "bias_not_updated",
    "tanh' without its factor 4": "tanh_without_4",
    "dL/dy with its sign flipped": "dldy_sign_flipped",
    "y - t used as dL/dy for cross-entropy": "sse_gradient_for_ce",
    "previous sample's update not carried": "update_not_carried",
    "wrong input for a weight's gradient": "wrong_input",
    "two weights swapped": "weights_swapped",
    "digits transposed when copying": "digits_transposed",
    "a factor rounded to one decimal early": "rounded_early",
    "threshold sign flipped": "threshold_sign_flipped",
    "unclear mistake": "unclear",  # "cannot tell which step": the candidates are listed where it is first told
}
FAILURES = ("wrong:missed", "wrong:misnamed", "right:marked_wrong", "follows:marked_wrong", "missing")


@dataclass(frozen=True)
class Verdict:
    """What the marker said about one value (bpcalc's JSON item, in short)."""

    verdict: str  # right | follows | wrong
    mistake: str  # the id named when wrong
    note: str
    given: str


@dataclass(frozen=True)
class Outcome:
    kind: str  # e.g. "wrong:named", "wrong:missed", "right:right", "right:marked_wrong"; see FAILURES
    slot: Slot
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in FAILURES


def named_in_note(note: str) -> str:
    """The mistake a 'follows through from the ... in ...' note names (its id), or ''."""
    m = re.search(r"follows through from the (.+?) in ", note)
    return NAMES.get(m.group(1), "?") if m else ""


def grade(sheet: Sheet, got: Mapping[Slot, Verdict], ties: bool = True) -> list[Outcome]:
    """Each value's outcome. A wrong value must be flagged with the injected mistake: marked wrong, or
    following through from it (reported once, where it first shows); ``ties``: another mistake that
    gives the same number is accepted too (decided by working it independently)."""
    out = []
    for slot, truth in sheet.truth.items():
        g = got.get(slot)
        if g is None:
            out.append(Outcome("missing", slot))
            continue
        v = g.verdict
        if truth.verdict == "wrong":
            named = g.mistake if v == "wrong" else named_in_note(g.note) if v == "follows" else ""
            if v == "right" or (v == "follows" and not named):
                out.append(Outcome("wrong:missed", slot, f"{g.given} marked {v}"))
            elif named in truth.mistakes:
                out.append(Outcome("wrong:named" if v == "wrong" else "wrong:named_follows", slot))
            elif named == "unclear" and (v == "follows" or any(name in g.note for name, id_ in NAMES.items() if id_ in truth.mistakes)):
                out.append(Outcome("wrong:tie", slot, f"cannot tell, among them {'/'.join(truth.mistakes)}"))  # the injected one a candidate
            elif ties and named not in ("slip", "?", "follows_earlier") and any(
                reproduces(sheet, slot, x) for x in variants(sheet.spec, named, slot[0], slot[1], slot[2])
            ):
                out.append(Outcome("wrong:tie", slot, f"{'/'.join(truth.mistakes)}→{named}"))
            else:
                injected = "/".join(truth.mistakes)
                out.append(Outcome("wrong:misnamed", slot, f"{g.given} named {named!r} ({v}), injected {injected}: {g.note[:160]}"))
        elif truth.verdict == "ambiguous":
            out.append(Outcome(f"ambiguous:{v}", slot))
        elif v == "wrong":
            out.append(Outcome(f"{truth.verdict}:marked_wrong", slot, f"{g.given} {g.mistake}: {g.note[:160]}"))
        else:
            out.append(Outcome(f"{truth.verdict}:{v}", slot))
    return out
