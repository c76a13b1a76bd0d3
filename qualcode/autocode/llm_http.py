"""The `llm` suggester's transport: one chat request to an OpenAI-compatible endpoint, safely.

Participants' words travel in these requests, so the transport is strict about where they go:

- **No proxy, ever.** The opener is built with an empty :class:`urllib.request.ProxyHandler`, so ``http_proxy``,
  ``https_proxy``, ``all_proxy`` (any case) are not read: a loopback endpoint is reached directly, and a remote
  one (allowed with ``--allow-remote``) is reached at the host the user named and nowhere else.
- **No redirect is followed.** A redirect could send the passage to another host; it stops the run
  (:class:`EndpointRefused`) and names where it pointed.
- **A deadline per request** (``timeout`` seconds for connecting, waiting and reading the whole answer), so a
  hung or trickling server costs at most that.
- **429 and 503 are retried** with exponential backoff (1, 2, 4, 8 s), honouring ``Retry-After`` (seconds or
  an HTTP date), each wait capped at :data:`MAX_WAIT` seconds.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone

from qualcode.errors import QualcodeError

RETRIED = (429, 503)  # "too many requests" and "busy": the server asks to come back later
RETRIES = 4  # so at most 5 attempts: 1 + 2 + 4 + 8 s of backoff when no Retry-After is given
MAX_WAIT = 60.0  # seconds: a longer Retry-After is shortened to this
MAX_BYTES = 4_000_000  # an answer longer than this is not a chat completion of one passage
CHUNK = 65536


class EndpointFailure(QualcodeError):
    """The endpoint did not answer one unit, or its answer was not what was asked for (that unit only)."""


class EndpointRefused(EndpointFailure):
    """The endpoint tried to send the request elsewhere (a redirect): the run stops, nothing is followed."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into an :class:`EndpointRefused` naming its target."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib's hook
        target = urllib.parse.urljoin(req.full_url, newurl)
        host = urllib.parse.urlsplit(target).netloc or target
        raise EndpointRefused(f"the endpoint redirected (HTTP {code}) to {host}: not followed, since a redirect "
                              "could send participants' words off this machine; give --endpoint the URL that "
                              "answers itself")


def opener() -> urllib.request.OpenerDirector:
    """A urllib opener that ignores every proxy setting and follows no redirect."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), never negative; None
    when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def wait_before(attempt: int, header: str | None) -> float:
    """How long to wait before retry ``attempt`` (0-based): ``Retry-After`` when given, else 2**attempt s,
    capped at :data:`MAX_WAIT`."""
    asked = retry_after(header)
    return min(MAX_WAIT, asked if asked is not None else float(2 ** attempt))


def post_json(url: str, payload: dict, *, timeout: float = 60.0, retries: int = RETRIES,
              sleep: Callable[[float], None] = time.sleep) -> object:
    """POST ``payload`` as JSON to ``url`` and return the decoded JSON answer.

    Raises EndpointFailure when the endpoint does not answer within ``timeout`` seconds (the whole request), answers
    an HTTP error (429 and 503 after ``retries`` retries), drops the connection, or answers something that is not
    JSON; EndpointRefused when it redirects.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    for attempt in range(retries + 1):
        try:
            return _post_once(url, body, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in RETRIED and attempt < retries:
                sleep(wait_before(attempt, exc.headers.get("Retry-After") if exc.headers else None))
                continue
            tried = f" (after {plural_tries(attempt + 1)})" if exc.code in RETRIED else ""
            raise EndpointFailure(f"the endpoint answered HTTP {exc.code} {exc.reason}{tried}") from None
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def plural_tries(n: int) -> str:
    """``1 try`` / ``5 tries``."""
    return f"{n} {'try' if n == 1 else 'tries'}"


def _post_once(url: str, body: bytes, timeout: float) -> object:
    """One attempt; HTTPError escapes for the caller to retry, everything else becomes an EndpointFailure."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    deadline = time.monotonic() + timeout
    try:
        with opener().open(request, timeout=timeout) as response:
            data = _read_until(response, deadline, timeout)
    except urllib.error.HTTPError:
        raise
    except EndpointFailure:
        raise
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise EndpointFailure(f"the endpoint did not answer within {_seconds(timeout)}") from None
        raise EndpointFailure(f"the endpoint did not answer ({reason})") from None
    except TimeoutError:
        raise EndpointFailure(f"the endpoint did not answer within {_seconds(timeout)}") from None
    except OSError as exc:  # a dropped connection, a reset, a bad status line
        raise EndpointFailure(f"the endpoint dropped the connection ({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:  # http.client's own complaints about a malformed response
        raise EndpointFailure(f"the endpoint's answer is not HTTP ({exc})") from None
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        raise EndpointFailure(f"the endpoint's answer is not JSON: {_start(text)}") from None


def _read_until(response, deadline: float, timeout: float) -> bytes:
    """The whole body of ``response``, or EndpointFailure once ``deadline`` passes or it grows past MAX_BYTES."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise EndpointFailure(f"the endpoint did not finish answering within {_seconds(timeout)}")
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            raise EndpointFailure(f"the endpoint's answer is longer than {MAX_BYTES:,} bytes")


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s (--timeout)"


def _start(text: str) -> str:
    """The first 80 characters of ``text`` on one line, quoted: enough to see HTML or an error page."""
    line = " ".join(text.split())
    return repr(line[:80] + ("…" if len(line) > 80 else ""))


def utc_now() -> str:
    """The current time in UTC, to the second, ISO 8601 with a ``Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
