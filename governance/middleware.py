"""Keeps the current request's client address where services can reach it.

Services receive the acting user explicitly; the address is ambient context
(it is not a business argument), so it travels in a context variable.

`client_ip_from_request` is the one place an address is read from a request: audit
rows, rate limits and lockouts all go through it. Headers such as X-Real-IP and
X-Forwarded-For are written by whoever sends the request, so they are believed only
when the direct peer (REMOTE_ADDR) is one of the configured TRUSTED_PROXIES; anyone
else is identified by the peer address itself.
"""

from __future__ import annotations

import ipaddress
import time
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str | None):
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _trusted(addr, networks) -> bool:
    return addr is not None and any(addr in n for n in networks)


def client_ip_from_request(request) -> str | None:
    """The client's address: the direct peer, unless that peer is a trusted proxy.

    Behind trusted proxies, X-Forwarded-For is read from the right (each proxy appends
    the address it received the request from) and the first address that is not itself
    a trusted proxy is the client; X-Real-IP (set by a single nginx) is used when there
    is no X-Forwarded-For. An unparsable header falls back to the peer.
    """
    peer = _parse(request.META.get("REMOTE_ADDR"))
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not _trusted(peer, networks):
        return str(peer) if peer is not None else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        hops = [_parse(h) for h in forwarded.split(",")]
        for hop in reversed(hops):
            if hop is None:
                break  # a forged or garbled entry: stop believing the chain here
            if not _trusted(hop, networks):
                return str(hop)
        return str(peer)
    real = _parse(request.META.get("HTTP_X_REAL_IP"))
    return str(real) if real is not None else str(peer)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip_from_request(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


# The session key holding when the session's expiry was last pushed forward (unix s).
SESSION_REFRESHED_KEY = "_refreshed"


class SessionRefreshMiddleware:
    """The sliding idle timeout (SESSION_COOKIE_AGE after the last activity) without a
    database write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST rewrites the session row (UPDATE + COMMIT) on
    every request, reads included: under load the most frequent write of the platform
    (docs/performance.md, "Load"). Here a logged-in session is saved — its expiry pushed
    to now + SESSION_COOKIE_AGE — only when the last push is at least
    SESSION_REFRESH_SECONDS old, so an idle session ends between SESSION_COOKIE_AGE minus
    SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after its last request (29–30 minutes
    by default): never later than the rule. A session changed by the request is saved
    anyway (by SessionMiddleware), and marked refreshed with it. Placed right after
    SessionMiddleware, so SessionMiddleware sees the change on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or response.status_code >= 500:
            return response
        if not session.modified and not session.accessed:
            return response  # nothing read the session: not a logged-in request
        if SESSION_KEY not in session:  # anonymous, or logged out by this request
            return response
        now = int(time.time())
        if session.modified or now - session.get(SESSION_REFRESHED_KEY, 0) >= (
            settings.SESSION_REFRESH_SECONDS
        ):
            session[SESSION_REFRESHED_KEY] = now
        return response
