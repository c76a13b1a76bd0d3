"""The `llm` suggester: a language model behind an OpenAI-compatible chat endpoint codes one passage at a time.

Ollama, llama.cpp's server and vLLM all speak this API. Participants' words are sensitive, so an endpoint off
this machine is refused unless the caller allows it. Each answer is cached by a hash of (model, prompt
version, the full prompt — the codebook's part and the passage's text), so a re-run sends nothing already
answered. Only the standard library is used (urllib, json).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.load import Code
from qualcode.errors import QualcodeError, UsageError

PROMPT_VERSION = "1"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
SYSTEM = ("You are a careful qualitative researcher coding interview transcripts with a fixed codebook. "
          "Apply a code only when the passage clearly fits its definition and its include note and not its "
          "exclude note. Answer with JSON only: {\"codes\": [code ids], \"rationale\": \"one sentence\"}. "
          "Use an empty list when no code applies.")


class EndpointFailure(QualcodeError):
    """The endpoint did not answer, or its answer was not the JSON asked for."""


@dataclass(frozen=True)
class Answer:
    """The model's answer for one passage: the codes it chose (known ids only) and its reason."""

    codes: tuple[str, ...]
    rationale: str
    cached: bool = False


def chat_url(endpoint: str, allow_remote: bool = False) -> str:
    """The chat completions URL of ``endpoint`` (a base such as ``http://127.0.0.1:11434/v1`` gets
    ``/chat/completions`` appended).

    Raises UsageError for a URL that is not http(s), or for a host off this machine unless ``allow_remote``.
    """
    parsed = urllib.parse.urlsplit(endpoint.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"--endpoint {endpoint!r} is not an http(s) URL, e.g. http://127.0.0.1:11434/v1")
    if not allow_remote and not is_local(parsed.hostname):
        raise UsageError(f"--endpoint {endpoint!r} is not on this machine: participants' words would leave it. "
                         "Use a local server (localhost, 127.0.0.1, ::1) or add --allow-remote")
    url = endpoint.strip().rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine: localhost or a loopback address."""
    if host.lower() in LOCAL_HOSTS:
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
            {"role": "user",
             "content": f"{codebook}\n\nPassage:\n\"\"\"{passage}\"\"\"\n\nWhich codes apply? JSON only."}]


def cache_key(model: str, chat: list[dict[str, str]]) -> str:
    """The cache key of a request: a hash of the model, the prompt version and the messages."""
    payload = json.dumps([model, PROMPT_VERSION, chat], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Answers already received, in a JSON-lines file (one ``{"key", "content"}`` per line), appended as they
    arrive so an interrupted run keeps them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[entry["key"]] = entry["content"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by an interruption

    def get(self, key: str) -> str | None:
        """The cached content for ``key``, or None."""
        return self.entries.get(key)

    def put(self, key: str, content: str) -> None:
        """Remember ``content`` for ``key``, on disk at once."""
        self.entries[key] = content
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "content": content}, ensure_ascii=False) + "\n")


def ask(url: str, model: str, chat: list[dict[str, str]], timeout: float = 120.0) -> str:
    """Send one chat request and return the answer's text. Raises EndpointFailure on any failure."""
    body = json.dumps({"model": model, "messages": chat, "temperature": 0, "seed": 0,
                       "response_format": {"type": "json_object"}}).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
            reply = json.loads(response.read().decode("utf-8"))
        return str(reply["choices"][0]["message"]["content"])
    except urllib.error.HTTPError as exc:
        raise EndpointFailure(f"the endpoint answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise EndpointFailure(f"the endpoint did not answer ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise EndpointFailure(f"the endpoint did not answer ({exc})") from None
    except (ValueError, KeyError, IndexError, TypeError):
        raise EndpointFailure("the endpoint's answer is not a chat completion") from None


def parse_answer(content: str, known: Sequence[str]) -> Answer:
    """The codes and rationale in a model's answer (JSON, possibly inside a code fence or other text); codes not
    in ``known`` are dropped. Raises EndpointFailure when no JSON object with a ``codes`` list is found."""
    found = re.search(r"\{.*\}", content, re.DOTALL)
    try:
        data = json.loads(found.group(0) if found else content)
        codes = data["codes"]
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise EndpointFailure(f"the model's answer is not the JSON asked for: {content[:80]!r}") from None
    by_name = {k.casefold(): k for k in known}
    chosen = tuple(dict.fromkeys(by_name[str(c).strip().casefold()] for c in codes
                                 if str(c).strip().casefold() in by_name))
    return Answer(chosen, " ".join(str(data.get("rationale", "")).split()))
