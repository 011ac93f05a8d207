"""The cockpit's live feed (实时动态): new and escalated cases, pushed to the page.

The events app announces every step of a case through the kernel outbox (`event.<action>`);
the subscriber here turns the steps the cockpit shows into a compact, non-personal item
and appends it to one Redis Stream. Readers (the page's server-sent-events stream and the
recent-items API) read that stream and keep only what the user may see: the area asked
for, then the cases `Event.objects.restrict(user)` returns (one query per batch), so the
feed follows exactly the rule of the case lists, department users included.

Why a Redis Stream: every reader keeps its own cursor (the entry id, which is also the
SSE `id:` and so the browser's `Last-Event-ID`), a reconnect resumes where it left off,
a reader blocks on XREAD instead of polling the database, and MAXLEN bounds the memory.
Design and bounds: docs/cockpit.md, "实时动态 / live feed".
"""

from __future__ import annotations

import json
import re
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from events.flows import ACTION_LABELS
from events.models import Event, Status, Urgency
from governance.errors import ServiceError

STREAM = "gridgov:cockpit:live"
MAXLEN = 1000  # approximate (XADD MAXLEN ~): the stream keeps the latest ~1000 steps
SEEN_PREFIX = "gridgov:cockpit:live:seen:"  # + outbox message id: delivered once
SEEN_TTL = 7 * 24 * 3600  # the outbox purges processed messages after 7 days too
RECENT_DEFAULT, RECENT_MAX = 20, 100

# outbox topic -> the kind of item it makes; other steps are not in the feed.
KINDS = {
    "event.reported": "new",
    "event.escalate": "escalated",  # 上报上级
    "event.supervise": "escalated",  # 督办
    "event.overdue": "escalated",  # 超期
}
ACTION_LABEL_EXTRA = {"reported": gettext_lazy("新上报")}
ID = re.compile(r"^[0-9]{1,20}-[0-9]{1,20}$")

