"""A real client: QualCoder's own REFI-QDA importer and exporter (unmodified, ../shared/tools/qualcoder) take the
sample study's export whole, and a project QualCoder exports comes back into qualcode.

The harness runs in a venv of its own (`make qualcoder`: PyQt6 from PyPI, `.qc-venv`), headless
(``QT_QPA_PLATFORM=offscreen``). Every test skips with the reason when ../shared, PyQt6 or Qt's system libraries
are missing. What QualCoder keeps and loses is listed in docs/howto/moving-from-other-tools.md.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from test_exchange import _fresh, _rows, sample  # noqa: F401  (the sample study, with memos, exported)

HARNESS = REPO.parent / "shared" / "tools" / "qualcoder"
QC_VENV = REPO / ".qc-venv"


@pytest.fixture(scope="session")
def qualcoder() -> Path:
    """The Python of `.qc-venv` with PyQt6 (built once by `make qualcoder`), or skip with the reason."""
    if not (HARNESS / "run_qc_import.py").is_file():
        pytest.skip("../shared/tools/qualcoder is absent: the QualCoder tests need the shared folder")
    python = QC_VENV / "bin" / "python"
    if not (QC_VENV / ".installed").is_file():
        made = subprocess.run(["make", "qualcoder", f"PYTHON={sys.executable}"], cwd=REPO, capture_output=True,
                              text=True, timeout=900)
        if made.returncode != 0:
            pytest.skip(f"`make qualcoder` could not install PyQt6: {(made.stderr or made.stdout).strip()[-300:]}")
    started = subprocess.run([str(python), "-c", "from PyQt6 import QtWidgets; QtWidgets.QApplication([])"],
                             capture_output=True, text=True, timeout=120, env=_env())
    if started.returncode != 0:
        pytest.skip("Qt cannot start here (libEGL, libGL, fontconfig or xkbcommon missing?): "
                    f"{started.stderr.strip()[-300:]}")
    return python


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def _run(python: Path, script: str, *args: Path) -> str:
    done = subprocess.run([str(python), str(HARNESS / script), *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=_env())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def in_qualcoder(qualcoder, sample, tmp_path_factory):  # noqa: F811
    """The sample study's export imported by QualCoder: ``(COUNTS, its SQLite store, the project folder)``."""
    _, summary = sample
    folder = tmp_path_factory.mktemp("qc") / "study.qda"  # QualCoder's exporter wants a name ending .qda
    out = _run(qualcoder, "run_qc_import.py", summary.path, folder)
    assert "EXCEPTION:" not in out, out
    counts = json.loads(next(line for line in out.splitlines() if line.startswith("COUNTS "))[7:])
    return counts, sqlite3.connect(folder / "data.qda"), folder


def test_qualcoder_takes_the_whole_export(sample, in_qualcoder) -> None:  # noqa: F811
    """QualCoder imports every document, code, coding and participant without an exception, and no selection
    turns into an empty annotation."""
    project, summary = sample
    counts, _, _ = in_qualcoder
    assert (counts["source"], counts["code_name"], counts["code_text"], counts["cases"]) == \
        (summary.documents, summary.codes, summary.codings, summary.cases) == (57, 22, 644, 105)
    assert counts["annotation"] == 0 and counts["code_cat"] == 0


def test_qualcoder_has_the_same_codings_on_the_same_text(sample, in_qualcoder) -> None:  # noqa: F811
    """Each coding lands in QualCoder on the same document, span and text, with the same code and coder."""
    project, _ = sample
    _, qc, _ = in_qualcoder
    theirs = sorted(qc.execute("SELECT s.name, t.pos0, t.pos1, c.name, t.owner, t.seltext FROM code_text t "
                               "JOIN source s ON s.id = t.fid JOIN code_name c ON c.cid = t.cid").fetchall())
    from qualcode.codebook.load import load_codebook

    labels = {c.id: c.label for c in load_codebook(REPO / "codebooks" / "barriers.yaml").codebook.codes}
    ours = sorted((d, s, e, labels[code], coder, text) for d, s, e, code, coder, text in _rows(
        project, "SELECT document, start, \"end\", code, coder, text FROM codings WHERE status = 'accepted'"))
    assert theirs == ours and len(ours) == 644


