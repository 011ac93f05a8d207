"""Recording and reading the change feed (see governance.models.Change).

Two things make the feed trustworthy for a system that keeps a copy:

**Removals.** A record that moves to an area outside a reader's scope (a person moved
from 南关区 to 宽城区) would otherwise simply stop appearing, and the old reader's copy
would go stale. So whenever a record is announced in another area than its previous
announcement, a `removed` row carrying only the id is written in the *previous* area,
before the row in the new one: every reader of the old area learns that the record left
it, and a reader who sees both areas gets the removal and then the record again.

**A gap-free cursor.** A change row takes its `seq` when it is inserted, not when its
transaction commits: a long transaction (an import) may commit seq 100 after a quick edit
committed seq 101, and a reader whose cursor already moved past 101 would never see 100.

- Writers register: a statement trigger on governance_change (migration
  0007_feed_change_writers) takes, before any row of the statement draws its seq, a
  shared transaction-level advisory lock keyed by the sequence's current value `v`. The
  lock is visible to every session in pg_locks and is released only after the
  transaction's commit has become visible to new snapshots (or after its rollback). Every
  seq the transaction draws afterwards is greater than `v`.
- A reader takes three steps, in this order, each a separate statement under READ
  COMMITTED (so step 3 takes a new snapshot after steps 1 and 2):
    1. `L` = the sequence's last value (every seq drawn so far is ≤ L);
    2. `F` = the lowest `v` registered by another transaction of this database still
       running;
    3. the rows with `since < seq ≤ L` and `seq < F`, in seq order.

Proof that a reader never skips a row: suppose the reader returns rows up to `m` and a
row `r` with `seq(r) = s < m` is committed later by a transaction `W` (so `r` was
invisible to the snapshot of step 3). Since `s < m ≤ L`, `s` was drawn before step 1,
and `W` registered `v < s` before drawing it, so `W`'s lock existed before step 1. `W`
had not committed visibly when step 3 took its snapshot, hence still held its lock at
step 2 (locks outlive visibility), so `F ≤ v < s < m`: but every returned row has
`seq < F`, a contradiction. Rolled-back rows are never visible and never needed. Two
conditions are checked rather than assumed: the isolation level (a REPEATABLE READ
transaction would reuse an older snapshot in step 3) and the sequence's CACHE 1 (a
cached block would hand out values ≤ L after step 1), see `_feed_horizon` and the
tests in governance/tests/test_change_feed.py.

Why not the snapshot's xmin: pg_current_snapshot() covers every database of the
cluster, so any write transaction anywhere (another application, a maintenance job)
would hold back the feed; and a cursor ordered by transaction id would no longer be the
plain `seq` integer the API promises. The registration is filtered by database.
"""

from __future__ import annotations

from django.db import connection

from .models import Change
from .outbox import outbox_emit

# Advisory-lock key space of the feed: BASE + sequence value (the high half of the key,
# pg_locks.classid, identifies it). The trigger of migration 0006 uses the same base.
FEED_LOCK_BASE = 0x4747_0000_0000_0000

REMOVED = "removed"


class FeedIsolationError(RuntimeError):
    """The feed was read in a transaction that does not take a snapshot per statement."""


def change_writer_register() -> None:
    """Register the current transaction as a feed writer now, before its first change
    row (the trigger does it anyway; callers that want the readers to wait from an
    earlier point, like the import merge, call it first). Idempotent."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock_shared(%s + last_value) FROM governance_change_seq_seq",
            [FEED_LOCK_BASE],
        )


def _feed_horizon() -> tuple[int, int | None]:
    """Steps 1 and 2 of the reader (see the module docstring): the sequence's last value,
    read before the lowest value registered by a running writer of this database."""
    with connection.cursor() as cur:
        cur.execute("SELECT last_value FROM governance_change_seq_seq")
        last_value = cur.fetchone()[0]
        cur.execute(
            """
            SELECT min(((classid::bigint << 32) | objid::bigint) - %(base)s),
                   current_setting('transaction_isolation')
            FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND pid <> pg_backend_pid()
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint >= %(base)s >> 32 AND classid::bigint < (%(base)s >> 32) + 65536
            """,
            {"base": FEED_LOCK_BASE},
        )
        floor, isolation = cur.fetchone()
    if isolation != "read committed":
        raise FeedIsolationError("the change feed must be read under READ COMMITTED")
    return last_value, floor


def _previous_area(dataset: str, object_id: str) -> str | None:
    row = (
        Change.objects.filter(dataset=dataset, object_id=object_id)
        .exclude(op=REMOVED)
        .order_by("-seq")
        .values_list("area_path", flat=True)
        .first()
    )
    return row


def _announce(dataset: str, change: Change) -> None:
    # Subscribers (the webhooks of integrations/subscribers.py) learn of it after commit;
    # the payload carries no personal data.
    outbox_emit(
        topic=f"change.{dataset}",
        area_path=change.area_path,
        payload={"dataset": dataset, "id": change.object_id, "op": change.op, "seq": change.seq},
    )


def record_change(*, dataset: str, obj, op: str, area_path: str) -> Change:
    """Called by services inside their transaction (after the object's row is written,
    so concurrent writers of the same object are serialized by its row lock); announces
    the change through the outbox (topic `change.<dataset>`), whose subscribers learn of
    it after commit. A record announced before in another area gets a removal there first."""
    object_id = str(obj.pk)
    previous = _previous_area(dataset, object_id) if op != "create" else None
    if previous is not None and previous != area_path:
        _announce(
            dataset,
            Change.objects.create(
                dataset=dataset, object_id=object_id, op=REMOVED, area_path=previous
            ),
        )
    change = Change.objects.create(dataset=dataset, object_id=object_id, op=op, area_path=area_path)
    _announce(dataset, change)
    return change


def changes_since(*, user, dataset: str, since: int = 0, limit: int = 500):
    """Committed changes after `since`, never beyond a change a running transaction may
    still commit before them (see the module docstring)."""
    last_value, floor = _feed_horizon()
    qs = Change.objects.restrict(user).filter(dataset=dataset, seq__gt=since, seq__lte=last_value)
    if floor is not None:
        qs = qs.filter(seq__lt=floor)
    return qs.order_by("seq")[:limit]
