"""`qualcode suggest --method llm` against a real stub chat server on 127.0.0.1: no proxy, no remote host
unless allowed, nothing lost when a run fails, every answer checked before it is used or cached, provenance."""

from __future__ import annotations

import email.utils
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import db
from helpers import make_project
from llm_stub import Reply, StubServer, completion, language_coder

import qualcode
from qualcode.autocode import llm, llm_answers, llm_http
from qualcode.errors import UsageError

CODEBOOK = """\
codebook: LLM test
version: "1.0"
unit: turn
codes:
  - id: language
    label: Language barriers
    definition: Difficulties caused by language, translation or literacy.
  - id: workload
    label: Workload
    definition: Unpaid work that leaves no time.
"""

INTERVIEW = """\
Interviewer: Tell me about the health station.
Respondent: The nurse speaks Kinh only, so I cannot explain my illness.
Interviewer: And the commune?
Respondent: The meetings are only in Vietnamese and I understand little.
Interviewer: And at home?
Respondent: We keep two buffaloes and some chickens.
"""
UNITS = 6  # respondent turns: three per interview, two interviews


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Two ingested interviews, three respondent turns each, two of which name a language."""
    root = tmp_path_factory.mktemp("llm-template")
    second = (INTERVIEW.replace("buffaloes", "goats").replace("my illness", "my pain")
              .replace("understand little", "understand nothing"))
    make_project(root, {"IDI-01.txt": INTERVIEW, "IDI-02.txt": second}, CODEBOOK)
    return root


@pytest.fixture
def study(template, tmp_path) -> Path:
    """A fresh copy of the template project."""
    root = tmp_path / "study"
    shutil.copytree(template, root)
    return root


@pytest.fixture
def server():
    """The stub server coding `language` on passages naming Kinh or Vietnamese."""
    with StubServer() as stub:
        yield stub


def llm_rows(root: Path) -> list[tuple]:
    """``(document, code, status, rule, text)`` of the llm codings, in id order."""
    con = db(root)
    rows = con.execute("SELECT document, code, status, rule, text FROM codings WHERE coder = 'llm' ORDER BY id")
    found = rows.fetchall()
    con.close()
    return found


def cache_lines(root: Path) -> list[dict]:
    """The entries of the project's llm cache."""
    path = root / ".qualcode" / "llm-cache.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def run_llm(cli, root: Path, url: str, *more: str, model: str = "stub"):
    """`qualcode suggest --method llm` on ``root`` against ``url``."""
    return cli("suggest", "--method", "llm", "--endpoint", url, "--model", model, "--project", root, *more)


# -- where passages go ---------------------------------------------------------------------------------------
def test_loopback_endpoint_never_uses_a_proxy(study, cli, server, monkeypatch) -> None:
    """With every proxy variable pointing at a second stub, a `localhost` endpoint gets all requests and the
    proxy gets none."""
    with StubServer() as proxy:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        run = run_llm(cli, study, f"http://localhost:{server.port}/v1")
        assert run.exit_code == 0, run.stderr
        assert proxy.requests == [] and len(server.requests) == UNITS
        assert all(r["_path"] == "/v1/chat/completions" for r in server.requests)


def test_remote_endpoint_needs_allow_remote_and_is_announced(study, cli, monkeypatch) -> None:
    """A host off this machine is a usage error naming it; with --allow-remote the user is told once where the
    passages go, and no proxy is used for it either."""
    refused = run_llm(cli, study, "https://api.example.com/v1")
    assert refused.exit_code == 2 and "api.example.com is not this machine" in refused.stderr
    assert "--allow-remote" in refused.stderr
    with StubServer() as proxy:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        # TEST-NET-1 (RFC 5737): routed nowhere, so the request times out instead of reaching anyone
        run = run_llm(cli, study, "http://192.0.2.1:9/v1", "--allow-remote", "--timeout", "0.3",
                      "--max-failures", "1")
        assert proxy.requests == []
    assert run.exit_code == 1
    assert run.stderr.count("warning: passages are sent to 192.0.2.1:9, off this machine") == 1


