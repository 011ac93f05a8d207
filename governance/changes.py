"""Recording and reading the change feed (see governance.models.Change).

A change row takes its `seq` when it is inserted, not when its transaction commits: a long
transaction (an import) may commit seq 100 after a quick edit committed seq 101, and a
reader whose cursor already moved past 101 would never see 100. So every transaction that
writes change rows first registers the sequence's current value as a shared,
transaction-level advisory lock (visible to everyone in pg_locks, gone at commit or
rollback), and readers stop at the lowest value registered by a transaction still running:
all its rows will have a greater seq.
"""

from __future__ import annotations

from django.db import connection

from .models import Change

# Advisory-lock key space of the feed: BASE + sequence value (the high half of the key,
# pg_locks.classid, identifies it).
FEED_LOCK_BASE = 0x4747_0000_0000_0000


def change_writer_register() -> None:
    """Call inside the writing transaction before its first change row (idempotent)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock_shared(%s + last_value) FROM "
                    "governance_change_seq_seq", [FEED_LOCK_BASE])


def _running_writers_floor() -> int | None:
    """The lowest sequence value registered by another transaction still running."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT min(((classid::bigint << 32) | objid::bigint) - %(base)s)
            FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND pid <> pg_backend_pid()
              AND classid::bigint >= %(base)s >> 32 AND classid::bigint < (%(base)s >> 32) + 65536
            """, {"base": FEED_LOCK_BASE})
        return cur.fetchone()[0]


def record_change(*, dataset: str, obj, op: str, area_path: str) -> Change:
    """Called by services inside their transaction; announces the change to webhook
    subscribers after commit (the payload carries no personal data)."""
    change_writer_register()
    change = Change.objects.create(dataset=dataset, object_id=str(obj.pk), op=op,
                                   area_path=area_path)
    from integrations.services import departments_above, webhook_publish

    webhook_publish(event_type=f"{dataset}.changed", area_path=area_path,
                    departments=departments_above(area_path),
                    payload={"dataset": dataset, "id": change.object_id, "op": op,
                             "seq": change.seq})
    return change


def record_changes_bulk(*, dataset: str, rows: list[tuple[str, str, str]]) -> int:
    """(object_id, op, area_path) for set-based writers."""
    change_writer_register()
    Change.objects.bulk_create([Change(dataset=dataset, object_id=i, op=op, area_path=p)
                                for i, op, p in rows])
    return len(rows)


def changes_since(*, user, dataset: str, since: int = 0, limit: int = 500):
    """Committed changes after `since`, never beyond a change a running transaction may
    still commit before them (see the module docstring)."""
    qs = Change.objects.restrict(user).filter(dataset=dataset, seq__gt=since)
    floor = _running_writers_floor()
    if floor is not None:
        qs = qs.filter(seq__lte=floor)
    return qs.order_by("seq")[:limit]


