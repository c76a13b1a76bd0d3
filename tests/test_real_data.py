"""Real transcripts written by others (../shared/data/real): turn counts from PDF and TXT alike."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

import qualcode

PDPILOT_TURNS = {"P1": 94, "P2": 165, "P3": 122, "P4": 111, "P5": 135, "P6": 100, "P7": 106}


def _ingest(tmp_path: Path, *paths: Path, participants: Path | None = None) -> dict:
    project = qualcode.open_project(tmp_path)
    report = project.ingest(list(paths), participants=participants)
    assert report.failures == []
    return {d.id: d for d in project.documents().itertuples()}


@pytest.mark.parametrize("folder", ["transcripts_txt", "transcripts_pdf"])
def test_pdpilot_turn_counts(tmp_path: Path, shared_real: Path, folder: str) -> None:
    """The PDPilot interviews have 94, 165, 122, 111, 135, 100 and 106 turns from PDF and TXT alike — except
    that P5.pdf's misspelt `Particpant:` line is a participant's turn of its own (136), where the TXT export
    ran it into the interviewer's line."""
    docs = _ingest(tmp_path, shared_real / "pdpilot-interviews-coded" / folder)
    expected = {**PDPILOT_TURNS, "P5": 136} if folder == "transcripts_pdf" else PDPILOT_TURNS
    assert {k: d.turns for k, d in docs.items()} == expected
    assert all(d.speakers == 2 for d in docs.values())


def test_pdpilot_pdf_and_txt_turns_have_the_same_speech(tmp_path: Path, shared_real: Path) -> None:
    """PDF page markers and tabs do not leak into turns: the words of each turn match the TXT export's."""
    base = shared_real / "pdpilot-interviews-coded"
    txt_root, pdf_root = tmp_path / "txt", tmp_path / "pdf"
    txt_root.mkdir()
    pdf_root.mkdir()
    qualcode.open_project(txt_root).ingest([base / "transcripts_txt" / "P3.txt"])
    qualcode.open_project(pdf_root).ingest([base / "transcripts_pdf" / "P3.pdf"])
    from qualcode.project.store import open_store

    def turn_words(root: Path) -> list[list[str]]:
        store = open_store(root / ".qualcode" / "qualcode.db")
        text = store.document("P3").text
        words = [text[t.start:t.end].split() for t in store.turns("P3")]
        store.close()
        return words

    txt, pdf = turn_words(txt_root), turn_words(pdf_root)
    same = sum(a == b for a, b in zip(txt, pdf))
    assert len(txt) == len(pdf) == 122
    assert same / len(txt) >= 0.9  # the rest differ by the TXT export's own line-number and wrap artefacts


def test_qmsum_multispeaker_turns(tmp_path: Path, shared_real: Path) -> None:
    """QMSum committee sessions: one line is one turn, with every speaker listed and without — a one-off
    `Steve Davies:` among `Kirsty Williams AM:`-style name labels is a speaker too (5 of the 25 sessions have
    one: 3956 turns before this rule, 3961 with it), and no once-used label is left to warn about."""
    folder = shared_real / "qmsum-welsh-committee-multispeaker" / "transcripts_txt"
    files = sorted(folder.glob("*.txt"))
    labels: dict[str, Counter] = {}
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        labels[path.stem] = Counter(line.split(": ", 1)[0] for line in lines)
    expected_listed = {stem: sum(c.values()) for stem, c in labels.items()}
    once = {stem for stem, c in labels.items() if 1 in c.values()}
    assert once == {"education_1", "education_12", "education_16", "education_2", "education_23"}
    assert sum(n for c in labels.values() for n in c.values() if n >= 2) == 3956  # the old rule's turns

    (tmp_path / "plain").mkdir()
    project = qualcode.open_project(tmp_path / "plain")
    report = project.ingest([folder])
    assert report.failures == [] and not [w for w in report.warnings if "starts only this line" in w.message]
    assert {d.id: d.turns for d in project.documents().itertuples()} == expected_listed

    csv_path = tmp_path / "speakers.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["participant", "document", "speaker"])
        for stem, counter in labels.items():
            for i, label in enumerate(sorted(counter)):
                writer.writerow([f"{stem}-S{i}", stem, label])
    (tmp_path / "listed").mkdir()
    listed = _ingest(tmp_path / "listed", folder, participants=csv_path)
    assert {k: d.turns for k, d in listed.items()} == expected_listed
    assert sum(expected_listed.values()) == 3961
    assert {k: d.speakers for k, d in listed.items()} == {k: len(c) for k, c in labels.items()}


def test_oral_histories_have_two_interviewers_and_a_preamble(tmp_path: Path, shared_real: Path) -> None:
    """NASA oral histories: `#` header lines are preamble, named speakers alternate."""
    docs = _ingest(tmp_path, *sorted((shared_real / "nasa-jsc-oral-history-pd").glob("*.txt")))
    assert set(docs) == {"jsc-oral-history-00311_Dorothy_B_Lee", "jsc-oral-history-00992_Harriet_J_Devries_Smith"}
    assert all(d.speakers >= 2 and d.turns > 50 for d in docs.values())