def test_qualcoder_attributes_keep_their_owner_and_values(sample, in_qualcoder) -> None:  # noqa: F811
    """Participant attributes are case attributes and document attributes file attributes, each value on its
    case or document: `site`, used by both, is two attributes and no document value is stranded."""
    project, _ = sample
    _, qc, _ = in_qualcoder
    kinds = dict(qc.execute("SELECT name, caseOrFile FROM attribute_type").fetchall())
    assert kinds["site"] == "case" and kinds["site (document)"] == "file" and kinds["gender"] == "case"
    assert {kinds[k] for k in ("date", "type", "interviewer", "language")} == {"file"}
    by_owner = dict(qc.execute("SELECT attr_type, count(*) FROM attribute GROUP BY attr_type").fetchall())
    people = [json.loads(a) for _, a in _rows(project, "SELECT id, attributes FROM participants")]
    documents = [json.loads(a) for (a,) in _rows(project, "SELECT attributes FROM documents")]
    assert by_owner == {"case": sum(1 for p in people for v in p.values() if v),
                        "file": sum(1 for d in documents for v in d.values() if v)}
    site = qc.execute("SELECT s.name, a.value FROM attribute a JOIN source s ON s.id = a.id "
                      "WHERE a.name = 'site (document)' AND a.attr_type = 'file' AND s.name = 'FGD-01'").fetchall()
    assert site == [("FGD-01", "Site A")]
    assert len(qc.execute("SELECT * FROM attribute WHERE name = 'site (document)'").fetchall()) == \
        sum(1 for d in documents if d.get("site"))
    dated = dict(qc.execute("SELECT name, valuetype FROM attribute_type").fetchall())
    assert dated["date"] == "character"  # a REFI Date: QualCoder keeps dates as text


def test_qualcoder_shows_every_memo_on_its_object(in_qualcoder) -> None:
    """The memos on a document, a code, a participant and a coding are QualCoder's memos of that source, code,
    case and coding; the code's memo also holds its definition, include and exclude."""
    _, qc, _ = in_qualcoder

    def one(sql: str) -> str:
        return qc.execute(sql).fetchone()[0]

    assert "Recorder stopped twice." in one("SELECT memo FROM source WHERE name = 'IDI-01'")
    code = one("SELECT memo FROM code_name WHERE name = 'Language barriers'")
    assert code.startswith("Difficulties that arise") and "\n\nInclude: " in code and "Keep narrow." in code
    assert "Asked to check the quote." in one("SELECT memo FROM cases WHERE name = 'P05'")
    assert one("SELECT memo FROM code_text WHERE owner = 'lan'").endswith("Borderline: housework or care?")


def test_qualcoder_colours_are_its_nearest_palette_colours(in_qualcoder) -> None:
    """QualCoder replaces each colour by the nearest of its palette: none falls back to its grey for colours it
    cannot read."""
    _, qc, _ = in_qualcoder
    colours = [c for (c,) in qc.execute("SELECT color FROM code_name")]
    assert len(colours) == 22 and "#D8D8D8" not in colours


