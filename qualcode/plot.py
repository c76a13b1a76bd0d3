"""Heatmaps of matrices (matplotlib, Agg backend): readable code labels, a colour scale, a telling title."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FIXED_METADATA = {"Software": "qualcode"}


def heatmap(path: Path, values: pd.DataFrame, row_labels: list[str], title: str, subtitle: str = "",
            shown: pd.DataFrame | None = None, scale_label: str = "") -> None:
    """Write a heatmap PNG of ``values`` (numbers; NaN drawn blank) with ``shown`` as the cell texts.

    Raises OSError when the file cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = values if shown is None else shown
    height = max(3.0, 0.38 * len(values) + 1.8)
    width = max(6.0, 1.1 * len(values.columns) + 0.09 * max((len(r) for r in row_labels), default=10) + 2.5)
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    image = ax.imshow(values.to_numpy(dtype=float), aspect="auto", cmap="YlGnBu")
    ax.set_xticks(range(len(values.columns)), labels=list(values.columns), rotation=30, ha="right")
    ax.set_yticks(range(len(values)), labels=row_labels)
    peak = pd.to_numeric(values.stack(), errors="coerce").max()
    for i in range(len(values)):
        for j in range(len(values.columns)):
            number = values.iat[i, j]
            text = shown.iat[i, j]
            dark = pd.notna(number) and peak and number > 0.6 * peak
            ax.text(j, i, str(text), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(scale_label)
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata=FIXED_METADATA)
    plt.close(fig)


def matrix_heatmap(path: Path, frame: pd.DataFrame) -> None:
    """Heatmap of a theme matrix (the Total column left out); children indented under their parents."""
    columns = [c for c in frame.columns[3:] if not str(c).startswith("Total")]
    shown = frame[columns]
    min_cell = frame.attrs.get("min_cell")
    numbers = shown.apply(pd.to_numeric, errors="coerce")
    if min_cell:  # suppressed cells keep their "<K" text and a blank colour
        numbers = numbers.where(shown.map(lambda v: not isinstance(v, str)))
    labels = ["    " * (int(level) - 1) + str(label) for label, level in zip(frame["label"], frame["level"])]
    heatmap(path, numbers, labels, frame.attrs.get("title", ""), frame.attrs.get("counts", ""), shown,
            "percent" if frame.attrs.get("percent") else frame.attrs.get("count", ""))


def cooccurrence_heatmap(path: Path, frame: pd.DataFrame) -> None:
    """Heatmap of a co-occurrence matrix with code labels on both axes."""
    labels = frame.attrs.get("labels", {})
    levels = frame.attrs.get("levels", {})
    rows = ["    " * (levels.get(c, 1) - 1) + labels.get(c, c) for c in frame.index]
    named = frame.copy()
    named.columns = [labels.get(c, c) for c in frame.columns]
    heatmap(path, named, rows, frame.attrs.get("title", ""), "", named, frame.attrs.get("count", ""))
