"""Reads that tolerate a few seconds' lag, from a streaming replica (docs/deployment.md,
"Read replica").

With `DATABASE_REPLICA_URL` set, settings define the database alias `replica` (a hot
standby of the primary) and `ReplicaRouter` is installed. Nothing goes to the replica
unless the code asks for it: inside `lag_tolerant()` — the cockpit, the analysis pages
and API, the exports, the assessment rule preview — the ORM's reads (and the raw reads
that take `read_connection()`) go to the replica while it is usable, everything else to
the primary:

- writes always go to the primary, and once a `lag_tolerant()` block has written, its
  later reads go to the primary too (it reads what it wrote);
- inside a transaction of the primary (`atomic`), reads stay on the primary;
- identity and access (users, role assignments, departments, sessions, tokens, second
  factors, object permissions) are always read from the primary: a role revoked a
  second ago must not linger on a lagging replica;
- the replica is usable when it answers, is in recovery (a standby), and its replay is
  at most `DATABASE_REPLICA_MAX_LAG` seconds behind. Each process checks that at most
  every `DATABASE_REPLICA_CHECK_SECONDS` on a connection of its own (one thread checks,
  the others keep the last verdict); a replica that did not answer is left alone for
  `DATABASE_REPLICA_RETRY_SECONDS`, so requests never wait on a dead server. A block
  that chose the replica also checks its own connection first and takes the primary
  when that fails.

Lag is measured against the primary, as an upper bound on how old the state the replica
shows is: 0 when it has replayed the primary's WAL position read just before; otherwise
the smaller of the time since the latest earlier position (kept from this process's
checks) it has replayed, and the time since the primary committed the last transaction
it replayed (`pg_last_xact_replay_timestamp()`). A replica whose replay or WAL receiver
stopped therefore ages and is left, and one that catches up is used again at the next
check. The bound errs towards the primary, never towards older data.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS

# Identity and access: always read from the primary.
PRIMARY_ONLY_APPS = frozenset(
    {
        "admin",
        "auth",
        "authtoken",
        "contenttypes",
        "django_otp",
        "guardian",
        "otp_static",
        "otp_totp",
        "sessions",
    }
)
PRIMARY_ONLY_MODELS = frozenset(
    {
        "governance.user",
        "governance.roleassignment",
        "governance.department",
        "governance.keyfingerprint",
    }
)


def replica_configured() -> bool:
    return REPLICA in connections.settings


# -- the verdict: may the replica be read? ---------------------------------------------


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    reason: str  # "ok", "not checked", "unreachable: …", "lagging …", "promoted: …"
    lag: float | None = None  # seconds behind (0 when it has replayed the primary's WAL)
    reachable: bool = False


_NOT_CHECKED = ReplicaState(False, "not checked")


class _Checker:
    """The per-process verdict, refreshed by at most one thread at a time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = _NOT_CHECKED
        self.next_check = -math.inf
        self.probe: psycopg.Connection | None = None
        # (time, the primary's WAL position) of recent checks: to date the replica's replay
        self.positions: deque[tuple[float, int]] = deque(maxlen=256)

    def reset(self) -> None:
        with self.lock:
            self._close_probe()
            self.positions.clear()
            self.state = _NOT_CHECKED
            self.next_check = -math.inf

    def _close_probe(self) -> None:
        if self.probe is not None:
            try:
                self.probe.close()
            except psycopg.Error:
                pass
            self.probe = None

    def current(self) -> ReplicaState:
        if time.monotonic() < self.next_check or not self.lock.acquire(blocking=False):
            return self.state  # fresh enough, or another thread is checking
        try:
            if time.monotonic() >= self.next_check:
                self._set(self._check())
            return self.state
        finally:
            self.lock.release()

    def mark_down(self, reason: str) -> None:
        with self.lock:
            self._close_probe()
            self._set(ReplicaState(False, f"unreachable: {reason}"))

    def _set(self, state: ReplicaState) -> None:
        # Logged when the verdict changes ("ok", "lagging", "unreachable", …), not per check.
        if state.reason.split()[0] != self.state.reason.split()[0]:
            if state.usable:
                logger.info("read replica in use (lag %.1f s)", state.lag or 0)
            else:
                logger.warning("read replica not used, reads go to the primary: %s", state.reason)
        self.state = state
        wait = (
            settings.DATABASE_REPLICA_CHECK_SECONDS
            if state.reachable
            else settings.DATABASE_REPLICA_RETRY_SECONDS
        )
        self.next_check = time.monotonic() + wait

    def _connect(self) -> psycopg.Connection:
        if self.probe is None or self.probe.closed:
            params = connections[REPLICA].get_connection_params()
            timeout = max(1, round(settings.DATABASE_REPLICA_CONNECT_TIMEOUT))
            params["connect_timeout"] = timeout
            params["application_name"] = "gridgov replica check"
            # A replica that accepts but does not answer must not hold the check either.
            params["options"] = f"{params.get('options', '')} -c statement_timeout={timeout}s"
            self.probe = psycopg.connect(**params, autocommit=True)
        return self.probe

    def _check(self) -> ReplicaState:
        # The primary's position first (on this thread's connection), then the replica's.
        try:
            with connections[PRIMARY].cursor() as cur:
                cur.execute("SELECT pg_current_wal_lsn()::text")
                primary_lsn = _lsn(cur.fetchone()[0])
        except DatabaseError as exc:  # the primary's trouble is answered elsewhere
            return ReplicaState(False, f"primary unreadable: {exc}", reachable=True)
        now = time.monotonic()
        self.positions.append((now, primary_lsn))
        try:
            in_recovery, replayed, since_commit = (
                self._connect()
                .execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                    "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
                )
                .fetchone()
            )
        except psycopg.Error as exc:
            self._close_probe()
            return ReplicaState(False, f"unreachable: {str(exc).strip()[:200]}")
        if not in_recovery:
            return ReplicaState(False, "promoted: not in recovery", reachable=True)
        lag = self._lag(now, _lsn(replayed), since_commit)
        if lag is None or lag > settings.DATABASE_REPLICA_MAX_LAG:
            shown = "unknown" if lag is None else f"{lag:.1f} s"
            return ReplicaState(False, f"lagging {shown}", lag=lag, reachable=True)
        return ReplicaState(True, "ok", lag=lag, reachable=True)

    def _lag(self, now: float, replayed: int | None, since_commit) -> float | None:
        """How old, at most, the primary's state is that the replica shows: 0 when it has
        replayed the primary's position just read; else the smaller of the time since the
        latest earlier position it has replayed (this process's checks keep them) and the
        time since the primary committed the last transaction it replayed. None: unknown."""
        if replayed is None:
            return None
        bounds = [] if since_commit is None else [max(0.0, float(since_commit))]
        for at, position in reversed(self.positions):
            if position <= replayed:
                bounds.append(now - at)
                break
        keep = now - 2 * settings.DATABASE_REPLICA_MAX_LAG - settings.DATABASE_REPLICA_CHECK_SECONDS
        while self.positions and self.positions[0][0] < keep:
            self.positions.popleft()
        return min(bounds) if bounds else None


