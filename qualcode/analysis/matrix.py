"""Theme frequency matrices and co-occurrence as pandas DataFrames. Pure functions: no files, no printing.

A coding counts for its own code and every ancestor, and each count is of *distinct* things — participants,
documents or coded segments — so a parent counts a participant once however many of its children apply.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qualcode.analysis.corpus_view import CorpusView
from qualcode.errors import UsageError

COUNTS = ("participants", "documents", "segments")
COUNT_TEXT = {
    "participants": "participants (distinct respondents who said it)",
    "documents": "documents (distinct documents in which it was said)",
    "segments": "segments (distinct coded passages)",
}


PERCENT_TEXT = {
    "participants": "the percent of each column's respondents (n in its header) who said it",
    "documents": "the percent of each column's documents (n in its header) in which it was said",
}


def cell_text(frame: pd.DataFrame) -> str:
    """What a matrix's cells hold, as a sentence for its notes and captions: ``Counts: participants
    (distinct respondents who said it).``, or with ``--percent`` ``Percent of participants: the percent of
    each column's respondents (n in its header) who said it.`` — never "Counts" for percentages."""
    count = frame.attrs.get("count", "")
    if frame.attrs.get("percent"):
        return f"Percent of {count}: {PERCENT_TEXT.get(count, count)}."
    return f"Counts: {frame.attrs.get('counts') or frame.attrs.get('title', '')}."


def cell_notes(frame: pd.DataFrame) -> list[str]:
    """The notes that say how to read a matrix's cells: what they hold, what ``<K`` means, why a cell is
    empty (a column with n=0 has no percentages)."""
    notes = [cell_text(frame)]
    k = frame.attrs.get("min_cell")
    if k:
        notes.append(f"Cells of 1 to {k - 1} {frame.attrs.get('count', '')} are shown as <{k}.")
    empty = [name for name, n in frame.attrs.get("denominators", {}).items() if frame.attrs.get("percent") and not n]
    if empty:
        one = len(empty) == 1
        notes.append(f"No percentages for {', '.join(empty)}: {'that column has' if one else 'those columns have'} "
                     f"no {frame.attrs.get('count', '')} (n=0) and {'its' if one else 'their'} cells are empty.")
    return notes


def matrix_caption(frame: pd.DataFrame) -> str:
    """A matrix's caption (the appendix's summary table, the line above a CSV or XLSX table): its title and
    what its cells hold — ``Percent of participants per code by gender: the percent of each column's
    respondents (n in its header) who said it.`` — then what ``<K`` and empty cells mean."""
    title = frame.attrs.get("title", "")
    count = frame.attrs.get("count", "")
    held, *more = cell_notes(frame)
    if frame.attrs.get("percent"):
        first = f"{title}: {PERCENT_TEXT.get(count, count)}."
    elif frame.attrs.get("counts", "") in title:  # co-occurrence: the title says what a cell counts
        first = f"{title}."
    else:
        first = f"{title}. {held}"
    return " ".join([first, *more])


def _label(combo: tuple[str, ...]) -> str:
    return " / ".join(combo)


def code_rows(view: CorpusView, used: Sequence[str]) -> list[tuple[str, str, int]]:
    """``(code, label, level)`` in codebook order, then codes used in codings but absent from the codebook."""
    rows = [(c.id, c.label, c.level) for c in view.book.codes]
    known = {c.id for c in view.book.codes}
    rows += [(code, code, 1) for code in sorted(set(used) - known)]
    return rows


