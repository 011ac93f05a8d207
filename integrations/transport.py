"""The HTTP POST of one webhook attempt (standard library, no extra dependency).

`http.client` rather than `urllib.request`: urllib rewrites header names
("X-Gridgov-Signature") and turns a redirected POST into a GET. Here the headers go
out exactly as documented, a redirect is an answer like any other non-2xx (a failed
attempt), HTTPS certificates are verified, and no proxy from the environment is used
(department systems sit on the government network).
"""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "GridGov-Webhooks/1.0"
EXCERPT_BYTES = 500


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str
    response_excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    return conn, target


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body`; never raises for network or HTTP trouble, which becomes `error`."""
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    conn = None
    try:
        conn, target = _connection(url, timeout)
        conn.request(
            "POST",
            target,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        response = conn.getresponse()
        status = response.status
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
        if not 200 <= status < 300:
            error = f"HTTP {status} {response.reason}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # Refused, reset, timed out, TLS failure, malformed answer, unusable URL. A
        # failure after the status line keeps the status: the answer was given.
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        if conn is not None:
            conn.close()
    duration_ms = int((time.monotonic() - started) * 1000)
    return PostResult(status, error[:1000], excerpt[:EXCERPT_BYTES], duration_ms)
