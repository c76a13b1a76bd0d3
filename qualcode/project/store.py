"""The project store: one SQLite file, a versioned schema, one transaction per command.

This is the only module that writes SQL. Everything else asks it for values.
"""

from __future__ import annotations

import json
import os
import sqlite3
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.model import DocType, ParsedDocument, Participant, ResolvedTurn, Role, Sentence
from qualcode.project import word_index
from qualcode.project.integrity import check_store, record_checked
from qualcode.project.pending import PENDING_KEY, finish_moves

SCHEMA_VERSION = 8

# Review by rule (schema 7): a seeded sample of a rule's pending suggestions (``population``: their ids, JSON,
# when drawn; the sample is the first ``size`` of the seeded shuffle of them), then the one bulk decision on the
# rest (``action``, the ``applied`` ids, the sample's result then) that closes it.
_RULE_SAMPLES = """CREATE TABLE rule_samples (id INTEGER PRIMARY KEY AUTOINCREMENT, codebook TEXT NOT NULL,
    coder TEXT NOT NULL, rule TEXT NOT NULL, seed INTEGER NOT NULL, size INTEGER NOT NULL,
    population TEXT NOT NULL, drawn TEXT NOT NULL, action TEXT NOT NULL DEFAULT '',
    applied TEXT NOT NULL DEFAULT '[]', sample_accepted INTEGER NOT NULL DEFAULT 0,
    sample_rejected INTEGER NOT NULL DEFAULT 0, reviewer TEXT NOT NULL DEFAULT '', decided TEXT NOT NULL DEFAULT '',
    forced INTEGER NOT NULL DEFAULT 0);"""

# Each step takes a store from version N to N + 1, in the same transaction as the version bump: its SQL, or a
# function of the connection giving it.
MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], str]] = {
    # 2: sentences keep their word tokens. Old stores get empty token lists and must be re-ingested.
    1: """ALTER TABLE sentences ADD COLUMN tokens BLOB NOT NULL DEFAULT x'';
          UPDATE documents SET content_hash = '';
          INSERT OR REPLACE INTO meta (key, value) VALUES ('needs_reingest', '1');""",
    # 3: a cache of tokenised keywords and example sentences (qualcode.tokencache).
    2: """CREATE TABLE token_cache (kind TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL,
          value TEXT NOT NULL, PRIMARY KEY (kind, language, text));""",
    # 4: a report writer's choices of quotes (pin / exclude) and their translations.
    3: """CREATE TABLE quote_choices (id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL,
          start INTEGER NOT NULL, "end" INTEGER NOT NULL, code TEXT NOT NULL, use TEXT NOT NULL DEFAULT '',
          translation TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, stale INTEGER NOT NULL DEFAULT 0,
          UNIQUE (document, start, "end", code));""",
    # 5: memos on documents, participants, codes and codings.
    4: """CREATE TABLE memos (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, target TEXT NOT NULL,
          author TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL DEFAULT '', text TEXT NOT NULL);
          CREATE INDEX memos_target ON memos(kind, target);""",
    # 6: turns given through an interpreter. Old stores get NULL (direct speech) until the next ingest, which
    # re-resolves every document's speakers and fills it in. (A store whose version was set back by hand may
    # have the column already: adding it twice would fail the whole upgrade.)
    5: lambda db: "" if _has_column(db, "turns", "interpreted") else "ALTER TABLE turns ADD COLUMN interpreted TEXT;",
    # 7: review by rule — the samples drawn of a rule's suggestions and the bulk decision that settled the rest.
    # (a store whose version was set back by hand may hold the table already)
    6: lambda db: "" if _has_table(db, "rule_samples") else _RULE_SAMPLES,
    # 8: the word index (qualcode.project.word_index), built below for the documents already stored (a store
    # whose version was set back by hand may have the table: it is rebuilt).
    7: word_index.TABLE,
}
# Steps that also write rows, run after their SQL in the same transaction.
MIGRATION_BUILDS: dict[int, Callable[[sqlite3.Connection], None]] = {7: word_index.build}


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL, doc_type TEXT NOT NULL,
    language TEXT NOT NULL, content_hash TEXT NOT NULL, text TEXT NOT NULL, attributes TEXT NOT NULL,
    preamble_end INTEGER NOT NULL, words INTEGER NOT NULL);
CREATE TABLE turns (
    document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, number INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, label TEXT, timestamp TEXT,
    role TEXT NOT NULL DEFAULT 'unknown', participant TEXT, role_name TEXT, interpreted TEXT,
    PRIMARY KEY (document, number));
CREATE TABLE sentences (
    document TEXT NOT NULL, turn INTEGER NOT NULL, number INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, tokens BLOB NOT NULL, PRIMARY KEY (document, turn, number),
    FOREIGN KEY (document, turn) REFERENCES turns(document, number) ON DELETE CASCADE);
