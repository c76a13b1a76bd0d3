"""The hostile-input corpus (tests/hostile/cases.toml): every case through the real CLI, no traceback, no hang."""

from __future__ import annotations

import contextlib
import io
import resource
import shutil
import signal
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
from llm_stub import Reply, StubServer, completion
from typer.testing import CliRunner

from qualcode.cli import app

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HOSTILE = Path(__file__).parent / "hostile"
REPO = Path(__file__).resolve().parents[1]
CASES = tomllib.loads((HOSTILE / "cases.toml").read_text(encoding="utf-8"))["case"]
SECONDS = 60  # a case running longer is a hang


class Hang(BaseException):
    """Raised by the alarm: a command ran past :data:`SECONDS` (BaseException, so no handler swallows it)."""


@contextlib.contextmanager
def _full_disk(room: int | None):
    """Writes past ``room`` bytes per file fail with EFBIG (as on a full disk) inside the block."""
    if not room:
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    signal_before = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous)
        signal.signal(signal.SIGXFSZ, signal_before)


def _case_id(case: dict) -> str:
    what = case["file"] or case.get("generate") or case.get("setup") or case.get("stub")
    return f"{what}-{'-'.join(a for a in case['args'] if not a.startswith(('{', '-', 'out/')))}"


def _run(args: list[str]):
    def alarm(signum, frame):
        raise Hang(f"qualcode {' '.join(args)} ran over {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS)
    try:
        return CliRunner().invoke(app, args, catch_exceptions=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small ingested and coded project: two transcripts (one with a long run of 'a'), the sample codebook."""
    root = tmp_path_factory.mktemp("hostile-template")
    (root / "transcripts").mkdir()
    (root / "codebooks").mkdir()
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root / "codebooks")
    (root / "qualcode.toml").write_text('[project]\ncodebook = "codebooks/barriers.yaml"\ncoder = "lan"\n',
                                        encoding="utf-8")
    (root / "transcripts" / "IDI-01.txt").write_text(
        "Interviewer: How do you get to the commune office?\nRespondent: The road is long and muddy, and the forms "
        "are only in Vietnamese, which I cannot read.\nInterviewer: And the school?\nRespondent: My children stay "
        "home because the school is far and we have no money for books.\n", encoding="utf-8")
    (root / "transcripts" / "IDI-02.txt").write_text(f"Interviewer: Anything else?\nRespondent: {'a' * 60}!\n",
                                                     encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for args in (["ingest"], ["code"]):
            result = _run(args)
            assert result.exit_code == 0, result.output
    return root


# -- files made at run time (too big to commit) --------------------------------------------------------------

def _docx_with(member: str, write) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(REPO / "transcripts" / "IDI-01.docx") as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info.filename))
        write(target)
    return out.getvalue()


def _bomb(target: zipfile.ZipFile, name: str) -> None:
    """A member inflating to 64 MB of spaces from about 64 KB: past the 200:1 ratio a zip may have."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with target.open(info, "w") as member:
        chunk = b" " * 2**20
        for _ in range(64):
            member.write(chunk)


def zip_bomb_docx(root: Path) -> str:
    (root / "bomb.docx").write_bytes(_docx_with("word/document.xml", lambda z: _bomb(z, "word/document.xml")))
    return "bomb.docx"


def many_parts_docx(root: Path) -> str:
    def parts(target: zipfile.ZipFile) -> None:
        for n in range(10_001):
            target.writestr(f"customXml/part{n}.xml", b"")

    (root / "parts.docx").write_bytes(_docx_with("", parts))
    return "parts.docx"


def zip_bomb_xlsx(root: Path) -> str:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["document", "code", "text"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                _bomb(target, info.filename)
            else:
                target.writestr(info.filename, source.read(info.filename))
    (root / "bomb.xlsx").write_bytes(out.getvalue())
    return "bomb.xlsx"


def one_line_txt(root: Path) -> str:
    """A transcript of one 2.5 MB line (spaCy takes at most 1,000,000 characters at once); 21 MB behaves alike."""
    words = ("the road to school is long and we have no money for the forms " * 40_000).strip()
    (root / "one-line.txt").write_text(f"Respondent: {words}", encoding="utf-8")
    return "one-line.txt"


def long_cell_csv(root: Path) -> str:
    (root / "long.csv").write_text(f"document,code,text\nIDI-01,language,{'a' * 200_000}\n", encoding="utf-8")
    return "long.csv"


def huge_cell_csv(root: Path) -> str:
    (root / "huge.csv").write_text(f"document,code,text\nIDI-01,language,\"{'a' * 1_000_001}\"\n", encoding="utf-8")
    return "huge.csv"


def _nested_codes(depth: int) -> str:
    inner = ""
    for level in reversed(range(depth)):
        inner = f'<Code guid="{level:08x}-0000-4000-8000-000000000000" name="c{level}" isCodable="true">{inner}</Code>'
    return f"<Codes>{inner}</Codes>"


def deep_qdc(root: Path) -> str:
    """A .qdc whose codes nest 300 levels deep (a RecursionError when it was written back as YAML)."""
    (root / "deep.qdc").write_text('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
                                   f'origin="x">{_nested_codes(300)}</CodeBook>', encoding="utf-8")
    return "deep.qdc"


def _qdpx(root: Path, name: str, codes: str, source: str = "IDI-09") -> str:
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="tool" origin="x">'
           f'<CodeBook>{codes}</CodeBook><Sources><TextSource guid="11111111-0000-4000-8000-000000000000" '
           f'name="{source}"><PlainTextContent>Interviewer: And the forms?\nRespondent: Only in Vietnamese.'
           '</PlainTextContent></TextSource></Sources></Project>')
    with zipfile.ZipFile(root / name, "w") as archive:
        archive.writestr("project.qde", qde)
    return name


_BAD_QDE = ('<?xml version="1.0" encoding="{enc}"?><Project xmlns="urn:QDA-XML:project:1.0" name="bad" origin="x">'
            '<CodeBook><Codes><Code guid="C1" name="Forms" isCodable="true"/><Code guid="C1" name="Again" '
            'isCodable="true"/></Codes></CodeBook><Variables><Variable guid="V1" name="age" typeOfVariable="Integer"/>'
            '</Variables><Cases><Case guid="K1" name="P1"><VariableValue><VariableRef targetGUID="V1"/><IntegerValue>'
            'forty</IntegerValue></VariableValue><SelectionRef targetGUID="NOPE"/></Case></Cases><Sources>'
            '<TextSource guid="S1" name="IDI-09" plainTextPath="internal://s1.txt">{selections}</TextSource>'
            '<TextSource guid="S2" name="Empty" plainTextPath="internal://s2.txt"/>'
            '<TextSource guid="S3" name="Gone" plainTextPath="internal://s3.txt"/></Sources><Notes><Note guid="N1" '
            'creationDateTime="yesterday"><PlainTextContent>A note</PlainTextContent></Note></Notes></Project>')


def _bad_qdpx(root: Path, name: str, encoding: str, prefix: bytes = b"") -> str:
    selections = "".join(f'<PlainTextSelection guid="A{i}" startPosition="{s}" endPosition="{e}"><Coding guid="B{i}">'
                         f'<CodeRef targetGUID="{c}"/></Coding></PlainTextSelection>'
                         for i, (s, e, c) in enumerate([(40, 500, "C1"), (50, 45, "C1"), (40, 44, "C1"),
                                                        (42, 50, "C1"), (40, 44, "MISSING")]))
    qde = _BAD_QDE.format(enc=encoding, selections=selections)
    with zipfile.ZipFile(root / name, "w") as archive:
        archive.writestr("project.qde", prefix + qde.encode(encoding))
        archive.writestr("sources/s1.txt", "Interviewer: And the forms?\nRespondent: Sólo in Vietnamese.\n"
                         .encode("cp1252"))
        archive.writestr("sources/s2.txt", b"")
    return name


def bad_qdpx(root: Path) -> str:
    """A .qdpx with selections past the text, ending before they start, overlapping, on an unknown code; a
    duplicate GUID; an empty and a missing text file; an Integer variable valued 'forty'; a case linked to a
    selection that is not there; a note dated 'yesterday'; a Windows-1252 source."""
    return _bad_qdpx(root, "bad.qdpx", "utf-8")


def bom_qdpx(root: Path) -> str:
    """The same, its project.qde starting with a UTF-8 BOM."""
    return _bad_qdpx(root, "bom.qdpx", "utf-8", b"\xef\xbb\xbf")


def utf16_qdpx(root: Path) -> str:
    """The same, its project.qde in UTF-16."""
    return _bad_qdpx(root, "utf16.qdpx", "utf-16")


def deep_qdpx(root: Path) -> str:
    """A .qdpx whose codes nest 300 levels deep."""
    return _qdpx(root, "deep.qdpx", _nested_codes(300))


def small_qdpx(root: Path) -> str:
    """A .qdpx of one source (IDI-09) and one code."""
    return _qdpx(root, "small.qdpx", _nested_codes(1))


def ten_thousand_codes(root: Path) -> str:
    """A codebook of 10,000 codes, each with two keywords (one in 20 found in the transcripts)."""
    lines = ["codebook: Ten thousand", "codes:"]
    for n in range(10_000):
        keyword = ("road", "school", "forms", "money")[n // 20 % 4] if n % 20 == 0 else f"term{n}"
        lines += [f"  - id: c{n}", f"    label: Code {n}", f"    definition: code number {n}", "    rules:",
                  f'      - keywords: ["{keyword}", "word{n}"]']
    (root / "ten-thousand.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "ten-thousand.yaml"


def million_row_review_csv(root: Path) -> str:
    """A review sheet of 1,000,000 rows, each refused (it took 24 s before the first error; now it streams)."""
    (root / "million.csv").write_text("id,decision\n" + "1,maybe\n" * 1_000_000, encoding="utf-8")
    return "million.csv"


# -- damage done to the project -------------------------------------------------------------------------------

def _store(root: Path) -> Path:
    return root / ".qualcode" / "qualcode.db"


def scramble_store(root: Path, case: dict) -> None:
    size = _store(root).stat().st_size
    with _store(root).open("r+b") as store:  # every page but the first (the schema): tables are damaged
        store.seek(4096)
        store.write(b"\xde\xad\xbe\xef" * ((size - 4096) // 4))


def drop_table(root: Path, case: dict) -> None:
    with sqlite3.connect(_store(root)) as db:
        db.execute("DROP TABLE codings")


def not_a_store(root: Path, case: dict) -> None:
    with _store(root).open("r+b") as store:
        store.write(b"this is not SQLite" * 10)


def store_folder_is_file(root: Path, case: dict) -> None:
    shutil.rmtree(root / ".qualcode")
    (root / ".qualcode").write_text("oops", encoding="utf-8")


def newer_schema(root: Path, case: dict) -> None:
    with sqlite3.connect(_store(root)) as db:
        db.execute("PRAGMA user_version = 99")


def memo_odd_date(root: Path, case: dict) -> None:
    with sqlite3.connect(_store(root)) as db:  # as an older tool or a hand edit could leave it
        db.execute("INSERT INTO memos (kind, target, author, created, updated, text) VALUES "
                   "('document', 'IDI-01', 'lan', '07/12/2026 10:00', 'yesterday', 'Recorder (stopped), twice.')")


def config(root: Path, case: dict) -> None:
    shutil.copy(HOSTILE / case["file"], root / "qualcode.toml")


def name_key(root: Path, case: dict) -> None:
    """A pseudonymisation key of a person's full name, her given name and her village."""
    (root / "key.csv").write_text("term,replacement,kind\nNguyễn Thị Lành,,name\nLành,,name\nSéo Phìn,,place\n",
                                  encoding="utf-8")


def overwrite_middle(root: Path, case: dict) -> None:
    """16 KB overwritten in the middle of the store (the schema and most tables intact: only quick_check sees
    it, and four commands exited 0 on it)."""
    size = _store(root).stat().st_size
    with _store(root).open("r+b") as store:
        store.seek(size // 2 // 4096 * 4096)
        store.write(b"\xde\xad\xbe\xef" * 4096)


def damage_participant_json(root: Path, case: dict) -> None:
    """A participant's attributes in the store that are no longer JSON."""
    with sqlite3.connect(_store(root)) as db:
        db.execute("""UPDATE participants SET attributes = '{"gender": "fem'""")


def killed_import(root: Path, case: dict) -> None:
    """What `qualcode import` killed before its commit leaves: a staging folder of a process no longer
    running, holding transcripts and a codebook."""
    staged = root / ".qualcode" / "staging" / "import-4194304" / "transcripts"
    staged.mkdir(parents=True)
    (staged / "IDI-09.txt").write_text("---\n---\nRespondent: half written", encoding="utf-8")
    (staged.parent / "tool.yaml").write_text("codebook: tool\n", encoding="utf-8")


SETUPS = {f.__name__: f for f in (scramble_store, drop_table, not_a_store, store_folder_is_file, newer_schema,
                                  config, overwrite_middle, damage_participant_json, killed_import,
                                  name_key, memo_odd_date)}
# What the stub chat server answers in a case with `stub = NAME` (its URL replaces {endpoint} in the args).
STUBS = {
    "html": lambda passage, n: Reply(200, b"<!DOCTYPE html><html><body>Bad gateway</body></html>"),
    "another_shape": lambda passage, n: completion({"codes": [{"id": "language"}]}),
    "unknown_code": lambda passage, n: completion({"codes": [{"code": "housing", "rationale": "homes"}]}),
    "empty_choices": lambda passage, n: Reply(200, b'{"choices": []}'),
    "http_500": lambda passage, n: Reply(500, b"Internal Server Error"),
    "dropped": lambda passage, n: Reply(body=None),
    "slow": lambda passage, n: Reply(200, b"{}", delay=2),
    "redirect_remote": lambda passage, n: Reply(302, b"", {"Location": "https://collector.example.net/v1"}),
    "throttled_once": lambda passage, n: (Reply(429, b"", {"Retry-After": "0"}) if n == 1
                                          else completion({"codes": []})),
}
GENERATE = {f.__name__: f for f in (bad_qdpx, bom_qdpx, utf16_qdpx,
                                    zip_bomb_docx, many_parts_docx, zip_bomb_xlsx, one_line_txt, long_cell_csv,
                                    huge_cell_csv, million_row_review_csv, deep_qdc, deep_qdpx, small_qdpx,
                                    ten_thousand_codes)}


def test_the_corpus_holds_forty_files_and_every_file_has_a_case() -> None:
    """The corpus has at least 40 files and none of them is left out of cases.toml."""
    files = {p.name for p in HOSTILE.iterdir() if p.name != "cases.toml"}
    assert len(files) >= 40
    assert files <= {c["file"] for c in CASES}
    assert {c["file"] for c in CASES if c["file"]} <= files


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_hostile_input(case: dict, template: Path, tmp_path: Path, monkeypatch) -> None:
    """A hostile input gives its exit code and one-line message: never a traceback, never a hang."""
    root = tmp_path / "project"
    shutil.copytree(template, root)
    monkeypatch.chdir(root)
    name = case["file"]
    if name and case.get("setup") != "config":
        shutil.copy(HOSTILE / name, root / name)
    if case.get("generate"):
        name = GENERATE[case["generate"]](root)
    lock = None
    if case.get("setup") == "lock_store":
        monkeypatch.setenv("QUALCODE_BUSY_SECONDS", "0.2")
        lock = sqlite3.connect(_store(root), isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
    elif case.get("setup"):
        SETUPS[case["setup"]](root, case)
    stub = StubServer(STUBS[case["stub"]]).__enter__() if case.get("stub") else None
    try:
        for before in case.get("before", []):
            result = _run([a.replace("{file}", name) for a in before])
            assert result.exit_code == 0, result.output
        started = time.monotonic()
        with _full_disk(case.get("full_disk")):
            result = _run([a.replace("{file}", name).replace("{endpoint}", stub.url if stub else "")
                           for a in case["args"]])
        elapsed = time.monotonic() - started
    finally:
        if lock is not None:
            lock.close()
        if stub is not None:
            stub.__exit__()
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    assert result.exit_code == case["exit"], output
    assert case["message"] in output
    if case.get("seconds"):
        assert elapsed < case["seconds"], f"took {elapsed:.1f} s (at most {case['seconds']} s)"
    if case.get("output"):
        written = (root / case["output"]).read_text(encoding="utf-8")
        for text in case.get("output_has", []):
            assert text in written, text
        for text in case.get("output_lacks", []):
            assert text not in written, text
    for folder in case.get("leaves_no", []):  # nothing partial or staged left behind
        assert not (root / folder).exists() or not any((root / folder).iterdir()), folder
    if case.get("store_lacks") or case.get("store_has"):
        with sqlite3.connect(_store(root)) as db:
            texts = " ".join(t for (t,) in db.execute("SELECT text FROM documents"))
        assert case.get("store_lacks", "\0") not in texts
        for kept in case.get("store_has", []):  # every word the file holds reaches the store
            assert kept in texts


def test_a_transcript_over_64_mb_is_refused_before_reading(tmp_path: Path, cli) -> None:
    """A sparse 65 MB file is refused by its size, naming the limit, without being read."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "qualcode.toml").write_text("[project]\n", encoding="utf-8")
    big = tmp_path / "transcripts" / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(65 * 2**20)
    result = cli("ingest", "-p", tmp_path)
    assert result.exit_code == 1 and "65 MB is too large for one transcript (at most 64 MB)" in result.stderr