def test_redirect_is_refused_and_stops_the_run(study, cli) -> None:
    """An endpoint redirecting to another host is not followed: the run stops at once and names the host."""
    with StubServer(lambda passage, n: Reply(307, b"", {"Location": "http://collector.example.org/v1/chat"})) as stub:
        run = run_llm(cli, study, stub.url)
    assert run.exit_code == 1 and len(stub.requests) == 1
    assert "redirected (HTTP 307) to collector.example.org: not followed" in run.stderr
    assert f"stopped asking: the endpoint redirected; {UNITS - 1} units not sent" in run.stderr


# -- nothing lost --------------------------------------------------------------------------------------------
def test_failed_run_keeps_every_earlier_suggestion(study, cli, server) -> None:
    """After a good run, a run with another model against an endpoint answering 500 leaves every suggestion,
    says how many units were left unanswered and exits 1."""
    assert run_llm(cli, study, server.url).exit_code == 0
    before = llm_rows(study)
    assert len(before) == 4
    with StubServer(lambda passage, n: Reply(500, b"oops")) as failing:
        run = run_llm(cli, study, failing.url, "--max-failures", "100", model="other")
    assert run.exit_code == 1 and "the endpoint answered HTTP 500" in run.stderr
    assert f"{UNITS} units of {UNITS} left unanswered: their earlier suggestions are kept" in run.stderr
    assert "0 suggestions on turns (0 earlier suggestions replaced" in run.stdout
    assert llm_rows(study) == before


def test_edited_definition_with_the_server_down_keeps_suggestions(study, cli, server) -> None:
    """Editing a code's definition changes the prompt; asking again with nothing listening keeps every
    suggestion made with the old definition."""
    assert run_llm(cli, study, server.url).exit_code == 0
    before = llm_rows(study)
    book = study / "codebook.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("translation or literacy", "translation"),
                    encoding="utf-8")
    run = run_llm(cli, study, "http://127.0.0.1:9/v1")  # the discard port: nothing listens
    assert run.exit_code == 1 and "stopped asking: 5 failures in a row (--max-failures 5)" in run.stderr
    assert f"{UNITS} units of {UNITS} left unanswered" in run.stderr
    assert llm_rows(study) == before and before


def test_partial_run_replaces_only_the_units_it_answered(study, cli, server) -> None:
    """A second run answering the Kinh and buffalo turns only (now: no code) replaces the Kinh turns' suggestions
    and keeps the Vietnamese turns' suggestions, whose requests failed."""
    assert run_llm(cli, study, server.url).exit_code == 0

    def kinh_only(passage: str, n: int) -> Reply:
        return completion({"codes": []}) if "Kinh" in passage or "buffaloes" in passage else Reply(500, b"")

    with StubServer(kinh_only) as partial:
        run = run_llm(cli, study, partial.url, "--max-failures", "100", model="other")
    assert run.exit_code == 1
    assert "2 earlier suggestions replaced" in run.stdout and "3 units of 6 left unanswered" in run.stderr
    kept = llm_rows(study)
    assert len(kept) == 2 and all("Vietnamese" in text for *_, text in kept)


def test_max_failures_stops_after_that_many_in_a_row(study, cli) -> None:
    """--max-failures 2: two failed requests, then nothing more is sent, and the message says so."""
    with StubServer(lambda passage, n: Reply(500, b"")) as stub:
        run = run_llm(cli, study, stub.url, "--max-failures", "2")
    assert len(stub.requests) == 2 and run.exit_code == 1
    assert "stopped asking: 2 failures in a row (--max-failures 2); 4 units not sent" in run.stderr