CREATE TABLE participants (id TEXT PRIMARY KEY, attributes TEXT NOT NULL);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, code TEXT NOT NULL, coder TEXT NOT NULL, status TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '', rule TEXT NOT NULL DEFAULT '', codebook TEXT NOT NULL DEFAULT '',
    codebook_version TEXT NOT NULL DEFAULT '', codebook_hash TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL, stale INTEGER NOT NULL DEFAULT 0);
CREATE INDEX codings_document ON codings(document);
CREATE TABLE token_cache (kind TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (kind, language, text));
CREATE TABLE quote_choices (id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, code TEXT NOT NULL, use TEXT NOT NULL DEFAULT '',
    translation TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, stale INTEGER NOT NULL DEFAULT 0,
    UNIQUE (document, start, "end", code));
CREATE TABLE memos (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, target TEXT NOT NULL,
    author TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL DEFAULT '', text TEXT NOT NULL);
CREATE INDEX memos_target ON memos(kind, target);
""" + _RULE_SAMPLES + word_index.TABLE


@dataclass(frozen=True)
class DocumentRow:
    """A stored document without its turns."""

    id: str
    path: str
    format: str
    doc_type: DocType
    language: str
    content_hash: str
    text: str
    attributes: dict[str, str]
    preamble_end: int
    words: int


@dataclass(frozen=True)
class TurnRow:
    """A stored turn with its resolved speaker."""

    document: str
    number: int
    start: int
    end: int
    label: str | None
    timestamp: str | None
    role: Role
    participant: str | None
    role_name: str | None
    # given through an interpreter: None for direct speech, "" for an unnamed language, else the language
    # (English name: "Khmer", "sign language")
    interpreted: str | None = None


@dataclass(frozen=True)
class QuoteChoiceRow:
    """A report writer's choice about one quote of a code: pin or exclude it, and its translation."""

    id: int
    document: str
    start: int
    end: int
    code: str
    use: str  # "pin", "exclude" or ""
    translation: str
    text: str  # the quote's text when chosen (to re-anchor it after a transcript edit)
    stale: bool = False


@dataclass(frozen=True)
class MemoRow:
    """A memo: a researcher's note on a document, participant, code or coding (``kind``), by ``author``.
    ``target`` is the document id, participant id, code id or coding id (as text); times are UTC ISO 8601."""

    id: int
    kind: str  # document, participant, code or coding
    target: str
    author: str
    created: str
    updated: str  # "" until edited
    text: str


@dataclass(frozen=True)
class CodingRow:
    """A stored coding (a code applied to a span by a coder)."""

    id: int
    document: str
    start: int
    end: int
    code: str
    coder: str
    status: str
    origin: str
    rule: str
    text: str
    stale: bool
    codebook: str = ""
    codebook_version: str = ""


@dataclass(frozen=True)
class RuleSampleRow:
    """A sample drawn of one rule's pending suggestions (review by rule) and, once made, the bulk decision on the
    rest. ``population`` holds the ids of the rule's pending suggestions when it was drawn; ``applied`` the ids
    the bulk decision set; times are UTC ISO 8601."""

    id: int
    codebook: str
    coder: str
    rule: str  # the rule's name, ``workload.meetings#1``
    seed: int
    size: int
    population: tuple[int, ...]
    drawn: str
    action: str = ""  # "" while open; "accept" or "reject" once the rest was decided
    applied: tuple[int, ...] = ()
    sample_accepted: int = 0  # the sample's result when the bulk decision was made
    sample_rejected: int = 0
    reviewer: str = ""
    decided: str = ""
    forced: bool = False


