"""Stores written by earlier releases (committed fixtures) open, migrate in place and keep every coding."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO

import qualcode
from qualcode.project.store import SCHEMA_VERSION

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("version", [3, 4, 5, 6])
def test_an_old_store_migrates_and_keeps_its_codings(version: int, tmp_path: Path) -> None:
    """A store made by the release with schema VERSION (one transcript ingested and coded, one turn tagged by
    hand) is migrated to the current schema, passes integrity_check, keeps its codings and re-ingests."""
    fixture = DATA / f"store-v{version}"
    shutil.copytree(fixture / "transcripts", tmp_path / "transcripts")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", tmp_path / "codebook.yaml")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\ncoder = "lan"\n',
                                            encoding="utf-8")
    (tmp_path / ".qualcode").mkdir()
    store = tmp_path / ".qualcode" / "qualcode.db"
    shutil.copy(fixture / "qualcode.db", store)
    with sqlite3.connect(store) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == version
        before = sorted(old.execute('SELECT document, start, "end", code, coder, status FROM codings'))
    project = qualcode.open_project(tmp_path)
    assert len(project.documents()) == 1
    assert project.ingest().return_code == 0
    with sqlite3.connect(store) as new:
        assert new.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert new.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = sorted(new.execute('SELECT document, start, "end", code, coder, status FROM codings'))
    assert after == before and any(row[3:] == ("language", "lan", "accepted") for row in after)
    assert project.code().added + project.code().kept_decisions >= 1


def test_a_schema_5_store_gets_interpreted_turns(tmp_path: Path, cli) -> None:
    """A store from before interpreted turns were stored (schema 5) opens with every turn as direct speech —
    `show` works on it — and the next ingest marks its interpreted turn, keeping the coding on that turn."""
    fixture = DATA / "store-v5"
    shutil.copytree(fixture / "transcripts", tmp_path / "transcripts")
    (tmp_path / ".qualcode").mkdir()
    store = tmp_path / ".qualcode" / "qualcode.db"
    shutil.copy(fixture / "qualcode.db", store)
    shown = cli("show", "IDI-01", "--project", tmp_path)
    assert shown.exit_code == 0, shown.output
    assert "[4] Respondent [P01]\n" in shown.stdout
    with sqlite3.connect(store) as migrated:
        assert migrated.execute("SELECT count(*) FROM turns WHERE interpreted IS NOT NULL").fetchone()[0] == 0
    assert cli("ingest", "--project", tmp_path).exit_code == 0
    with sqlite3.connect(store) as new:
        assert new.execute("SELECT number, participant, interpreted FROM turns WHERE interpreted IS NOT NULL"
                           ).fetchall() == [(4, "P01", "Hmong")]
        assert new.execute("SELECT code, coder FROM codings WHERE status = 'accepted'").fetchall() == [("language",
                                                                                                       "lan")]
    assert "[4] Respondent [P01, interpreted from Hmong]" in cli("show", "IDI-01", "--project", tmp_path).stdout


def test_a_schema_6_store_gets_its_word_index(tmp_path: Path) -> None:
    """A store from before the word index (schema 6) gets one on opening, the same rows a fresh ingest of the
    same transcripts writes, and a warm re-code after a rule edit on it finds what a fresh project finds."""
    fixture = DATA / "store-v6-words"  # ingested and coded by the rules only: no person's coding
    for root in (tmp_path / "old", tmp_path / "fresh"):
        shutil.copytree(fixture / "transcripts", root / "transcripts")
        shutil.copy(REPO / "codebooks" / "barriers.yaml", root / "codebook.yaml")
        (root / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    (tmp_path / "old" / ".qualcode").mkdir()
    shutil.copy(fixture / "qualcode.db", tmp_path / "old" / ".qualcode" / "qualcode.db")
    old, fresh = qualcode.open_project(tmp_path / "old"), qualcode.open_project(tmp_path / "fresh")
    assert len(old.documents()) == 1
    fresh.ingest()
    rows = []
    for root in (tmp_path / "old", tmp_path / "fresh"):
        with sqlite3.connect(root / ".qualcode" / "qualcode.db") as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            rows.append(con.execute("SELECT form, document, sentences FROM word_index ORDER BY form").fetchall())
    assert rows[0] == rows[1] and ("books", "IDI-01") in {r[:2] for r in rows[0]}
    for root, project in ((tmp_path / "old", old), (tmp_path / "fresh", fresh)):
        project.code()
        book = root / "codebook.yaml"
        book.write_text(book.read_text(encoding="utf-8").replace("- keywords: [", "- keywords: [books, ", 1),
                        encoding="utf-8")
        assert project.code().recoded_codes == 1
    found = [qualcode.open_project(root).codings(include_suggestions=True)[["document", "start", "end", "code"]]
             .values.tolist() for root in (tmp_path / "old", tmp_path / "fresh")]
    assert found[0] == found[1] and found[0]
