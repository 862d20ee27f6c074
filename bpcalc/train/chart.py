"""Training and validation loss curves as a terminal chart (plotext), colored or in plain characters."""

from __future__ import annotations

import math

HEIGHT = 16
MIN_WIDTH = 40


def nice_ticks(last: int, count: int) -> list[int]:
    """Whole epoch numbers 0, step, 2·step, ... with a 1-2-5 step, at most ``count`` of them, ending at or before ``last``."""
    if last <= 0:
        return [0]
    raw = last / max(count - 1, 1)
    base = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    step = max(int(step), 1)
    return list(range(0, last + 1, step))


def _thin(xs: list[int], ys: list[float], points: int) -> tuple[list[int], list[float]]:
    """At most ``points`` evenly spread points, the first and last kept."""
    if len(xs) <= points:
        return xs, ys
    idx = sorted({round(i * (len(xs) - 1) / (points - 1)) for i in range(points)})
    return [xs[i] for i in idx], [ys[i] for i in idx]


COLORS = (12, 10)  # the 'simple' theme's colors of the first and second signal (blue, green)


def legend(color: bool) -> str:
    """The key under the chart (plotext's own legend box would hide the curves' start or end)."""
    if color:
        return "    " + "   ".join(f"\x1b[38;5;{c}m⣿⣿\x1b[0m {name} loss" for c, name in zip(COLORS, ("training", "validation")))
    return "    •• training loss   xx validation loss"


def loss_chart(training: list[float], validation: list[float], width: int, color: bool, title: str = "loss per epoch") -> str:
    """The two curves over epochs 0..E, ``width`` columns wide; colors only when ``color``."""
    import plotext

    width = max(width, MIN_WIDTH)
    plotext.terminal.limit(False, False)  # the width asked for, not the size of whatever terminal is attached
    f = plotext.figure
    f.clear()
    f.plot_size(width, HEIGHT)
    f.theme("simple" if color else "colorless")  # simple: colored curves, no backgrounds
    xs = list(range(len(training)))
    # braille dots in color; in plain text two different characters, so the curves can be told apart
    markers = ("braille", "braille") if color else ("•", "x")
    for ys, marker in ((training, markers[0]), (validation, markers[1])):
        px, py = _thin(xs, ys, 2 * width if color else width)
        s = f.signal(px, py, marker=marker)
        if color:
            s.lines()
        f.draw(s)
    ticks = nice_ticks(len(training) - 1, max(3, width // 12))
    f.ruler("x").ticks(ticks, [str(t) for t in ticks])
    f.title(title)
    f.label("epoch", "x")
    lines = f.build().string(colorless=not color).split("\n")
    while lines and not plotext.uncolorize(lines[-1]).strip():
        lines.pop()
    return "\n".join(lines + [legend(color)])
