"""The loss curves as an image (PNG or SVG) with matplotlib, the optional `plot` extra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bpcalc.errors import BpcalcError

FORMATS = (".png", ".svg")


def check_path(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise BpcalcError(f"--plot {path}: expected a file name ending in .png or .svg")
    return suffix


def pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise BpcalcError("--plot needs matplotlib, which is not installed; install the plot extra: pip install -e '.[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw(ax: Any, training: list[float], validation: list[float], best: int, title: str, baseline: float | None = None) -> None:
    """Both curves on one axes from loss 0 up, the lowest validation loss and the baseline marked."""
    epochs = range(len(training))
    if baseline is not None:
        ax.axhline(baseline, color="0.4", linestyle="--", linewidth=1, label=f"always predicting the mean ({baseline:.3f})")
    ax.plot(epochs, training, label="training loss", color="#1f77b4")
    ax.plot(epochs, validation, label="validation loss", color="#d62728")
    ax.axvline(best, color="0.5", linestyle=":", linewidth=1, label=f"lowest validation (epoch {best})")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def save(fig: Any, path: str) -> None:
    suffix = check_path(path)
    metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
    try:
        fig.savefig(path, dpi=110, metadata=metadata)
    except OSError as e:
        raise BpcalcError(f"--plot {path}: cannot write: {e.strerror}") from None


def save_curves(path: str, training: list[float], validation: list[float], best: int, title: str, baseline: float | None = None) -> None:
    check_path(path)
    plt = pyplot()
    plt.rcParams["svg.hashsalt"] = "bpcalc"
    fig, ax = plt.subplots(figsize=(7, 4))
    draw(ax, training, validation, best, title, baseline)
    fig.tight_layout()
    save(fig, path)
    plt.close(fig)
