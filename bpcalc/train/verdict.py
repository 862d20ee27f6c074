"""Underfitting, overfitting or a good fit, from the loss curves, in the seed sheet's terms, with the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass

UNDERFITTING, OVERFITTING, GOOD_FIT = "underfitting", "overfitting", "a good fit"


@dataclass(frozen=True)
class Thresholds:
    """Shares of the baseline loss B (the loss of always predicting the training set's mean target)."""

    high: float = 0.5  # final training loss ≥ high·B: the model has not learnt the training data → underfitting
    gap: float = 0.2  # validation loss ≥ training loss + gap·B: well above it
    rise: float = 0.05  # validation loss ≥ its minimum + rise·B: rising after its minimum


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Verdict:
    kind: str  # UNDERFITTING, OVERFITTING or GOOD_FIT
    baseline: float  # B
    training: float  # final training loss
    validation: float  # final validation loss
    best_epoch: int  # the epoch of the lowest validation loss
    best_validation: float
    reason: str  # one sentence with the numbers

    @property
    def training_share(self) -> float:
        return self.training / self.baseline

    @property
    def gap_share(self) -> float:
        return (self.validation - self.training) / self.baseline

    @property
    def rise_share(self) -> float:
        return (self.validation - self.best_validation) / self.baseline


def _n(x: float) -> str:
    return f"{x:.4f}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3e}"


def _pct(x: float) -> str:
    """A share as a percentage, with two significant digits below 1%."""
    return f"{x:.0%}" if x >= 0.01 or x == 0 else f"{100 * x:.2g}%"


def judge(training: list[float], validation: list[float], baseline: float, t: Thresholds = THRESHOLDS) -> Verdict:
    """The verdict on curves that start at epoch 0; ``baseline`` must be positive."""
    train, val = training[-1], validation[-1]
    best = min(range(len(validation)), key=lambda e: (validation[e], e))
    low = validation[best]
    share = train / baseline
    gap = (val - train) / baseline
    rise = (val - low) / baseline
    base = f"the {_n(baseline)} of always predicting the training mean"
    if share >= t.high:
        close = "close to it" if gap < t.gap else f"{_n(val - train)} above it"
        kind = UNDERFITTING
        reason = (
            f"training loss stays high at {_n(train)}, {_pct(share)} of {base}, and validation loss {_n(val)} is {close}:"
            " poor on the training data and on new data"
        )
    elif gap >= t.gap and rise >= t.rise:
        kind = OVERFITTING
        reason = (
            f"training loss is low at {_n(train)} ({_pct(share)} of {base}) but validation loss {_n(val)} is"
            f" {_n(val - train)} above it and has risen {_n(val - low)} since its minimum {_n(low)} at epoch {best:,}:"
            f" the best epoch is {best:,}"
        )
    else:
        kind = GOOD_FIT
        note = "" if gap < t.gap else " (well above training, but not rising)"
        side = "above" if val >= train else "below"
        reason = (
            f"training loss {_n(train)} is {_pct(share)} of {base} and validation loss {_n(val)} is {_n(abs(val - train))}"
            f" {side} it{note}; its minimum is {_n(low)} at epoch {best:,}"
        )
    return Verdict(kind, baseline, train, val, best, low, reason)