def theme_matrix(view: CorpusView, by: Sequence[str] = ("gender",), count: str = "participants",
                 percent: bool = False, min_cell: int | None = None) -> pd.DataFrame:
    """Codes × attribute values: how many participants (documents, segments) each code was found for.

    Columns are the observed value combinations of ``by`` among respondents, sorted case-insensitively with
    ``(missing)`` last, then ``Total``. ``percent`` divides by the respondents (documents) of each column who
    have at least one respondent turn (a column with none gets empty cells); ``min_cell`` shows counts 1..K-1
    as ``<K``.
    The frame's ``attrs`` say what was counted, the selection, and the denominators.
    Raises UsageError for an unknown attribute or count, or ``percent`` with segments.
    """
    if count not in COUNTS:
        raise UsageError(f"unknown count {count!r}; use {', '.join(COUNTS)}")
    if percent and count == "segments":
        raise UsageError("--percent divides by participants or documents; it cannot be used with segments")
    by = view.resolve_attributes(by)

    def combo(participant: str | None, document: str) -> tuple[str, ...]:
        return tuple(view.value(a, participant, document) for a in by)

    population = pd.DataFrame(
        [(t.participant, t.document, combo(t.participant, t.document)) for t in view.respondent_turns()],
        columns=["participant", "document", "column"])
    records = []
    for coding, turn in view.codings:
        column = combo(turn.participant, coding.document)
        segment = (coding.document, coding.start, coding.end)
        for code in view.lineage(coding.code):
            records.append((code, column, turn.participant, coding.document, segment))
    data = pd.DataFrame(records, columns=["code", "column", "participant", "document", "segment"])
    target = {"participants": "participant", "documents": "document", "segments": "segment"}[count]
    columns = sorted(set(population["column"]) | set(data["column"]),
                     key=lambda combo: tuple(view.order_key(a, v) for a, v in zip(by, combo)))
    counts = (data.groupby(["code", "column"])[target].nunique().unstack(fill_value=0)
              if len(data) else pd.DataFrame())
    totals = data.groupby("code")[target].nunique() if len(data) else pd.Series(dtype=int)
    denominators: dict[str, int] = {}
    if count in ("participants", "documents"):
        unit = "participant" if count == "participants" else "document"
        per_column = population.dropna(subset=[unit]).groupby("column")[unit].nunique()
        denominators = {_label(c): int(per_column.get(c, 0)) for c in columns}
        denominators["Total"] = int(population[unit].dropna().nunique())

    def header(name: str) -> str:
        return f"{name} (n={denominators[name]})" if percent else name

    rows = []
    for code, label, level in code_rows(view, data["code"].unique().tolist() if len(data) else []):
        row: dict[str, object] = {"code": code, "label": label, "level": level}
        cells = [(_label(c), int(counts.at[code, c]) if code in counts.index and c in counts.columns else 0)
                 for c in columns]
        cells.append(("Total", int(totals.get(code, 0))))
        for name, value in cells:
            shown: object = value
            if percent:  # n=0: no percentage at all, rather than a 0.0 that reads as "nobody said it"
                shown = round(100.0 * value / denominators[name], 1) if denominators[name] else ""
            if min_cell and 0 < value < min_cell:
                shown = f"<{min_cell}"
            row[header(name)] = shown
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["code", "label", "level", *[header(_label(c)) for c in columns],
                                        header("Total")])
    noun = COUNT_TEXT[count].split(" (")[0]
    frame.attrs.update({
        "draft": view.draft, "count": count, "counts": COUNT_TEXT[count], "by": by, "percent": percent,
        "min_cell": min_cell,
        "denominators": denominators, "selection": view.selection_text, "unreviewed": view.unreviewed,
        "interviewer_codings": view.interviewer_codings, "codebook": view.book.name, "left_out": view.left_out,
        "title": f"{'Percent of ' + noun if percent else noun.capitalize()} per code by "
                 f"{' / '.join(by)}",
    })
    return frame


def cooccurrence(view: CorpusView, count: str = "segments") -> pd.DataFrame:
    """Code × code: how many respondent turns (``segments``) or participants have codings of both.

    A turn has code X when any selected coding of X or a descendant lies in it. The diagonal holds the
    turns (participants) with X at all.
    """
    if count not in ("segments", "participants"):
        raise UsageError(f"unknown count {count!r}; use segments (turns) or participants")
    holders: dict[str, set] = {}
    for coding, turn in view.codings:
        key = (turn.document, turn.number) if count == "segments" else turn.participant
        if key is None:
            continue
        for code in view.lineage(coding.code):
            holders.setdefault(code, set()).add(key)
    codes = code_rows(view, list(holders))
    frame = pd.DataFrame([[len(holders.get(a, set()) & holders.get(b, set())) for b, _, _ in codes]
                          for a, _, _ in codes], index=[c for c, _, _ in codes], columns=[c for c, _, _ in codes])
    frame.attrs.update({"count": count, "counts": "respondent turns with both codes" if count == "segments"
                        else "participants with both codes", "labels": {c: label for c, label, _ in codes},
                        "levels": {c: level for c, _, level in codes}, "selection": view.selection_text,
                        "unreviewed": view.unreviewed, "draft": view.draft, "codebook": view.book.name,
                        "left_out": view.left_out,
                        "title": f"Co-occurrence: {'respondent turns' if count == 'segments' else 'participants'} "
                                 "with both codes"})
    return frame
