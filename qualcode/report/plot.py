"""Heatmaps of matrices (matplotlib, Agg backend): readable code labels, a colour scale, a telling title."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FIXED_METADATA = {"Software": "qualcode"}


def row_label(label: str, level: int) -> str:
    """A code's label on a heatmap axis: children marked with dashes, one per level below the top."""
    return f"{'– ' * (level - 1)}{label}"


def heatmap(path: Path, values: pd.DataFrame, row_labels: list[str], title: str, subtitle: str = "",
            shown: pd.DataFrame | None = None, scale_label: str = "", levels: list[int] | None = None) -> None:
    """Write a heatmap PNG of ``values`` (numbers; NaN drawn blank) with ``shown`` as the cell texts.

    Raises OSError when the file cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shown = values if shown is None else shown
    height = max(3.0, 0.38 * len(values) + 1.8)
    cell = min(1.1, 14.0 / max(1, len(values.columns)))  # wide matrices get narrower cells
    width = max(6.0, cell * len(values.columns) + 0.09 * max((len(r) for r in row_labels), default=10) + 2.5)
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    grid = values.to_numpy(dtype=float)
    top = max(float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0, 1.0)  # all zero or all suppressed: 0–1
    image = ax.imshow(grid, aspect="auto", cmap="YlGnBu", vmin=0, vmax=top)  # the scale starts at 0
    rotation = 30 if len(values.columns) <= 10 else 60
    ax.set_xticks(range(len(values.columns)), labels=list(values.columns), rotation=rotation, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(len(values)), labels=row_labels)
    for tick, level in zip(ax.get_yticklabels(), levels or [1] * len(row_labels)):
        if level == 1:
            tick.set_fontweight("bold")
    peak = pd.to_numeric(values.stack(), errors="coerce").max()
    for i in range(len(values)):
        for j in range(len(values.columns)):
            number = values.iat[i, j]
            text = shown.iat[i, j]
            dark = pd.notna(number) and peak and number > 0.6 * peak
            ax.text(j, i, str(text), ha="center", va="center", fontsize=8 if cell > 0.8 else 6.5,
                    color="white" if dark else "black")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(scale_label)
    import textwrap

    chars = max(40, int(width * 11))  # keep the title inside the figure
    lines = textwrap.wrap(title, chars) + (textwrap.wrap(subtitle, int(chars * 1.1)) if subtitle else [])
    ax.set_title("\n".join(lines), fontsize=10)
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
    levels = [int(level) for level in frame["level"]]
    labels = [row_label(str(label), level) for label, level in zip(frame["label"], levels)]
    count = frame.attrs.get("count", "")
    heatmap(path, numbers, labels, frame.attrs.get("title", ""), _subtitle(frame), shown,
            f"percent of {count}" if frame.attrs.get("percent") else count, levels)


def _subtitle(frame: pd.DataFrame) -> str:
    """What the cells hold (counts of what, or percent of what) and the selection, after DRAFT when drafted."""
    from qualcode.analysis.matrix import PERCENT_TEXT

    count = frame.attrs.get("count", "")
    if frame.attrs.get("percent"):
        counted = f"Percent of {count}: {PERCENT_TEXT.get(count, count)}"
    else:
        counted = frame.attrs.get("counts", "")
    selection = frame.attrs.get("selection", "").split(" — ")[-1]
    parts = [p for p in (counted[:1].upper() + counted[1:], selection) if p]
    draft = "DRAFT (unreviewed suggestions included) — " if frame.attrs.get("draft") else ""
    return draft + "; ".join(parts)


def cooccurrence_heatmap(path: Path, frame: pd.DataFrame) -> None:
    """Heatmap of a co-occurrence matrix with code labels on both axes."""
    labels = frame.attrs.get("labels", {})
    levels = frame.attrs.get("levels", {})
    rows = [row_label(labels.get(c, c), levels.get(c, 1)) for c in frame.index]
    named = frame.copy()
    named.columns = [labels.get(c, c) for c in frame.columns]
    scale = "turns" if frame.attrs.get("count") == "segments" else "participants"
    heatmap(path, named, rows, frame.attrs.get("title", ""), _subtitle(frame), named, scale,
            [levels.get(c, 1) for c in frame.index])


def word_bars(path: Path, frame: pd.DataFrame) -> None:
    """Horizontal bar charts of `qualcode words`: one panel per group, its lemmas by count (or by G2 when the
    frame is sorted by keyness), the largest on top. Raises OSError when the file cannot be written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keyness = frame.attrs.get("sort") == "keyness"
    measure = "g2" if keyness else "count"
    groups = list(frame.attrs.get("groups") or dict.fromkeys(frame["group"]))
    columns = min(3, max(1, len(groups)))
    rows = -(-len(groups) // columns)
    longest = max([len(str(x)) for x in frame["lemma"]] or [8])
    per_panel = max([int((frame["group"] == g).sum()) for g in groups] or [1])
    fig, axes = plt.subplots(rows, columns, squeeze=False, dpi=110,
                             figsize=(columns * (2.6 + 0.08 * longest), rows * (0.8 + 0.24 * max(per_panel, 3))))
    for ax, group in zip(axes.flat, groups):
        part = frame[frame["group"] == group]
        ax.barh(range(len(part)), part[measure].astype(float), color="#4E79A7")
        ax.set_yticks(range(len(part)), labels=[str(x) for x in part["lemma"]], fontsize=8)
        ax.invert_yaxis()
        size = (frame.attrs.get("groups") or {}).get(group, {})
        ax.set_title(f"{group} (n={size.get('participants', '?')})" if frame.attrs.get("by") else str(group),
                     fontsize=9)
        ax.set_xlabel("G2 (keyness)" if keyness else "count", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    by = frame.attrs.get("by")
    what = "Key words" if keyness else "Most frequent lemmas"
    fig.suptitle(f"{what} of respondents{' by ' + by if by else ''} (stop words left out)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata=FIXED_METADATA)
    plt.close(fig)
