"""The HTTP POST of one webhook attempt (standard library, no extra dependency)."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would turn the POST into a GET
    without body. Refusing makes a 3xx an HTTPError, i.e. a failed attempt."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")[:EXCERPT_BYTES]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body`; never raises for network or HTTP trouble, which becomes `error`."""
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "User-Agent": USER_AGENT, **headers},
    )
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            excerpt = _excerpt(response.read(EXCERPT_BYTES))
    except urllib.error.HTTPError as exc:
        status = exc.code
        error = f"HTTP {exc.code} {exc.reason}"
        try:
            excerpt = _excerpt(exc.read(EXCERPT_BYTES))
        except (OSError, http.client.HTTPException):
            pass
        finally:
            exc.close()
    except urllib.error.URLError as exc:
        error = f"{type(exc.reason).__name__}: {exc.reason}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # Timeouts, resets, malformed answers, and URLs urllib cannot handle.
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return PostResult(status, error[:1000], excerpt, duration_ms)
