"""Did-you-mean for a name that is nearly one of the known ones (W31 → w31, Sigmoid → sigmoid, lr → learning_rate)."""

from __future__ import annotations

import difflib
from typing import Iterable

ALIASES = {"lr": "learning_rate", "eta": "learning_rate", "η": "learning_rate", "alpha": "learning_rate", "rate": "learning_rate"}


def nearest(word: str, known: Iterable[str]) -> str | None:
    """The known name ``word`` most likely stands for: the same but for case, a common alias, or a close spelling."""
    names = list(dict.fromkeys(known))
    w = word.strip()
    if not w or len(w) > 100:
        return None
    folded = {n.lower(): n for n in names}
    if w.lower() in folded and folded[w.lower()] != w:
        return folded[w.lower()]
    alias = ALIASES.get(w.lower())
    if alias in names:
        return alias
    close = difflib.get_close_matches(w.lower(), list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close and folded[close[0]] != w else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' (did you mean "w31"?)', or nothing when no known name is near."""
    hit = nearest(word, known)
    return f' (did you mean "{hit}"?)' if hit else ""
