"""The change-feed cursor never skips a change, however writers interleave.

Writers here are real, separate PostgreSQL connections that commit (their rows are
deleted again at the end, under a dataset name of the test's own); the reader is the
feed's own `changes_since` on the test's connection, as the API calls it.
"""

import random
import threading
import time
import uuid

import pytest
from django.db import connection

from governance import changes as feed
from governance.changes import change_writer_register, changes_since
from governance.roles import Role
from governance.tests.factories import other_connection
from grids.models import Area

pytestmark = pytest.mark.django_db

GRID = "220102001001001"


@pytest.fixture
def dataset():
    """A dataset name of this test only; its committed rows are deleted afterwards."""
    name = "t" + uuid.uuid4().hex[:12]
    yield name
    with other_connection() as conn:
        conn.execute("DELETE FROM governance_change WHERE dataset = %s", [name])


@pytest.fixture
def reader(make_user):
    return make_user(Role.GRID_WORKER, GRID, "feed_reader")


class Writer:
    """One writing transaction at a time on its own connection."""

    def __init__(self, dataset, path):
        self.conn = other_connection()
        self.dataset, self.path = dataset, path
        self.pending: list[int] = []

    def insert(self) -> int:
        # A plain INSERT, like any writer: the trigger registers the transaction.
        seq = self.conn.execute(
            "INSERT INTO governance_change (dataset, object_id, op, area_path, at) "
            "VALUES (%s, '1', 'update', %s, now()) RETURNING seq",
            [self.dataset, self.path],
        ).fetchone()[0]
        self.pending.append(seq)
        return seq

    def commit(self) -> list[int]:
        self.conn.commit()
        done, self.pending = self.pending, []
        return done

    def rollback(self) -> None:
        self.conn.rollback()
        self.pending = []

    def close(self):
        self.conn.rollback()
        self.conn.close()


class Reader:
    def __init__(self, user, dataset):
        self.user, self.dataset = user, dataset
        self.since = 0
        self.seen: list[int] = []

    def poll(self, limit=500) -> int:
        rows = list(
            changes_since(user=self.user, dataset=self.dataset, since=self.since, limit=limit)
        )
        self.seen += [c.seq for c in rows]
        if rows:
            self.since = rows[-1].seq
        return len(rows)

    def drain(self):
        while self.poll(limit=7):
            pass


def test_a_change_committed_between_the_readers_horizon_and_its_snapshot_is_not_skipped(
    reader, dataset, monkeypatch
):
    """The hand-made interleaving that lost a change before: the reader reads the running
    writers (none), then A draws a seq, B draws a later one and commits, then the reader
    takes its snapshot. B's row must wait until A is done."""
    path = Area.objects.get(code=GRID).path
    a, b = Writer(dataset, path), Writer(dataset, path)
    r = Reader(reader, dataset)
    original = feed._feed_horizon
    steps = []

    def horizon_then_writers():
        result = original()
        while steps:
            steps.pop(0)()
        return result

    monkeypatch.setattr(feed, "_feed_horizon", horizon_then_writers)
    try:
        committed = []
        steps[:] = [a.insert, b.insert, lambda: committed.extend(b.commit())]
        r.poll()
        assert r.seen == []  # B's row is visible, but A below it still runs
        committed += a.commit()
        r.drain()
        assert sorted(committed) == r.seen and len(r.seen) == 2
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("seed", range(6))
def test_every_change_is_read_exactly_once_in_many_interleavings(
    reader, dataset, monkeypatch, seed
):
    """Random schedules of three writers (inserts, commits and rollbacks in an order
    other than their seqs) with the reader polling between any two steps and also
    *inside* its own read, between its horizon and its snapshot."""
    rng = random.Random(seed)
    path = Area.objects.get(code=GRID).path
    writers = [Writer(dataset, path) for _ in range(3)]
    r = Reader(reader, dataset)
    original = feed._feed_horizon
    inject: list = []

    def horizon_then_writers():
        result = original()
        while inject:
            inject.pop(0)()
        return result

    monkeypatch.setattr(feed, "_feed_horizon", horizon_then_writers)
    committed: list[int] = []

    def act(w):  # decided when it runs, on the writer's state then
        if not w.pending or (len(w.pending) < 3 and rng.random() < 0.25):
            w.insert()
        elif rng.random() < 0.2:
            w.rollback()
        else:
            committed.extend(w.commit())

    try:
        for _round in range(80):
            if rng.random() < 0.25:  # a quiet moment: nobody writing
                for w in writers:
                    committed.extend(w.commit())
            # Next steps of randomly chosen writers; some run inside the reader's read.
            steps = [rng.choice(writers) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.5:
                inject[:] = [lambda w=w: act(w) for w in steps]
                r.poll(limit=rng.choice([2, 5, 500]))
                assert not inject
            else:
                for w in steps:
                    act(w)
                if rng.random() < 0.6:
                    r.poll(limit=rng.choice([2, 5, 500]))
        for w in writers:
            committed.extend(w.commit())
        r.drain()
    finally:
        for w in writers:
            w.close()
    assert len(r.seen) == len(set(r.seen))  # never twice
    assert sorted(r.seen) == sorted(committed)  # never skipped
    assert r.seen == sorted(r.seen)


def test_concurrent_writer_threads_with_a_reader_polling_throughout(reader, dataset):
    """Four writer threads commit (or roll back) many small transactions with random
    pauses, so commits overtake each other; the reader polls all the while."""
    path = Area.objects.get(code=GRID).path
    committed: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def write(seed):
        rng = random.Random(seed)
        w = Writer(dataset, path)
        try:
            for _ in range(15):
                for _ in range(rng.randint(1, 3)):
                    w.insert()
                    time.sleep(rng.random() * 0.004)
                if rng.random() < 0.2:
                    w.rollback()
                else:
                    done = w.commit()
                    with lock:
                        committed.extend(done)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            w.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    r = Reader(reader, dataset)
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        r.poll(limit=3)
    for t in threads:
        t.join()
    r.drain()
    assert not errors
    assert committed and len(r.seen) == len(set(r.seen))
    assert sorted(r.seen) == sorted(committed)


def test_the_sequence_hands_out_no_cached_blocks(db):
    """The proof needs every value up to last_value to be drawn already."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT cache_size FROM pg_sequences WHERE sequencename = 'governance_change_seq_seq'"
        )
        assert cur.fetchone()[0] == 1


def test_registering_twice_is_harmless(db):
    change_writer_register()
    change_writer_register()