def _lsn(text: str | None) -> int | None:
    """A WAL position ('16/B374D848') as a number."""
    if text is None:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


_checker = _Checker()


def replica_state() -> ReplicaState:
    """This process's verdict on the replica (checked again when it is due)."""
    if not replica_configured():
        return ReplicaState(False, "not configured")
    return _checker.current()


def replica_reset() -> None:
    """Forget the verdict and the check's connection (after the replica's settings
    changed; the tests)."""
    _checker.reset()


# -- where a read goes -----------------------------------------------------------------


@dataclass
class _Reads:
    alias: str
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("gridgov_lag_tolerant", default=None)


def _choose() -> str:
    if not replica_configured() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if not replica_state().usable:
        return PRIMARY
    conn = connections[REPLICA]
    try:
        # The kept connection may be dead although the last check was fine: a round
        # trip now rather than a failed read later.
        if conn.connection is not None and not conn.is_usable():
            conn.close()
        conn.ensure_connection()
    except DatabaseError as exc:
        conn.close()
        _checker.mark_down(str(exc).strip()[:200])
        return PRIMARY
    return REPLICA


@contextmanager
def lag_tolerant() -> Iterator[str]:
    """Reads in the block may come from the replica (see the module's docstring); yields
    the alias they go to. Nested blocks keep the outer one's choice. Also a decorator:
    `@lag_tolerant()`. Only for code that reads — a write switches the rest of the block
    to the primary, but the reads before it were the replica's."""
    outer = _reads.get()
    if outer is not None:
        yield outer.alias
        return
    reads = _Reads(_choose())
    token = _reads.set(reads)
    try:
        yield reads.alias
    finally:
        _reads.reset(token)


def read_alias() -> str:
    """Where a read issued now goes: the replica inside a `lag_tolerant()` block that
    chose it, has not written and is not inside a transaction of the primary."""
    reads = _reads.get()
    if reads is None or reads.alias == PRIMARY or reads.wrote:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return reads.alias


def read_connection():
    """The connection for a raw read (`with read_connection().cursor() as cur`)."""
    return connections[read_alias()]


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as `read_alias()` decides, writes and migrations
    on the primary only."""

    def db_for_read(self, model, **hints):
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there is the same row.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
