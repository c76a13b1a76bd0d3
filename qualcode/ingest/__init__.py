"""Reading transcript files into :class:`~qualcode.model.ParsedDocument` values.

One reader per format, dispatched by suffix through :data:`READERS`; readers know nothing of codes or of the
store. The shared steps — front matter, speaker labels, turns, sentences — live in :mod:`.documents` and in
``turns``. Every name of :mod:`.documents` is offered here, imported on first use: importing one light
submodule (``labels``, ``segment``) must not load every reader (YAML, rapidfuzz, Word, PDF), which cost
`qualcode code` a fifth of a second at start-up.
"""

from __future__ import annotations

import importlib

# Part of every document's parse key: bump it when turns, sentences or tokens would come out differently, so
# the next ingest re-parses unchanged files (their codings are re-anchored in place).
# 4: once-used name-shaped labels among name labels are speakers; 5: misspelt labels; 6: Word's final view (tracked
# insertions, content controls, fields, nested tables, text boxes), every subtitle cue's text, invisible characters
# removed, UTF-32, PDF numbers kept mid-page
PARSER_VERSION = "6"


def __getattr__(name: str):
    """The names of :mod:`qualcode.ingest.documents` (``read_document``, ``READERS`` …), imported on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    documents = importlib.import_module("qualcode.ingest.documents")
    try:
        return getattr(documents, name)
    except AttributeError:
        raise AttributeError(f"module 'qualcode.ingest' has no attribute {name!r}") from None
