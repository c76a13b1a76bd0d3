"""Removing documents from a project without losing anyone's work: `qualcode remove` and `ingest --prune`.

Before a document leaves the store, everything people made on it — human codings, review decisions on auto
suggestions (accepted and rejected statuses), quote choices and memos — is written to a readable JSON backup
``.qualcode/backups/removed-DOCUMENT-YYYYMMDD-HHMMSS.json`` together with the document's stored text, so the
work can be read, and placed again, after the source file is gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from qualcode.codings.importing import resolve_document
from qualcode.errors import UsageError, writing
from qualcode.ingest.run import refresh_speakers
from qualcode.project.folder import STORE_DIR, ProjectFolder
from qualcode.project.store import Store, open_store
from qualcode.wording import did_you_mean

BACKUP_DIR = "backups"
AUTO = "auto"


@dataclass(frozen=True)
class Removal:
    """One removed document: where its backup is and what the backup holds."""

    document: str
    path: str  # the source file it was read from
    backup: Path
    codings: int  # human codings
    decisions: int  # accepted or rejected auto suggestions
    quote_choices: int
    memos: int
    source_exists: bool  # the file is still there: the next ingest reads it again


def backup_document(project: ProjectFolder, store: Store, doc_id: str, now: datetime | None = None) -> Removal:
    """Write the backup of ``doc_id``'s human work (see the module) and return what it holds; the store is
    not changed. Raises QualcodeError when the backup cannot be written."""
    now = now or datetime.now(timezone.utc)
    doc = store.document(doc_id)
    assert doc is not None, doc_id
    codings = store.codings(doc_id)
    human = [c for c in codings if c.coder != AUTO]
    decided = [c for c in codings if c.coder == AUTO and c.status in ("accepted", "rejected")]
    choices = store.quote_choices(doc_id)
    memos = store.document_memos(doc_id)
    content = {
        "removed": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "document": doc.id, "path": doc.path, "attributes": doc.attributes,
        "codings": [_coding(c) for c in human],
        "decisions": [_coding(c) for c in decided],
        "quote_choices": [{k: v for k, v in asdict(q).items() if k != "id"} for q in choices],
        "memos": [{k: v for k, v in asdict(m).items() if k != "id"} for m in memos],
        "text": doc.text,
    }
    safe = re.sub(r"[^\w.-]+", "_", doc.id)
    folder = project.root / STORE_DIR / BACKUP_DIR
    target = folder / f"removed-{safe}-{now.strftime('%Y%m%d-%H%M%S')}.json"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"removed-{safe}-{now.strftime('%Y%m%d-%H%M%S')}-{n}.json"
    with writing(target) as temp:
        temp.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    source = Path(doc.path) if Path(doc.path).is_absolute() else project.root / doc.path
    return Removal(doc.id, doc.path, target, len(human), len(decided), len(choices), len(memos), source.exists())


def _coding(c) -> dict:
    return {"id": c.id, "start": c.start, "end": c.end, "code": c.code, "coder": c.coder, "status": c.status,
            "origin": c.origin, "rule": c.rule, "text": c.text, "stale": c.stale, "codebook": c.codebook,
            "codebook_version": c.codebook_version}


def remove_with_backup(project: ProjectFolder, store: Store, doc_id: str) -> Removal:
    """Back ``doc_id`` up, then delete it from the store; the caller holds the transaction."""
    removal = backup_document(project, store, doc_id)
    store.delete_document(doc_id)
    return removal


def remove_documents(project: ProjectFolder, documents: Sequence[str]) -> list[Removal]:
    """Remove the named documents (ids, any case, with or without a file suffix) after backing each up
    (`qualcode remove`), in one transaction, and resolve the remaining documents' speakers again. Raises
    UsageError for an unknown document (nothing is removed)."""
    store = open_store(project.store_path)
    try:
        ids = list(store.document_keys())
        chosen = []
        for name in documents:
            doc_id = resolve_document(ids, name)
            if doc_id is None:
                raise UsageError(f"unknown document {name!r}{did_you_mean(name, ids)}")
            chosen.append(doc_id)
        with store.transaction():
            removed = [remove_with_backup(project, store, doc_id) for doc_id in dict.fromkeys(chosen)]
            refresh_speakers(store, project)
        return removed
    finally:
        store.close()