# -- every answer checked ------------------------------------------------------------------------------------
BAD_ANSWERS = {
    "html": (Reply(200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}),
             "the endpoint's answer is not JSON: '<html><body>502"),
    "another shape": (completion({"codes": [{"id": "language"}]}), "'code' is missing"),
    "codes as strings": (completion({"codes": ["language"], "rationale": "x"}),
                         "answer.codes[0]: expected an object"),
    "unknown code": (completion({"codes": [{"code": "housing", "rationale": "x"}]}),
                     "codes the prompt did not offer: 'housing'"),
    "empty choices": (Reply(200, b'{"choices": []}'), "has no choices"),
    "not a completion": (Reply(200, b'{"error": "model not found"}'), "is not a chat completion"),
    "prose": (completion("I think the passage is about language."), "the model's answer is not JSON"),
    "cut short": (Reply(200, json.dumps({"choices": [{"message": {"content": '{"codes": [{"code": "lang'},
                                                      "finish_reason": "length"}]}).encode()),
                  "cut short (finish_reason length)"),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_malformed_answer_is_an_error_for_its_unit_and_never_cached(study, cli, case) -> None:
    """A malformed answer fails its unit (exit 1, the reason named), suggests nothing and is not cached, so a
    re-run against a working server asks again and suggests."""
    reply, message = BAD_ANSWERS[case]
    with StubServer(lambda passage, n: reply) as bad:
        run = run_llm(cli, study, bad.url, "--max-failures", "100")
    assert run.exit_code == 1 and message in run.stderr, run.stderr
    assert llm_rows(study) == [] and cache_lines(study) == []
    with StubServer() as good:
        again = run_llm(cli, study, good.url)
    assert again.exit_code == 0 and "0 already answered (cached)" in again.stderr
    assert len(llm_rows(study)) == 4 and len(good.requests) == UNITS


def test_answers_are_cached_and_reused(study, cli, server) -> None:
    """A re-run sends nothing already answered and stores the same suggestions, provenance included."""
    assert run_llm(cli, study, server.url).exit_code == 0
    first = llm_rows(study)
    again = run_llm(cli, study, server.url)
    assert again.exit_code == 0 and len(server.requests) == UNITS
    assert f"{UNITS} already answered (cached), 0 to send" in again.stderr
    assert llm_rows(study) == first and "4 earlier suggestions replaced" in again.stdout


# -- the endpoint misbehaving --------------------------------------------------------------------------------
def test_429_is_retried_after_retry_after(study, cli) -> None:
    """HTTP 429 with Retry-After: 1 is waited for and retried; the run then succeeds whole."""
    def throttled(passage: str, n: int) -> Reply:
        return Reply(429, b"slow down", {"Retry-After": "1"}) if n == 1 else language_coder(passage, n)

    with StubServer(throttled) as stub:
        began = time.monotonic()
        run = run_llm(cli, study, stub.url)
        took = time.monotonic() - began
    assert run.exit_code == 0, run.stderr
    assert len(stub.requests) == UNITS + 1 and took >= 1.0 and len(llm_rows(study)) == 4


def test_503_retried_until_it_gives_up(study, cli) -> None:
    """A server that stays busy (503, Retry-After: 0) is asked 5 times per unit, then the unit fails."""
    with StubServer(lambda passage, n: Reply(503, b"", {"Retry-After": "0"})) as stub:
        run = run_llm(cli, study, stub.url, "--max-failures", "1")
    assert run.exit_code == 1 and len(stub.requests) == 5
    assert "the endpoint answered HTTP 503 Service Unavailable (after 5 tries)" in run.stderr


def test_slow_answer_times_out(study, cli) -> None:
    """An endpoint slower than --timeout fails the unit with a message naming the limit, quickly."""
    with StubServer(lambda passage, n: language_coder(passage, n) if n > 2 else Reply(200, b"{}", delay=3)) as stub:
        began = time.monotonic()
        run = run_llm(cli, study, stub.url, "--timeout", "0.5")
        took = time.monotonic() - began
    assert run.exit_code == 1 and took < 3
    assert run.stderr.count("the endpoint did not answer within 0.5 s (--timeout)") == 2
    assert "2 units of 6 left unanswered" in run.stderr and len(llm_rows(study)) == 2


