"""The `llm` suggester: a language model behind an OpenAI-compatible chat endpoint codes one passage at a time.

Ollama, llama.cpp's server and vLLM all speak this API. Participants' words are sensitive, so an endpoint off
this machine is refused unless the caller allows it, and no proxy is ever used (:mod:`llm_http`). Each answer
is checked against the schema the prompt shows (:mod:`llm_answers`); only answers that pass are cached, by a
hash of (model, endpoint host, prompt version, the full prompt — the codebook's part and the passage's text),
so a re-run sends nothing already answered. Every suggestion says which model at which host answered, with
which prompt (version and hash) and when. Only the standard library is used (urllib, json).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.autocode.llm_answers import ANSWER_SCHEMA, Answer, Pick, completion_content, parse_answer
from qualcode.autocode.llm_http import EndpointFailure, EndpointRefused, post_json, utc_now
from qualcode.codebook.load import Code
from qualcode.errors import UsageError

__all__ = ["Answer", "EndpointFailure", "EndpointRefused", "Endpoint", "Pick", "ResponseCache", "ask", "cache_key",
           "codebook_prompt", "endpoint", "is_local", "messages", "note", "parse_answer", "prompt_hash"]

PROMPT_VERSION = "2"  # 2: one object per code with its own rationale and confidence, checked against a schema
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
SYSTEM = ("You are a careful qualitative researcher coding interview transcripts with a fixed codebook. "
          "Apply a code only when the passage clearly fits its definition and its include note and not its "
          "exclude note. Use only the code ids the codebook lists. Answer with one JSON object only, no other "
          "text, of this form: {\"codes\": [{\"code\": \"<code id>\", \"confidence\": <0 to 1>, "
          "\"rationale\": \"<one sentence>\"}]}, following this JSON schema: "
          + json.dumps(ANSWER_SCHEMA, sort_keys=True) + ". Use an empty list when no code applies.")
USER = "{codebook}\n\nPassage:\n\"\"\"{passage}\"\"\"\n\nWhich codes apply? JSON only."


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: the chat completions ``url`` and its ``host`` (with the port, as the user wrote it);
    ``local`` when the host is this machine."""

    url: str
    host: str
    local: bool


def endpoint(given: str, allow_remote: bool = False) -> Endpoint:
    """The endpoint ``given`` on the command line (a base such as ``http://127.0.0.1:11434/v1`` gets
    ``/chat/completions`` appended).

    Raises UsageError for a URL that is not http(s), or for a host off this machine unless ``allow_remote``.
    """
    text = given.strip()
    parsed = urllib.parse.urlsplit(text)
    try:
        hostname, _ = parsed.hostname, parsed.port
    except ValueError:
        hostname = None
    if parsed.scheme not in ("http", "https") or not hostname:
        raise UsageError(f"--endpoint {given!r} is not an http(s) URL, e.g. http://127.0.0.1:11434/v1")
    if parsed.username or parsed.password:
        raise UsageError(f"--endpoint {given!r} holds a user name or password: qualcode would write it into every "
                         "suggestion's provenance; use a local server without one")
    local = is_local(hostname)
    if not allow_remote and not local:
        raise UsageError(f"--endpoint {given!r}: {hostname} is not this machine, and participants' words would "
                         "leave it. Use a local server (localhost, 127.0.0.1, ::1) or add --allow-remote")
    url = text.rstrip("/")
    return Endpoint(url if url.endswith("/chat/completions") else url + "/chat/completions", parsed.netloc, local)


def chat_url(given: str, allow_remote: bool = False) -> str:
    """The chat completions URL of ``given`` (see :func:`endpoint`, which raises the same errors)."""
    return endpoint(given, allow_remote).url


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine: localhost or a loopback address."""
    if host.lower().rstrip(".") in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def codebook_prompt(codes: Sequence[Code]) -> str:
    """The codebook part of the prompt: per code its id, label, definition, include/exclude notes and examples."""
    lines = ["Codebook:"]
    for code in codes:
        lines.append(f"- id: {code.id}\n  label: {code.label}")
        for name, value in (("definition", code.definition), ("include", code.include), ("exclude", code.exclude)):
            if value.strip():
                lines.append(f"  {name}: {' '.join(value.split())}")
        if code.examples:
            lines.append("  examples: " + " | ".join(" ".join(e.split()) for e in code.examples))
        if code.counterexamples:
            lines.append("  not examples: " + " | ".join(" ".join(e.split()) for e in code.counterexamples))
    return "\n".join(lines)


def messages(codebook: str, passage: str) -> list[dict[str, str]]:
    """The chat messages for one passage, given the codebook part of the prompt."""
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": USER.format(codebook=codebook, passage=passage)}]


def prompt_hash(codebook: str) -> str:
    """The first 16 hex digits of the SHA-256 of everything sent but the passage: the system message, the user
    template and the codebook part. Two suggestions with the same hash were asked the same question."""
    payload = json.dumps([PROMPT_VERSION, SYSTEM, USER, codebook], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def cache_key(model: str, host: str, chat: list[dict[str, str]]) -> str:
    """The cache key of a request: a hash of the model, the endpoint's host, the prompt version and the messages
    (the same model name on another server may be another model)."""
    payload = json.dumps([model, host, PROMPT_VERSION, chat], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ask(url: str, model: str, chat: list[dict[str, str]], timeout: float = 60.0) -> str:
    """Send one chat request and return the answer's text (not yet checked against the schema). Raises
    EndpointFailure on any failure of the endpoint, EndpointRefused when it redirects."""
    reply = post_json(url, {"model": model, "messages": chat, "temperature": 0, "seed": 0,
                            "response_format": {"type": "json_object"}}, timeout=timeout)
    return completion_content(reply)


def note(model: str, host: str, prompt: str, answered: str, pick: Pick) -> str:
    """The rule column of one suggestion: its provenance, then the model's whole rationale, on one line, e.g.
    ``llm model=llama3.1 host=127.0.0.1:11434 prompt=2 prompt_sha256=… answered=2025-06-01T10:00:00Z
    confidence=0.80: The nurse speaks only Kinh.``"""
    fields = [f"model={_value(model)}", f"host={host}", f"prompt={PROMPT_VERSION}", f"prompt_sha256={prompt}",
              f"answered={answered}"]
    if pick.confidence is not None:
        fields.append(f"confidence={pick.confidence:.2f}")
    return "llm " + " ".join(fields) + (f": {pick.rationale}" if pick.rationale else "")


def _value(text: str) -> str:
    """``text`` as one space-free token (quoted as JSON when it has spaces)."""
    return text if text and not any(c.isspace() for c in text) else json.dumps(text, ensure_ascii=False)


class ResponseCache:
    """Answers already received and checked, in a JSON-lines file (one ``{"key", "content", "answered"}`` per
    line), appended as they arrive so an interrupted run keeps them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, tuple[str, str]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[entry["key"]] = (str(entry["content"]), str(entry.get("answered", "")))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by an interruption

    def get(self, key: str) -> tuple[str, str] | None:
        """The cached ``(content, when it was answered)`` for ``key``, or None."""
        return self.entries.get(key)

    def put(self, key: str, content: str, answered: str) -> None:
        """Remember ``content`` (answered at ``answered``) for ``key``, on disk at once."""
        self.entries[key] = (content, answered)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "content": content, "answered": answered}, ensure_ascii=False)
                         + "\n")

    def forget(self, key: str) -> None:
        """Drop ``key`` from memory (an entry that no longer passes the check is asked again; the file keeps
        appending, and the last line for a key wins when it is read)."""
        self.entries.pop(key, None)


now = utc_now  # the time an answer is received, as provenance records it