# XADD once per outbox message: the mark and the entry are written together, so a
# message delivered again (at-least-once) adds nothing.
_PUSH = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'item', ARGV[1])
end
return false
"""


class LiveUnavailable(ServiceError):
    status_code = 503
    default_code = "live_unavailable"
    default_message = gettext_lazy("实时动态暂不可用,请稍后重试。")


class BadCursor(ServiceError):
    default_code = "invalid_cursor"
    default_message = gettext_lazy("实时动态的位置标识格式不正确。")


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)


def live_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


# Writing -------------------------------------------------------------------------


def live_item(message) -> dict | None:
    """The feed's item for an outbox message, or None for a step the feed does not show.
    Only what a cockpit viewer may read: no reporter, phone, address or description."""
    kind = KINDS.get(message.topic)
    p = message.payload or {}
    if kind is None or not p.get("number"):
        return None
    grid = p.get("grid") or None
    unit = p.get("current_unit") or {}
    return {
        "kind": kind,
        "action": message.topic.split(".", 1)[1],
        "number": p.get("number", ""),
        "title": p.get("title", ""),
        "category": (p.get("category") or {}).get("name", ""),
        "area_path": message.area_path,
        "grid": {"code": grid["code"], "name": grid["name"]} if grid else None,
        # a case held without a grid is shown at the unit holding it
        "place": grid["name"] if grid else unit.get("name", ""),
        "urgency": p.get("urgency", ""),
        "status": p.get("status", ""),
        "at": message.created_at.isoformat() if message.created_at else None,
        "message": message.pk,
    }


def live_push(item: dict, message_id: int) -> str | None:
    """Append `item` unless message `message_id` was appended already; returns the
    stream id, or None for a repeat."""
    return live_push_many([(item, message_id)])[0]


def live_push_many(items: list[tuple[dict, int]]) -> list[str | None]:
    """`live_push` for several (item, outbox message id), in order, in one round trip."""
    pipe = live_redis().pipeline(transaction=False)
    for item, message_id in items:
        pipe.eval(
            _PUSH,
            2,
            STREAM,
            f"{SEEN_PREFIX}{message_id}",
            json.dumps(item, ensure_ascii=False),
            MAXLEN,
            SEEN_TTL,
        )
    return [e.decode() if isinstance(e, bytes) else e for e in pipe.execute()]


def live_on_events(messages) -> None:
    """Outbox subscriber (cockpit/apps.py) of every step of a case, a drain's in one batch:
    the steps of `KINDS` are pushed, in order, in one round trip; the others are not."""
    items = [(item, m.pk) for m in messages if (item := live_item(m)) is not None]
    if not items:
        return
    if getattr(settings, "OUTBOX_DRAIN_EAGER", False):
        # Eager delivery runs inside the writer's transaction: readers re-check every item
        # against the database at once, so it must not be visible before the commit (nor
        # at all after a rollback). Robust: the write is committed by then, a Redis failure
        # is logged and must not turn the writer's request into an error.
        transaction.on_commit(lambda: live_push_many(items), robust=True)
    else:
        # A drain: the messages are committed; a failure here is retried by the outbox.
        live_push_many(items)


# Reading -------------------------------------------------------------------------


def _entries(raw) -> list[tuple[str, dict]]:
    out = []
    for entry_id, fields in raw:
        data = fields.get(b"item")
        if data is None:
            continue
        try:
            item = json.loads(data)
        except ValueError:
            continue
        if isinstance(item, dict) and item.get("number"):
            out.append((entry_id.decode(), item))
    return out


def live_cursor(value: str | None) -> str | None:
    """A stream id sent back by a client (Last-Event-ID, `after`), checked; None if
    absent."""
    value = (value or "").strip()
    if not value:
        return None
    if not ID.match(value):
        raise BadCursor()
    return value


def live_last_id() -> str:
    """The newest entry's id ("0-0" for an empty stream): a reader starting now reads
    what comes after it."""
    try:
        newest = live_redis().xrevrange(STREAM, count=1)
    except redis.RedisError as exc:
        raise LiveUnavailable() from exc
    return newest[0][0].decode() if newest else "0-0"


def live_read(cursor: str, *, block_ms: int, count: int = 100) -> list[tuple[str, dict]]:
    """Entries after `cursor`, oldest first, waiting up to `block_ms` for one."""
    raw = live_redis().xread({STREAM: cursor}, count=count, block=block_ms)
    return _entries(raw[0][1]) if raw else []


def live_visible(*, user, area, entries: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The entries of cases inside `area` (an area of the user's jurisdiction) that the
    user may read now: the case lists' own rule (`Event.objects.restrict`), so a
    department user sees only the cases of their departments. One query per batch."""
    inside = [(i, item) for i, item in entries if item.get("area_path", "").startswith(area.path)]
    if not inside:
        return []
    readable = set(
        Event.objects.restrict(user)
        .filter(number__in={item["number"] for _i, item in inside})
        .values_list("number", flat=True)
    )
    return [(i, item) for i, item in inside if item["number"] in readable]


def live_recent(*, user, area, limit: int = RECENT_DEFAULT) -> dict:
    """The latest visible items for `area`, newest first, and the stream's newest id
    (from where a live reader goes on)."""
    try:
        raw = live_redis().xrevrange(STREAM, count=MAXLEN + 200)  # the whole stream
    except redis.RedisError as exc:
        raise LiveUnavailable() from exc
    entries = _entries(raw)
    visible = live_visible(user=user, area=area, entries=entries)[:limit]
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "last_id": raw[0][0].decode() if raw else "0-0",
        "items": [live_public(i, item) for i, item in visible],
    }


def live_public(entry_id: str, item: dict) -> dict:
    """An item as readers get it: labels in the reader's language, the detail page."""
    action = item.get("action", "")
    label = ACTION_LABEL_EXTRA.get(action) or ACTION_LABELS.get(action) or action
    return {
        "id": entry_id,
        "kind": item.get("kind"),
        "action": action,
        "action_label": str(label),
        "number": item.get("number"),
        "title": item.get("title"),
        "category": item.get("category"),
        "area_path": item.get("area_path"),
        "grid": item.get("grid"),
        "place": item.get("place"),
        "urgency": item.get("urgency"),
        "urgency_label": _label(Urgency, item.get("urgency")),
        "status": item.get("status"),
        "status_label": _label(Status, item.get("status")),
        "at": item.get("at"),
        "url": reverse("events:detail", args=[item["number"]]),
    }


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""