def test_dropped_connection_fails_the_unit(study, cli) -> None:
    """A connection closed without an answer fails that unit only."""
    with StubServer(lambda passage, n: Reply(body=None) if n == 1 else language_coder(passage, n)) as stub:
        run = run_llm(cli, study, stub.url)
    assert run.exit_code == 1 and "the endpoint dropped the connection" in run.stderr
    assert "1 unit of 6 left unanswered" in run.stderr


def test_bad_timeout_and_max_failures_are_usage_errors(study, cli, server) -> None:
    """--timeout 0 and --max-failures 0 are refused before anything is sent."""
    assert run_llm(cli, study, server.url, "--timeout", "0").exit_code == 2
    run = run_llm(cli, study, server.url, "--max-failures", "0")
    assert run.exit_code == 2 and "--max-failures 0" in run.stderr and server.requests == []


# -- provenance ----------------------------------------------------------------------------------------------
def test_each_suggestion_records_model_host_prompt_and_time_with_the_whole_rationale(study, cli) -> None:
    """The rule column names the model, the endpoint's host, the prompt version and hash, the time answered and
    the confidence, then the model's rationale uncut (here 400 characters)."""
    reason = "The passage says the nurse speaks Kinh only. " * 9

    def verbose(passage: str, n: int) -> Reply:
        codes = [{"code": "language", "confidence": 0.8, "rationale": reason}] if "Kinh" in passage else []
        return completion({"codes": codes})

    with StubServer(verbose) as stub:
        assert run_llm(cli, study, stub.url, model="llama3.1:8b").exit_code == 0
        rules = [rule for _, _, _, rule, _ in llm_rows(study)]
    assert len(rules) == 2
    found = re.fullmatch(rf"llm model=llama3\.1:8b host=127\.0\.0\.1:{stub.port} prompt=2 "
                         r"prompt_sha256=([0-9a-f]{16}) answered=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) "
                         r"confidence=0\.80: (.*)", rules[0])
    assert found and found.group(3) == reason.strip()
    assert rules[0].split(" answered=")[0] == rules[1].split(" answered=")[0]  # one prompt for the run


def test_the_python_api_reports_unanswered_units(study, server) -> None:
    """Project.suggest returns a report whose unanswered count and return code say what the CLI prints."""
    report = qualcode.open_project(study).suggest("llm", endpoint="http://127.0.0.1:9/v1", model="m",
                                                  max_failures=1)
    assert report.unanswered == UNITS and report.return_code == 1 and report.not_sent == UNITS - 1


