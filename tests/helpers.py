"""Small writers of real transcript files for tests (Word via python-docx, a minimal PDF by hand)."""

from __future__ import annotations

from pathlib import Path

import docx


def write_docx(path: Path, blocks: list) -> Path:
    """Write a .docx: a block is ``str`` (paragraph), ``("bold", label, text)``, ``("title", text)`` or
    ``("table", [[cell, ...], ...])``."""
    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
        elif block[0] == "title":
            document.add_heading(block[1], level=1)
        elif block[0] == "bold":
            para = document.add_paragraph()
            para.add_run(block[1]).bold = True
            para.add_run(block[2])
        elif block[0] == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    document.save(path)
    return path


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """Write a real PDF with a text layer: one list of lines per page (Helvetica, ASCII text)."""
    objects: list[bytes] = []
    page_ids = []
    font_id = 3 + 2 * len(pages)
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        page_ids.append(3 + 2 * i)
        ops = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    header = [b"<< /Type /Catalog /Pages 2 0 R >>",
              f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()]
    all_objects = header + objects + [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(all_objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(all_objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(all_objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def make_project(root: Path, transcripts: dict[str, str], codebook: str, participants: str | None = None,
                 config: str = ""):
    """A project in ``root``: transcripts, codebook.yaml named in qualcode.toml, optional participants.csv;
    ingested (without failures). Returns the opened project."""
    import qualcode

    folder = root / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in transcripts.items():
        (folder / name).write_text(text, encoding="utf-8")
    if participants is not None:
        (folder / "participants.csv").write_text(participants, encoding="utf-8")
    (root / "codebook.yaml").write_text(codebook, encoding="utf-8")
    (root / "qualcode.toml").write_text(f'[project]\ncodebook = "codebook.yaml"\n{config}', encoding="utf-8")
    project = qualcode.open_project(root)
    report = project.ingest()
    assert report.failures == [], report.failures
    return project


def place_codings(project, codings) -> None:
    """Store hand-placed codings ``(document, text, code, coder, status)`` at the text's first occurrence."""
    from qualcode.project.store import open_store

    store = open_store(project.store_path)
    with store.transaction():
        for doc, text, code, coder, status in codings:
            start = store.document(doc).text.index(text)
            store.add_coding(doc, start, start + len(text), code, coder, status, text)
    store.close()
