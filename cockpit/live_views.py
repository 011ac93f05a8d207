"""`/cockpit/live/?area=CODE`: the cockpit's live feed as server-sent events.

Each response lives at most `LIVE_SECONDS` and then ends: a worker thread is never held
for good, and the browser's EventSource reconnects by itself (after the `retry:` hint),
sending the last id it received as `Last-Event-ID`, from where the next response goes on.
While nothing happens a comment line goes out every `BLOCK_MS` (proxies keep the
connection, and a browser that has gone away is noticed at the next write)."""

from __future__ import annotations

import json
import logging
import time

import redis
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from governance.pool import release_connections

from . import live
from .selectors import cockpit_area

logger = logging.getLogger(__name__)

LIVE_SECONDS = 25.0
BLOCK_MS = 5000
RETRY_MS = 3000


@require_GET
@login_required
def live_stream(request):
    area = cockpit_area(user=request.user, code=request.GET.get("area"))  # 404 / 400
    cursor = live.live_cursor(request.headers.get("Last-Event-ID")) or live.live_cursor(
        request.GET.get("after")
    )
    if cursor is None:
        cursor = live.live_last_id()  # from now on
    response = StreamingHttpResponse(
        _events(request.user, area, cursor, translation.get_language()),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each line on at once
    return response


def _events(user, area, cursor: str, language: str):
    # The generator runs after the view has returned: the reader's language is set again.
    with translation.override(language):
        yield f"retry: {RETRY_MS}\n: {area.code}\n\n"
        deadline = time.monotonic() + LIVE_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                entries = live.live_read(cursor, block_ms=max(1, int(min(BLOCK_MS, left * 1000))))
            except redis.RedisError:
                logger.warning("cockpit live feed: Redis unavailable", exc_info=True)
                yield ": unavailable\n\n"
                return  # the browser retries
            if not entries:
                yield ": ping\n\n"
                continue
            cursor = entries[-1][0]
            visible = live.live_visible(user=user, area=area, entries=entries)
            release_connections()  # not held while waiting on Redis (governance/pool.py)
            sent = None
            for entry_id, item in visible:
                data = json.dumps(live.live_public(entry_id, item), ensure_ascii=False)
                yield f"id: {entry_id}\ndata: {data}\n\n"
                sent = entry_id
            if sent != cursor:
                # An id without data moves the browser's Last-Event-ID past what this user
                # does not see, so a reconnect does not read it again.
                yield f"id: {cursor}\n\n"