def test_ctrl_c_keeps_answered_units_and_earlier_suggestions(study, cli, server) -> None:
    """Ctrl-C while a request hangs: the units answered before it are committed (their suggestions replaced),
    every other unit keeps its earlier suggestions, and the exit code is 130."""
    assert run_llm(cli, study, server.url).exit_code == 0
    assert len(llm_rows(study)) == 4

    def hangs_third(passage: str, n: int) -> Reply:
        return completion({"codes": []}) if n < 3 else Reply(200, b"{}", delay=30)

    with StubServer(hangs_third) as stub:
        process = subprocess.Popen([sys.executable, "-m", "qualcode", "suggest", "--method", "llm", "--endpoint",
                                    stub.url, "--model", "other", "--project", str(study)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(stub.requests) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "stopped asking: interrupted (Ctrl-C)" in err and "4 units of 6 left unanswered" in err
    assert "2 earlier suggestions replaced" in out
    assert [document for document, *_ in llm_rows(study)] == ["IDI-02", "IDI-02"]


# -- the pieces ----------------------------------------------------------------------------------------------
def test_answer_check_accepts_exactly_the_schema() -> None:
    """A fenced answer is read, ids match ignoring case, a repeated code counts once; a boolean or out-of-range
    confidence, an extra key, prose around the JSON are each refused with the place named."""
    answer = llm_answers.parse_answer('```json\n{"codes": [{"code": "Language", "rationale": " Kinh  only. "}, '
                                      '{"code": "language", "rationale": "again"}]}\n```', ["language", "workload"])
    assert answer.picks == (llm_answers.Pick("language", "Kinh only.", None),)
    for content, message in (('{"codes": [{"code": "language", "rationale": "", "confidence": true}]}',
                              "answer.codes[0].confidence: expected a number, got true"),
                             ('{"codes": [{"code": "language", "rationale": "", "confidence": 1.5}]}',
                              "answer.codes[0].confidence: 1.5 is above 1"),
                             ('{"codes": [], "rationale": "none"}', "answer: 'rationale' is not asked for"),
                             ('{"codes": [{"code": " ", "rationale": ""}]}', "answer.codes[0].code: is empty"),
                             ('Sure! {"codes": []}', "the model's answer is not JSON"),
                             ('[]', "answer: expected an object, got []")):
        with pytest.raises(llm.EndpointFailure, match=re.escape(message)):
            llm_answers.parse_answer(content, ["language"])


def test_retry_after_reads_seconds_and_http_dates_and_is_capped() -> None:
    """Retry-After in seconds or as an HTTP date gives the wait, a past date none, a long one MAX_WAIT; without
    it the wait doubles per attempt."""
    now = time.time()
    assert llm_http.retry_after("7") == 7.0
    assert 29 <= llm_http.retry_after(email.utils.formatdate(now + 30, usegmt=True), now) <= 30
    assert llm_http.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert llm_http.retry_after("soon") is None and llm_http.retry_after(None) is None
    assert llm_http.wait_before(0, "3600") == llm_http.MAX_WAIT
    assert [llm_http.wait_before(i, None) for i in range(4)] == [1.0, 2.0, 4.0, 8.0]


def test_endpoint_checks() -> None:
    """Loopback hosts are local, others need allow_remote; a URL with credentials or another scheme is refused."""
    assert llm.endpoint("http://[::1]:8080/v1/chat/completions").url == "http://[::1]:8080/v1/chat/completions"
    assert llm.endpoint("http://localhost:11434/v1/").url == "http://localhost:11434/v1/chat/completions"
    assert llm.is_local("127.0.0.2") and llm.is_local("LOCALHOST") and not llm.is_local("10.0.0.1")
    assert not llm.is_local("127.0.0.1.nip.io")
    remote = llm.endpoint("https://api.example.com/v1", allow_remote=True)
    assert remote.host == "api.example.com" and not remote.local
    for bad in ("ftp://127.0.0.1/v1", "http://user:secret@127.0.0.1:1/v1", "127.0.0.1:11434", "http://h:x/v1"):
        with pytest.raises(UsageError):
            llm.endpoint(bad)


def test_documents_a_person_coded_send_no_passage_unless_everywhere(study, cli, server) -> None:
    """A document a person has coded is not sent to the endpoint (its answers could not land), so only the other
    interview's three turns are asked; with --everywhere all six are."""
    tagged = cli("tag", "IDI-01", "2", "language", "--coder", "lan", "--project", study)
    assert tagged.exit_code == 0, tagged.stderr
    run = run_llm(cli, study, server.url)
    assert run.exit_code == 0, run.stderr
    assert len(server.requests) == UNITS // 2
    assert {row[0] for row in llm_rows(study)} <= {"IDI-02"}
    everywhere = run_llm(cli, study, server.url, "--everywhere")
    assert everywhere.exit_code == 0, everywhere.stderr
    assert len(server.requests) == UNITS  # IDI-02's three answers come from the cache: only IDI-01's are asked