def test_qualcoder_export_comes_back_into_qualcode(sample, in_qualcoder, qualcoder, tmp_path: Path) -> None:  # noqa: F811
    """A project QualCoder exports (its own exporter, on the study it imported) comes into a fresh qualcode
    project with every document, coding (same spans and text) and memo; what QualCoder drops on the way —
    which participant speaks where, review statuses — is measured, not hidden."""
    project, _ = sample
    _, qc, folder = in_qualcoder
    # QualCoder writes this row when it creates a project; the harness's empty project lacks it
    qc.execute("INSERT INTO project (databaseversion, date, memo, about, codername) "
               "VALUES ('v8', '2024-05-01 10:00:00', 'Exported from QualCoder.', '', 'default')")
    qc.commit()
    out = tmp_path / "qc-out"
    _run(qualcoder, "run_qc_export.py", folder, out)
    exported = out / "study.qdpx"
    assert zipfile.is_zipfile(exported)
    fresh = _fresh(tmp_path / "back")
    report = fresh.import_qdpx(exported)
    assert len(report.documents) == 57 and report.codings == 644 and report.coders == ["auto", "lan"]
    sql = 'SELECT document, start, "end", text FROM codings'
    assert _rows(fresh, sql) == _rows(project, sql + " WHERE status = 'accepted'")
    # every memo is back on its object: the document, code, participant and coding it was written on
    sql = ("SELECT m.kind, coalesce(c.document || ' ' || c.start || ' ' || c.code, m.target), m.author, m.text "
           "FROM memos m LEFT JOIN codings c ON m.kind = 'coding' AND c.id = CAST(m.target AS INTEGER)")
    assert _rows(fresh, sql) == _rows(project, sql) and len(_rows(project, sql)) == 4
    assert "Exported from QualCoder." in report.notes_file.read_text(encoding="utf-8")  # the project's memo
    # measured: QualCoder keeps a case's Description, so focus-group speakers (named there) keep their turns; it
    # exports no SourceRef it did not import, so one-to-one interviewees lose theirs unless the transcript's front
    # matter names them; a variable keeps its Description, so the document attribute `site` is `site` again
    sql = "SELECT document, number, participant FROM turns WHERE participant IS NOT NULL"
    before = {(d, n): p for d, n, p in _rows(project, sql)}
    after = {(d, n): p for d, n, p in _rows(fresh, sql)}
    fgd = [k for k in before if k[0].startswith("FGD")]
    respondents = {(d, n) for d, n in _rows(project, "SELECT document, number FROM turns WHERE role = 'respondent' "
                                                     "AND document LIKE 'IDI%' AND participant IS NOT NULL")}
    assert fgd and all(after.get(k) == before[k] for k in fgd)
    kept = sum(after.get(k) == before[k] for k in respondents)
    assert 0 < kept < len(respondents)  # kept only where the transcript's front matter names its participant
    assert report.participants == 105
    attributes = json.loads(_rows(fresh, "SELECT attributes FROM documents WHERE id = 'FGD-01'")[0][0])
    assert attributes["site"] == "Site A" and "site (document)" not in attributes


@pytest.fixture(scope="module")
def with_case_nodes(qualcoder, sample, tmp_path_factory):  # noqa: F811
    """The sample study exported with --case-nodes and imported by QualCoder: ``(summary, COUNTS, its store)``."""
    project, _ = sample
    folder = tmp_path_factory.mktemp("qc-cases")
    summary = project.export_qdpx(folder / "cases.qdpx", case_nodes=True)
    out = _run(qualcoder, "run_qc_import.py", summary.path, folder / "study.qda")
    assert "EXCEPTION:" not in out, out
    counts = json.loads(next(line for line in out.splitlines() if line.startswith("COUNTS "))[7:])
    return summary, counts, sqlite3.connect(folder / "study.qda" / "data.qda")


def test_case_nodes_link_every_participant_in_qualcoder(sample, with_case_nodes) -> None:  # noqa: F811
    """With --case-nodes, QualCoder's case_text links every participant to their documents (one-to-one) or each of
    their turns (focus groups), and no participant becomes a code: the codes and codings are the plain export's."""
    project, plain = sample
    summary, counts, qc = with_case_nodes
    assert (counts["code_name"], counts["code_text"], counts["cases"]) == (plain.codes, plain.codings, 105)
    linked = set(qc.execute("SELECT c.name, s.name FROM case_text t JOIN cases c ON c.caseid = t.caseid "
                            "JOIN source s ON s.id = t.fid").fetchall())
    speaking = set(_rows(project, 'SELECT participant, document FROM turns WHERE participant IS NOT NULL '
                                  'AND "end" > start'))
    assert linked == speaking and len({p for p, _ in linked}) > 90
    spans = qc.execute("SELECT s.name, t.pos0, t.pos1 FROM case_text t JOIN source s ON s.id = t.fid "
                       "JOIN cases c ON c.caseid = t.caseid WHERE c.name = 'P05'").fetchall()
    whole = {d: len(t) for d, t in _rows(project, "SELECT id, text FROM documents")}
    assert spans and all(s == 0 and e == whole[d] for d, s, e in spans if d.startswith("IDI"))


def test_case_nodes_come_back_as_participants_not_codes(sample, with_case_nodes, tmp_path: Path) -> None:  # noqa: F811
    """qualcode's importer reads an export with case nodes as the plain export: the same codebook (no code per
    participant), codings and speakers of every turn."""
    project, plain = sample
    summary, _, _ = with_case_nodes
    fresh = _fresh(tmp_path / "back")
    report = fresh.import_qdpx(summary.path)
    assert report.codes == plain.codes and report.codings == plain.codings and report.return_code == 0
    sql = "SELECT document, number, participant FROM turns"
    assert _rows(fresh, sql) == _rows(project, sql)
