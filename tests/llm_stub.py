"""A stub OpenAI-compatible chat server for the `llm` tests: a real HTTP server on 127.0.0.1 in a thread, whose
answer to each request a test chooses (status, headers, body, delay, or a dropped connection)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What the stub sends back: ``body`` None drops the connection without a word."""

    status: int = 200
    body: bytes | None = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(answer: object) -> Reply:
    """A chat completion whose message content is ``answer`` (JSON-encoded unless already a string)."""
    content = answer if isinstance(answer, str) else json.dumps(answer)
    body = {"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}
    return Reply(200, json.dumps(body).encode("utf-8"), {"Content-Type": "application/json"})


def language_coder(passage: str, n: int) -> Reply:
    """A model that codes `language` when the passage names Kinh or Vietnamese, nothing otherwise."""
    if "Kinh" in passage or "Vietnamese" in passage:
        return completion({"codes": [{"code": "language", "confidence": 0.9,
                                      "rationale": "It names the language of the services."}]})
    return completion({"codes": []})


class StubServer:
    """The server: ``requests`` holds every request body (decoded JSON, or the raw path for other methods)."""

    def __init__(self, reply: Callable[[str, int], Reply] = language_coder) -> None:
        self.reply = reply
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                body["_path"] = self.path
                with stub.lock:
                    stub.requests.append(body)
                    n = len(stub.requests)
                messages = body.get("messages") or [{"content": ""}]
                passage = messages[-1]["content"].split("Passage:")[-1]
                answer = stub.reply(passage, n)
                time.sleep(answer.delay)
                if answer.body is None:
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                try:
                    self.wfile.write(answer.body)
                except OSError:  # the client gave up (its timeout): nothing to do
                    pass

            do_POST = do_GET = do_CONNECT = _any  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, as a user gives it to --endpoint."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