class Store:
    """An open project store. Use :func:`open_store`; write inside :meth:`transaction`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, *, checked: bool = False) -> None:
        self.db = connection
        self.path = path
        self.checked = checked  # found sound when opened: what this connection writes keeps it so

    # -- lifecycle -------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together, or not at all (an exception rolls them back)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # SQLite may have rolled back already (a full disk does): a second ROLLBACK would fail with
            # "cannot rollback - no transaction is active" and hide the real error
            if self.db.in_transaction:
                with suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection; a store found sound when opened and changed since is recorded as checked
        (SQLite wrote it, so it needs no new check)."""
        changed = self.db.total_changes > 0
        self.db.close()
        if changed and self.checked:
            record_checked(self.path)

    # -- meta ------------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value stored under ``key`` in the meta table."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def delete_meta(self, key: str) -> None:
        """Forget the value stored under ``key``."""
        self.db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- documents -------------------------------------------------------------------------------------
    _DOCUMENT_SQL = ("SELECT id, path, format, doc_type, language, content_hash, text, attributes, "
                     "preamble_end, words FROM documents")

    def _document(self, r: tuple) -> DocumentRow:
        return DocumentRow(r[0], r[1], r[2], self._valid(DocType, r[3], f"documents.doc_type of {r[0]}"), r[4],
                           r[5], r[6], self._mapping(r[7], f"documents.attributes of {r[0]}"), r[8], r[9])

    def _damaged(self, what: str) -> ProjectError:
        return ProjectError(f"the project store {self.path} holds a damaged value ({what}): restore it from a "
                            "backup (qualcode backup writes one, .qualcode/backups keeps the automatic ones); for "
                            "participants, `qualcode ingest` also rebuilds them")

    def _mapping(self, text: str, what: str) -> dict[str, str]:
        """A stored JSON object of text values, or the one-line error naming what is damaged."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise self._damaged(what)
        return value

    def _valid(self, kind, value: str, what: str):
        """``kind(value)`` for a stored enum value, or the one-line error naming what is damaged."""
        try:
            return kind(value)
        except ValueError:
            raise self._damaged(what) from None

    def documents(self) -> list[DocumentRow]:
        """Every stored document, ordered by id."""
        return [self._document(r) for r in self.db.execute(self._DOCUMENT_SQL + " ORDER BY id")]

    def document(self, doc_id: str) -> DocumentRow | None:
        """The stored document ``doc_id``, or None."""
        row = self.db.execute(self._DOCUMENT_SQL + " WHERE id = ?", (doc_id,)).fetchone()
        return self._document(row) if row else None

    def document_keys(self) -> dict[str, tuple[str, str]]:
        """``id -> (path, content hash)`` for every stored document (cheap: no text)."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT id, path, content_hash FROM documents")}

    def put_document(self, doc: ParsedDocument, words: int) -> None:
        """Insert ``doc`` or replace the stored document of that id (its turns and sentences go with it)."""
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self.db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
            (doc.id, doc.path, doc.format, doc.doc_type.value, doc.language, doc.content_hash, doc.text,
             json.dumps(doc.attributes, ensure_ascii=False, sort_keys=True), doc.preamble_end, words))
        self.db.executemany(
            'INSERT INTO turns (document, number, start, "end", label, timestamp) VALUES (?,?,?,?,?,?)',
            [(doc.id, t.number, t.start, t.end, t.label, t.timestamp) for t in doc.turns])
        self.db.executemany(
            'INSERT INTO sentences VALUES (?,?,?,?,?,?)',
            [(doc.id, t.number, i, s.start, s.end, _pack(s.tokens))
             for t in doc.turns for i, s in enumerate(t.sentences, 1)])
        word_index.write(self.db, doc.id, doc.text, [(t.number, i, s.start, s.end)
                                                     for t in doc.turns for i, s in enumerate(t.sentences, 1)])

    def delete_document(self, doc_id: str) -> None:
        """Remove a document with its turns, sentences, word index, codings, quote choices and the memos on it and its
        codings (only for `qualcode remove` and `ingest --prune`, after their backup was written)."""
        self.delete_memos([m.id for m in self.document_memos(doc_id)])
        self.db.execute("DELETE FROM codings WHERE document = ?", (doc_id,))
        self.db.execute("DELETE FROM quote_choices WHERE document = ?", (doc_id,))
        word_index.forget(self.db, doc_id)
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    # -- turns and sentences ---------------------------------------------------------------------------
    def turns(self, doc_id: str | None = None) -> list[TurnRow]:
        """Stored turns of one document (or all), in document and turn order."""
        return self._turns_where("document = ?", (doc_id,)) if doc_id is not None else self._turns_where("1", ())

    def _turns_where(self, where: str, args: tuple) -> list[TurnRow]:
        sql = ('SELECT document, number, start, "end", label, timestamp, role, participant, role_name, '
               f"interpreted FROM turns WHERE {where}")
        rows = self.db.execute(sql + " ORDER BY document, number", args).fetchall()
        return [TurnRow(r[0], r[1], r[2], r[3], r[4], r[5],
                        self._valid(Role, r[6], f"turns.role of {r[0]} turn {r[1]}"), r[7], r[8], r[9]) for r in rows]

    def sentences(self, doc_id: str) -> dict[int, list[Sentence]]:
        """``turn number -> sentences`` (with their word tokens) of one document."""
        result: dict[int, list[Sentence]] = {}
        for turn, start, end, tokens in self.db.execute(
                'SELECT turn, start, "end", tokens FROM sentences WHERE document = ? ORDER BY turn, number',
                (doc_id,)):
            result.setdefault(turn, []).append(Sentence(start, end, _unpack(tokens)))
        return result

    def all_sentences(self) -> dict[tuple[str, int], list[Sentence]]:
        """``(document, turn) -> sentences`` for the whole project, in one query."""
        result: dict[tuple[str, int], list[Sentence]] = {}
        for doc, turn, start, end, tokens in self.db.execute(
                'SELECT document, turn, start, "end", tokens FROM sentences ORDER BY document, turn, number'):
            result.setdefault((doc, turn), []).append(Sentence(start, end, _unpack(tokens)))
        return result

    def set_speakers(self, resolved: Sequence[ResolvedTurn]) -> None:
        """Store each turn's resolved role, participant and interpretation."""
        self.db.executemany(
            "UPDATE turns SET role = ?, participant = ?, role_name = ?, interpreted = ? WHERE document = ? AND "
            "number = ?", [(t.role.value, t.participant, t.role_name, t.interpreted, t.document, t.number)
                           for t in resolved])

    def set_turn_timestamps(self, doc_id: str, timestamps: dict[int, str]) -> None:
        """Set the timestamps of some turns of one document (``turn number -> timestamp``)."""
        self.db.executemany("UPDATE turns SET timestamp = ? WHERE document = ? AND number = ?",
                            [(stamp, doc_id, number) for number, stamp in timestamps.items()])

    # -- token cache --------------------------------------------------------------------------------------
    def token_cache(self) -> dict[tuple[str, str, str], str]:
        """Every cached tokenisation: ``(kind, language, text) -> JSON``."""
        return {(k, lang, t): v for k, lang, t, v in self.db.execute("SELECT kind, language, text, value "
                                                                      "FROM token_cache")}

    def add_token_cache(self, entries: dict[tuple[str, str, str], str]) -> None:
        """Store tokenisations (replacing equal keys)."""
        self.db.executemany("INSERT OR REPLACE INTO token_cache VALUES (?, ?, ?, ?)",
                            [(*key, value) for key, value in entries.items()])

    def clear_token_cache(self) -> None:
        """Forget every cached tokenisation (another spaCy or parser version made them)."""
        self.db.execute("DELETE FROM token_cache")

    # -- participants ----------------------------------------------------------------------------------
    def participants(self) -> list[Participant]:
        """Every participant with resolved attributes, ordered by id."""
        return [Participant(r[0], self._mapping(r[1], f"participants.attributes of {r[0]}"))
                for r in self.db.execute("SELECT id, attributes FROM participants ORDER BY id")]

    def set_participants(self, people: Sequence[Participant], columns: Sequence[str]) -> None:
        """Replace the participants table and remember the attribute columns' order."""
        self.db.execute("DELETE FROM participants")
        self.db.executemany("INSERT INTO participants VALUES (?, ?)",
                            [(p.id, json.dumps(p.attributes, ensure_ascii=False)) for p in people])
        self.set_meta("participant_columns", json.dumps(list(columns), ensure_ascii=False))

    def participant_columns(self) -> list[str]:
        """The attribute columns of the last participants file, in its order."""
        try:
            columns = json.loads(self.get_meta("participant_columns", "[]") or "[]")
        except ValueError:
            columns = None
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise self._damaged("meta participant_columns")
        return columns

    # -- codings ---------------------------------------------------------------------------------------
    def add_coding(self, document: str, start: int, end: int, code: str, coder: str, status: str,
                   text: str, *, origin: str = "", rule: str = "",
                   codebook: tuple[str, str, str] = ("", "", "")) -> int:
        """Insert a coding; ``codebook`` is (name, version, content hash). Returns its id."""
        cursor = self.db.execute(
            'INSERT INTO codings (document, start, "end", code, coder, status, origin, rule, codebook, '
            "codebook_version, codebook_hash, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (document, start, end, code, coder, status, origin, rule, *codebook, text))
        return int(cursor.lastrowid)

    def add_suggestions(self, rows: Sequence[tuple[str, int, int, str, str, str]],
                        codebook: tuple[str, str, str], *, coder: str = "auto", origin: str = "rule") -> None:
        """Insert machine codings ``(document, start, end, code, rule, text)`` as ``coder`` (``auto`` for the
        rules; ``learned``, ``similar``, ``llm`` for the assisted suggesters), status suggested."""
        self.db.executemany(
            'INSERT INTO codings (document, start, "end", code, coder, status, origin, rule, codebook, '
            "codebook_version, codebook_hash, text) VALUES (?,?,?,?,?,'suggested',?,?,?,?,?,?)",
            [(d, s, e, c, coder, origin, rule, *codebook, text) for d, s, e, c, rule, text in rows])

    def delete_suggestions(self, codebook: str, *, coder: str = "auto", codes: Sequence[str] | None = None) -> int:
        """Remove the unreviewed suggestions of ``coder`` made with ``codebook`` (of ``codes`` only, when given):
        a re-run replaces them. Returns how many."""
        sql, args = "DELETE FROM codings WHERE coder = ? AND status = 'suggested' AND codebook = ?", [coder, codebook]
        if codes is not None:
            sql += f" AND code IN ({','.join('?' * len(codes))})"
            args += list(codes)
        return self.db.execute(sql, args).rowcount

    def delete_suggestions_within(self, codebook: str, spans: Sequence[tuple[str, int, int]], *, coder: str,
                                  codes: Sequence[str] | None = None) -> int:
        """Remove the unreviewed suggestions of ``coder`` made with ``codebook`` (of ``codes`` only, when given)
        that lie inside one of ``spans`` ``(document, start, end)``: the passages a run has answered anew, so a
        partial run replaces nothing else. Returns how many."""
        wanted = None if codes is None else set(codes)
        ids = []
        for document, start, end in spans:
            ids += [i for i, code in self.db.execute(
                "SELECT id, code FROM codings WHERE coder = ? AND status = 'suggested' AND codebook = ? "
                'AND document = ? AND start >= ? AND "end" <= ?', (coder, codebook, document, start, end))
                if wanted is None or code in wanted]
        self.db.executemany("DELETE FROM codings WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    def auto_decisions(self, codebook: str, *, coder: str = "auto") -> set[tuple[str, int, int, str]]:
        """``(document, start, end, code)`` of ``coder``'s codings of ``codebook`` already accepted or rejected."""
        return set(self.db.execute(
            'SELECT document, start, "end", code FROM codings WHERE coder = ? '
            "AND status IN ('accepted', 'rejected') AND codebook = ?", (coder, codebook)))

    def codings(self, doc_id: str | None = None) -> list[CodingRow]:
        """Stored codings (of one document, or all), in id order."""
        sql = ('SELECT id, document, start, "end", code, coder, status, origin, rule, text, stale, codebook, '
               "codebook_version FROM codings")
        args: tuple = ()
        if doc_id is not None:
            sql, args = sql + " WHERE document = ?", (doc_id,)
        return [CodingRow(*r[:10], bool(r[10]), r[11], r[12]) for r in self.db.execute(sql + " ORDER BY id", args)]

    def coders(self) -> list[str]:
        """The coders of the stored codings, sorted."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    def coding(self, coding_id: int) -> CodingRow | None:
        """One coding by id, or None."""
        return next((c for c in self.codings_by_ids([coding_id])), None)

    def codings_by_ids(self, ids: Sequence[int]) -> list[CodingRow]:
        """The codings with these ids (missing ids are left out), in id order."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        sql = ('SELECT id, document, start, "end", code, coder, status, origin, rule, text, stale, codebook, '
               f"codebook_version FROM codings WHERE id IN ({marks}) ORDER BY id")
        return [CodingRow(*r[:10], bool(r[10]), r[11], r[12]) for r in self.db.execute(sql, list(ids))]

    def set_status(self, coding_id: int, status: str) -> None:
        """Record a review decision: ``suggested``, ``accepted`` or ``rejected``."""
        self.db.execute("UPDATE codings SET status = ? WHERE id = ?", (status, coding_id))

    def delete_coding(self, coding_id: int) -> None:
        """Remove one coding (only for undoing a decision or `untag`; never used silently)."""
        self.db.execute("DELETE FROM codings WHERE id = ?", (coding_id,))

    def move_coding(self, coding_id: int, start: int | None, end: int | None, text: str | None = None) -> None:
        """Re-anchor a coding at ``[start, end)`` (its snapshot becomes ``text`` when given), or mark it stale
        when ``start`` is None."""
        if start is None:
            self.db.execute("UPDATE codings SET stale = 1 WHERE id = ?", (coding_id,))
        else:
            self.db.execute('UPDATE codings SET start = ?, "end" = ?, stale = 0, text = coalesce(?, text) '
                            'WHERE id = ?', (start, end, text, coding_id))


    # -- incremental coding (qualcode.autocode.incremental) ---------------------------------------------
    def document_fingerprints(self) -> dict[str, str]:
        """``id -> what coding a document depends on``: its parse key, language and every turn's speaker
        (label, role, role name), as one string; cheap: no text or tokens are read."""
        rows = self.db.execute(
            "SELECT d.id, d.content_hash, d.language, (SELECT group_concat(x, ';') FROM (SELECT "
            "ifnull(t.label, '') || '|' || t.role || '|' || ifnull(t.role_name, '') AS x FROM turns t "
            "WHERE t.document = d.id ORDER BY t.number)) FROM documents d ORDER BY d.id")
        return {r[0]: f"{r[1]}\0{r[2]}\0{r[3] or ''}" for r in rows}

    def sentence_rows(self, doc_id: str) -> list[tuple[int, int, int, bytes]]:
        """``(turn, start, end, packed tokens)`` of one document's sentences in order; unpack the tokens of
        the ones needed with :func:`unpack_tokens` (cheaper than :meth:`sentences` when few are)."""
        return self.db.execute('SELECT turn, start, "end", tokens FROM sentences WHERE document = ? '
                               "ORDER BY turn, number", (doc_id,)).fetchall()

    def word_vocabulary(self) -> list[str]:
        """Every form of the word index, sorted (:mod:`qualcode.project.word_index`)."""
        return word_index.vocabulary(self.db)

    def word_lookup(self, forms: Sequence[str]) -> dict[str, set[tuple[int, int]]]:
        """``document -> (turn, number)`` of the sentences holding a word of ``forms``."""
        return word_index.lookup(self.db, forms)

    def text_of(self, doc_id: str) -> tuple[str, str] | None:
        """``(text, language)`` of one document, or None."""
        return self.db.execute("SELECT text, language FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def turns_in(self, doc_id: str, numbers: Sequence[int]) -> list[TurnRow]:
        """The turns ``numbers`` of one document, in turn order."""
        wanted = sorted(set(numbers))
        return [t for at in range(0, len(wanted), 500) for t in self._turns_where(
            f"document = ? AND number IN ({','.join('?' * len(wanted[at:at + 500]))})",
            (doc_id, *wanted[at:at + 500]))]

    def sentence_rows_in(self, doc_id: str, turns: Sequence[int]) -> list[tuple[int, int, int, int, bytes]]:
        """``(turn, number, start, end, packed tokens)`` of the sentences of the turns ``turns`` of one
        document, in order."""
        wanted = sorted(set(turns))
        out = []
        for at in range(0, len(wanted), 500):
            chunk = wanted[at:at + 500]
            out += self.db.execute('SELECT turn, number, start, "end", tokens FROM sentences WHERE document = ? '
                                   f"AND turn IN ({','.join('?' * len(chunk))}) ORDER BY turn, number",
                                   (doc_id, *chunk)).fetchall()
        return out

    def document_texts(self) -> dict[str, tuple[str, str]]:
        """``id -> (text, language)`` of every document, ordered by id."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT id, text, language FROM documents ORDER BY id")}

    def document_words(self) -> dict[str, int]:
        """``id -> words`` of every document, ordered by id (cheap: no text)."""
        return {r[0]: r[1] for r in self.db.execute("SELECT id, words FROM documents ORDER BY id")}

    def count_auto_codings(self, codebook: str) -> int:
        """How many auto codings of ``codebook`` there are, whatever their status."""
        return self.db.execute("SELECT count(*) FROM codings WHERE coder = 'auto' AND codebook = ?",
                               (codebook,)).fetchone()[0]

    def delete_suggestions_of(self, codebook: str, codes: Sequence[str], documents: Sequence[str]) -> int:
        """Remove the unreviewed auto suggestions of ``codebook`` whose code is in ``codes`` or whose document
        is in ``documents``; returns how many."""
        removed = 0
        for column, values in (("code", list(codes)), ("document", list(documents))):
            for at in range(0, len(values), 500):
                chunk = values[at:at + 500]
                removed += self.db.execute(
                    "DELETE FROM codings WHERE coder = 'auto' AND status = 'suggested' AND codebook = ? "
                    f"AND {column} IN ({','.join('?' * len(chunk))})", (codebook, *chunk)).rowcount
        return removed

    def quote_choices(self, doc_id: str | None = None) -> list[QuoteChoiceRow]:
        """The report writer's quote choices (of one document, or all), in id order."""
        sql = 'SELECT id, document, start, "end", code, use, translation, text, stale FROM quote_choices'
        args: tuple = ()
        if doc_id is not None:
            sql, args = sql + " WHERE document = ?", (doc_id,)
        return [QuoteChoiceRow(*r[:8], bool(r[8])) for r in self.db.execute(sql + " ORDER BY id", args)]

    def set_quote_choice(self, document: str, start: int, end: int, code: str, use: str, translation: str,
                         text: str) -> None:
        """Store (or replace) the choice for one quote; a blank use and translation removes it."""
        self.db.execute('DELETE FROM quote_choices WHERE document = ? AND start = ? AND "end" = ? AND code = ?',
                        (document, start, end, code))
        if use or translation:
            self.db.execute('INSERT INTO quote_choices (document, start, "end", code, use, translation, text) '
                            "VALUES (?,?,?,?,?,?,?)", (document, start, end, code, use, translation, text))

    def move_quote_choice(self, choice_id: int, start: int | None, end: int | None,
                          text: str | None = None) -> None:
        """Re-anchor a quote choice at ``[start, end)`` (its snapshot becomes ``text`` when given), or mark it
        stale when ``start`` is None."""
        if start is None:
            self.db.execute("UPDATE quote_choices SET stale = 1 WHERE id = ?", (choice_id,))
        else:
            self.db.execute('UPDATE OR REPLACE quote_choices SET start = ?, "end" = ?, stale = 0, '
                            'text = coalesce(?, text) WHERE id = ?', (start, end, text, choice_id))


    # -- memos -----------------------------------------------------------------------------------------------
    _MEMO_SQL = "SELECT id, kind, target, author, created, updated, text FROM memos"

    def add_memo(self, kind: str, target: str, author: str, created: str, text: str) -> int:
        """Store a memo; returns its id."""
        cursor = self.db.execute("INSERT INTO memos (kind, target, author, created, text) VALUES (?,?,?,?,?)",
                                 (kind, target, author, created, text))
        return int(cursor.lastrowid)

    def memos(self, kind: str | None = None, target: str | None = None) -> list[MemoRow]:
        """Memos (of one kind, and one target), in id order."""
        sql, args = self._MEMO_SQL, []
        if kind is not None:
            sql, args = sql + " WHERE kind = ?", [kind]
            if target is not None:
                sql, args = sql + " AND target = ?", [kind, target]
        return [MemoRow(*r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def memo(self, memo_id: int) -> MemoRow | None:
        """One memo by id, or None."""
        row = self.db.execute(self._MEMO_SQL + " WHERE id = ?", (memo_id,)).fetchone()
        return MemoRow(*row) if row else None

    def document_memos(self, doc_id: str) -> list[MemoRow]:
        """The memos on a document and on its codings, in id order (what `show` and a removal's backup hold)."""
        return [MemoRow(*r) for r in self.db.execute(
            self._MEMO_SQL + " WHERE (kind = 'document' AND target = ?) OR (kind = 'coding' AND target IN "
            "(SELECT CAST(id AS TEXT) FROM codings WHERE document = ?)) ORDER BY id", (doc_id, doc_id))]

    def update_memo(self, memo_id: int, text: str, updated: str) -> None:
        """Replace a memo's text, recording when."""
        self.db.execute("UPDATE memos SET text = ?, updated = ? WHERE id = ?", (text, updated, memo_id))

    def delete_memos(self, ids: Sequence[int]) -> None:
        """Remove memos (only when their document is removed, after its backup)."""
        self.db.executemany("DELETE FROM memos WHERE id = ?", [(i,) for i in ids])


    # -- review by rule (qualcode.codings.rule_review) --------------------------------------------------------
    _SAMPLE_SQL = ("SELECT id, codebook, coder, rule, seed, size, population, drawn, action, applied, sample_accepted, "
                   "sample_rejected, reviewer, decided, forced FROM rule_samples")

    def _sample(self, r: tuple) -> RuleSampleRow:
        ids = []
        for column, text in (("population", r[6]), ("applied", r[9])):
            try:
                value = json.loads(text)
            except (TypeError, ValueError):
                value = None
            if not isinstance(value, list) or not all(isinstance(i, int) for i in value):
                raise self._damaged(f"rule_samples.{column} of sample {r[0]}")
            ids.append(tuple(value))
        return RuleSampleRow(r[0], r[1], r[2], r[3], r[4], r[5], ids[0], r[7], r[8], ids[1], r[10], r[11], r[12],
                             r[13], bool(r[14]))

    def rule_samples(self, codebook: str | None = None, coder: str | None = None) -> list[RuleSampleRow]:
        """The samples drawn for review by rule (of one codebook and coder), in id order."""
        sql, args = self._SAMPLE_SQL, []
        if codebook is not None:
            sql, args = sql + " WHERE codebook = ?", [codebook]
            if coder is not None:
                sql, args = sql + " AND coder = ?", [codebook, coder]
        return [self._sample(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def add_rule_sample(self, codebook: str, coder: str, rule: str, seed: int, size: int,
                        population: Sequence[int], drawn: str) -> int:
        """Record a sample drawn of ``rule``'s pending suggestions; returns its id."""
        cursor = self.db.execute(
            "INSERT INTO rule_samples (codebook, coder, rule, seed, size, population, drawn) VALUES (?,?,?,?,?,?,?)",
            (codebook, coder, rule, seed, size, json.dumps(list(population)), drawn))
        return int(cursor.lastrowid)

    def set_rule_sample_size(self, sample_id: int, size: int) -> None:
        """Widen an open sample to its first ``size`` suggestions."""
        self.db.execute("UPDATE rule_samples SET size = ? WHERE id = ?", (size, sample_id))

    def close_rule_sample(self, sample_id: int, action: str, applied: Sequence[int], accepted: int, rejected: int,
                          reviewer: str, decided: str, forced: bool) -> None:
        """Record the bulk decision that settled the rest of a sample's rule."""
        self.db.execute("UPDATE rule_samples SET action = ?, applied = ?, sample_accepted = ?, sample_rejected = ?, "
                        "reviewer = ?, decided = ?, forced = ? WHERE id = ?",
                        (action, json.dumps(list(applied)), accepted, rejected, reviewer, decided, int(forced),
                         sample_id))

    def set_statuses(self, coding_ids: Sequence[int], status: str) -> None:
        """Set the status of many codings at once (a bulk decision)."""
        self.db.executemany("UPDATE codings SET status = ? WHERE id = ?", [(status, i) for i in coding_ids])


def _pack(tokens: tuple[int, ...]) -> bytes:
    return array("I", tokens).tobytes()


def unpack_tokens(blob: bytes) -> tuple[int, ...]:
    """A sentence's word tokens from their stored form (flat ``(start, end)`` pairs)."""
    return _unpack(blob)


def _unpack(blob: bytes) -> tuple[int, ...]:
    flat = array("I")
    flat.frombytes(blob)
    return tuple(flat)


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open the store at ``path``, creating it (and its folder) when ``create`` is true.

    Raises ProjectError when the store is missing (and not created), is not a qualcode store, or was written
    by a newer qualcode.
    """
    if path.parent.exists() and not path.parent.is_dir():
        raise ProjectError(f"{path.parent} is a file, not the project's store folder: move it away (qualcode "
                           "keeps its store in that folder)")
    if path.is_dir():
        raise ProjectError(f"{path} is a folder, not a store: move it away")
    if not path.exists():
        if not create:
            raise ProjectError(f"no project store at {path}: run `qualcode ingest` first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"cannot create the store folder {path.parent}: {exc.strerror}") from None
    _opened[:] = [path]
    with store_errors(path):
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=busy_seconds())
            db.execute(f"PRAGMA busy_timeout = {int(busy_seconds() * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if _kind(exc) in ("busy", "readonly", "cantopen", "full", "ioerr"):
                raise
            raise ProjectError(f"{path} is not a qualcode store ({exc}): restore it from a backup, or move it "
                               "away and run `qualcode ingest` again (its codings would be lost)") from None
    if version > SCHEMA_VERSION:
        db.close()
        raise ProjectError(f"{path} was written by a newer qualcode (store schema {version}; this qualcode "
                           f"reads up to {SCHEMA_VERSION}): upgrade qualcode")
    if version == 0:
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            db.close()
            raise ProjectError(f"{path} is not a qualcode store (unknown tables, no schema version)")
        db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        version = SCHEMA_VERSION
    try:
        check_store(db, path)  # before anything reads or migrates it: a damaged store is refused whole
    except ProjectError:
        db.close()
        raise
    with store_errors(path):
        while version < SCHEMA_VERSION:
            step = MIGRATIONS[version]
            sql = step(db) if callable(step) else step  # a step may depend on what the store already holds
            try:
                db.executescript(f"BEGIN; {sql}")  # left open: a build step writes inside it
                if version in MIGRATION_BUILDS:
                    MIGRATION_BUILDS[version](db)
                db.execute(f"PRAGMA user_version = {version + 1}")
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
            version += 1
    store = Store(db, path, checked=True)
    if store.get_meta(PENDING_KEY):
        try:  # an import committed but was killed before its files were moved in: finish it first
            finish_moves(store)
        except BaseException:
            store.close()
            raise
    return store


# How long a command waits for another one writing to the store before it gives up (SQLite's busy timeout);
# the QUALCODE_BUSY_SECONDS environment variable changes it (a shared drive may need longer, tests shorter).
BUSY_SECONDS = 10.0


def busy_seconds() -> float:
    """The busy timeout in seconds: QUALCODE_BUSY_SECONDS when set to a number, else :data:`BUSY_SECONDS`."""
    try:
        return max(0.0, float(os.environ.get("QUALCODE_BUSY_SECONDS", BUSY_SECONDS)))
    except ValueError:
        return BUSY_SECONDS


def _kind(exc: sqlite3.Error) -> str:
    """What went wrong, from SQLite's error code name (``SQLITE_BUSY`` -> ``busy``) or its message."""
    name = (getattr(exc, "sqlite_errorname", "") or "").upper()
    text = str(exc).lower()
    for kind, names, words in (
            ("busy", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("database is locked", "database table is locked")),
            ("readonly", ("SQLITE_READONLY",), ("readonly database", "read-only")),
            ("full", ("SQLITE_FULL",), ("disk is full", "database or disk is full")),
            ("corrupt", ("SQLITE_CORRUPT", "SQLITE_NOTADB"), ("malformed", "not a database")),
            ("cantopen", ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"), ("unable to open",)),
            ("ioerr", ("SQLITE_IOERR",), ("disk i/o error",)),
            ("schema", (), ("no such table", "no such column", "has no column"))):
        if any(name.startswith(n) for n in names) or any(w in text for w in words):
            return kind
    return "other"


def store_problem(exc: sqlite3.Error, path: Path | str) -> ProjectError:
    """A one-line error for an SQLite error, saying what happened to the store and what to do."""
    kind = _kind(exc)
    advice = {
        "busy": f"the project store {path} is locked by another command still writing to it (waited "
                f"{busy_seconds():g} s): wait for it to finish, then run this again",
        "readonly": f"the project store {path} is read-only: check the permissions of the file and its folder "
                    "(and that the disk is not mounted read-only), then run this again",
        "full": f"the disk holding the project store {path} is full: nothing was changed; free some space, "
                "then run this again",
        "corrupt": f"the project store {path} is damaged ({exc}): restore it from a backup (qualcode backup "
                   "writes one), or move it away and run `qualcode ingest` again (its codings would be lost)",
        "cantopen": f"cannot open the project store {path}: check that the file and its folder exist and "
                    "that you may read and write them",
        "ioerr": f"the disk failed while using the project store {path} ({exc}): check the disk, then run "
                 "this again; if the store is damaged, restore it from a backup",
        "schema": f"the project store {path} is missing part of its structure ({exc}): restore it from a "
                  "backup, or move it away and run `qualcode ingest` again (its codings would be lost)",
    }.get(kind, f"the project store {path} failed ({exc}): if this repeats, restore it from a backup")
    return ProjectError(advice)


_opened: list[Path] = []  # the store last opened, to name it when an error arrives later


@contextmanager
def store_errors(path: Path | str | None = None) -> Iterator[None]:
    """Turn any SQLite error raised inside into the :class:`ProjectError` :func:`store_problem` words
    (naming ``path``, else the store opened last)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise store_problem(exc, path or (_opened[-1] if _opened else ".qualcode/qualcode.db")) from None
