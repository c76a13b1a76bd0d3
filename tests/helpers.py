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


_FOOTNOTES = ('<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
              '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>'
              '</w:p></w:footnote>{notes}</w:footnotes>')


def write_docx_xml(path: Path, body: str, *, footnotes: list[str] = (), comment: tuple[int, str] | None = None
                   ) -> Path:
    """Write a .docx whose body is the WordprocessingML ``body`` (``w:p`` / ``w:tbl`` elements with the
    namespaces of Word's own document.xml, plus ``a:`` and ``wps:``), as Word saves it: ``footnotes`` become a
    real footnotes part (footnote ``n`` has ``w:id`` n, counting from 1, for ``w:footnoteReference``);
    ``comment`` ``(paragraph index, text)`` anchors a real comment (python-docx's comments part) on that
    paragraph's runs."""
    import io
    import re
    import zipfile

    document = docx.Document()
    buffer = io.BytesIO()
    document.save(buffer)
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(buffer) as package:
        for name in package.namelist():
            parts[name] = package.read(name)
    xml = parts["word/document.xml"].decode()
    xml = xml.replace('xmlns:wps="', 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:wps="', 1)
    xml = re.sub(r"<w:body>.*?(<w:sectPr)", lambda m: "<w:body>" + body + m.group(1), xml, count=1, flags=re.S)
    parts["word/document.xml"] = xml.encode()
    if footnotes:
        notes = "".join(f'<w:footnote w:id="{n}"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
                        "</w:footnote>" for n, text in enumerate(footnotes, 1))
        parts["word/footnotes.xml"] = _FOOTNOTES.format(notes=notes).encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
            b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.footnotes+xml"/></Types>'))
        parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    if comment is not None:
        document = docx.Document(path)
        paragraph = document.paragraphs[comment[0]]
        document.add_comment(paragraph.runs, text=comment[1], author="Reviewer", initials="RV")
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
