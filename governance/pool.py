"""Pooled database connections given back while a response streams.

Django hands a request's connection back to the pool when the response is closed, which
for a streaming response is after its last chunk: the cockpit's live feed (up to 25 s,
mostly waiting on Redis) or a file streamed to a slow client would hold one of the
process's pooled connections all that time. A process has 16 request threads and at
most DATABASE_POOL_MAX (8) connections (governance/settings/prod.py), so a few open
cockpit screens on one worker left its other requests waiting for a connection and then
failing with 503. What streams takes a connection again for the moment it needs one."""

from __future__ import annotations

from django.db import connections


def release_connections() -> None:
    """Give this thread's pooled connections back to their pools (those not inside a
    transaction); the next query takes one again. Without a pool (persistent
    connections, the tests) nothing is shared, and nothing is done."""
    for conn in connections.all(initialized_only=True):
        if (
            conn.connection is not None
            and not conn.in_atomic_block
            and getattr(conn, "pool", None) is not None
        ):
            conn.close()


class StreamingReleaseMiddleware:
    """Outside every middleware that may use the database on the way out (sessions):
    a streaming response's connections go back to the pool before it streams."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming:
            release_connections()
        return response
