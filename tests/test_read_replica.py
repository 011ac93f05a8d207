"""Reads that tolerate lag go to a read replica (governance/replica.py), tested against a
real streaming replica of the test cluster (tests/pg_replica.py: `pg_basebackup -R`, a
hot standby on another port, one per test run: the pytest-xdist workers share it, one
test at a time, and the run's controller removes it — conftest.py).

Proof of where a request read: the replica is paused (`pg_wal_replay_pause()`) and a
figure is changed on the primary, so the two servers answer differently — the cockpit
then shows the replica's (old) number while the lag bound allows it, the primary's as soon
as the replica lags more, or is stopped. The connections' statements are captured too.

Transactional: the replica sees committed rows only (the flush afterwards empties the
test database, on the replica as well)."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from governance import replica as replicas
from governance.figures import ALL_TIME
from governance.models import AuditLog, FigureCount, User
from governance.replica import lag_tolerant, read_alias, read_connection, replica_state
from governance.roles import Role
from grids.models import Area
from tests.fixtures import NANGUAN
from tests.pg_replica import ReplicaUnavailable, StreamingReplica, locked, remove_run_replica

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

SUMMARY = f"/api/v1/cockpit/summary/?area={NANGUAN}"


def _run_owner(config) -> int:
    """The test run's process: pytest-xdist's controller (the workers' parent), or this
    one. The run's workers share one replica (a copy of the whole cluster), made by the
    first that needs it and removed by the controller at the end (conftest.py)."""
    return os.getppid() if hasattr(config, "workerinput") else os.getpid()


@pytest.fixture(scope="session")
def streaming_replica(request, django_db_setup, django_db_blocker):
    """The run's streaming replica of the cluster holding the test databases, and the
    `replica` database alias pointing at it, as settings do for DATABASE_REPLICA_URL."""
    owner = _run_owner(request.config)
    default = connections["default"].settings_dict
    with locked(owner):
        server = StreamingReplica.of(owner)
        if server is None or not server.running():
            try:
                server = StreamingReplica.create(
                    host=default["HOST"], port=default["PORT"], owner=owner
                )
            except ReplicaUnavailable as exc:
                pytest.skip(str(exc))
    alias = {
        **{k: v for k, v in default.items() if k != "TEST"},
        "HOST": "127.0.0.1",
        "PORT": str(server.port),
        "OPTIONS": {**default["OPTIONS"], "connect_timeout": 2},
        # Not created, migrated or flushed by the test runner: it replicates the test
        # database.
        "TEST": {**default["TEST"], "MIRROR": "default"},
    }
    connections.settings[replicas.REPLICA] = alias
    try:
        yield server
    finally:
        connections[replicas.REPLICA].close()
        del connections.settings[replicas.REPLICA]
        replicas.replica_reset()
        if owner == os.getpid():  # no controller to do it
            remove_run_replica(owner)


@pytest.fixture
def replica(request, streaming_replica, settings):
    """The replica to this test alone (the run's other workers wait), running and
    replaying; a verdict checked at every use (no caching: the tests decide when), a
    generous lag bound. Put back after the test."""
    with locked(_run_owner(request.config)):
        settings.DATABASE_REPLICA_MAX_LAG = 30
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0
        settings.DATABASE_REPLICA_RETRY_SECONDS = 60
        replicas.replica_reset()
        if not streaming_replica.running():
            streaming_replica.start()
        streaming_replica.resume_replay()
        yield streaming_replica
        connections[replicas.REPLICA].close()
        replicas.replica_reset()
        if not streaming_replica.running():
            streaming_replica.start()
        streaming_replica.resume_replay()


@pytest.fixture
def dispatcher(replica, demo_areas, make_user, client):
    user = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "replica_dispatcher")
    client.force_login(user)
    replica.wait_replayed()  # the counties, reloaded after the last test's flush
    return user


def _people_cell(delta: int) -> None:
    """Change 南关区's all-time people count on the primary (committed)."""
    area = Area.objects.get(code=NANGUAN)
    cell, _ = FigureCount.objects.get_or_create(
        day=ALL_TIME,
        area_path=area.path,
        figure="people.kind",  # people.total sums its keys
        key="replica-test",
        defaults={"parent_path": area.parent.path, "n": 0},
    )
    FigureCount.objects.filter(pk=cell.pk).update(n=F("n") + delta)


def _people(client) -> int:
    response = client.get(SUMMARY)
    assert response.status_code == 200, response.content
    return response.json()["people"]


def _server(alias: str) -> tuple[int, bool]:
    with connections[alias].cursor() as cur:
        cur.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        return cur.fetchone()


def test_a_row_written_on_the_primary_is_read_from_the_replica_after_replay(replica, demo_areas):
    replica.wait_replayed()
    Area.objects.filter(code=NANGUAN).update(name="南关区(复制)")
    replica.wait_replayed()

    with lag_tolerant() as alias:
        assert alias == "replica"
        area = Area.objects.get(code=NANGUAN)
        assert area._state.db == "replica" and area.name == "南关区(复制)"
        # Raw reads too, on the replica's own server (its port, in recovery).
        with read_connection().cursor() as cur:
            cur.execute("SELECT inet_server_port(), pg_is_in_recovery()")
            assert cur.fetchone() == (replica.port, True)
        # Identity and access always from the primary.
        assert User.objects.filter(username="nobody").db == "default"
    # Outside the block: the primary.
    assert Area.objects.get(code=NANGUAN)._state.db == "default"
    assert _server("default")[1] is False


def _on_replica(client, url: str) -> str:
    """GET `url` (200 expected): the statements it ran on the replica's connection."""
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    read = " ".join(q["sql"] for q in on_replica.captured_queries)
    # Identity and access are the primary's, whatever the request.
    assert "governance_user" not in read and "governance_roleassignment" not in read
    return read


def test_cockpit_and_analysis_read_from_the_replica(replica, dispatcher, client):
    before = _people(client)
    replica.pause_replay()
    _people_cell(1000)  # on the primary; the paused replica does not have it

    assert _people(client) == before  # the replica's number
    assert "governance_figurecount" in _on_replica(client, SUMMARY)
    assert "grids_area" in _on_replica(client, f"/cockpit/?area={NANGUAN}")  # area, trail
    ranking = f"/cockpit/panels/ranking/?area={NANGUAN}&of=children&by=closure_rate"
    assert "governance_figurecount" in _on_replica(client, ranking)
    pivot = f"/api/v1/analysis/events/?area={NANGUAN}&rows=child"
    source = client.get(pivot).json()["source"]
    table = "governance_figurecount" if source == "rollup" else "events_event"
    assert table in _on_replica(client, pivot)
    assert "grids_area" in _on_replica(client, f"/analysis/export.xlsx?area={NANGUAN}")
    # The primary has the new number.
    assert FigureCount.objects.get(key="replica-test").n == 1000

    replica.resume_replay()
    replica.wait_replayed()
    assert _people(client) == before + 1000


def test_the_assessment_rule_preview_reads_from_the_replica(replica, demo_areas, admin, client):
    client.force_login(admin)
    replica.wait_replayed()
    preview = (
        "/assessment/rules/new/?do=preview&kind=linear&figure=events.closure_rate"
        f"&params=%7B%22low%22%3A0%2C%22high%22%3A100%7D&area={NANGUAN}"
        "&full_marks=10&since=2026-01-01&until=2026-12-31"
    )
    read = _on_replica(client, preview)
    assert "grids_area" in read  # the objects scored
    assert "governance_figurecount" in read or "events_event" in read  # their figures


def test_the_home_page_figures_and_the_audit_export_read_from_the_replica(
    replica, demo_areas, make_user, client
):
    """A leader's 工作台 takes the cockpit's figures from the replica (its cases stay on
    the primary); the audit-log export reads the trail there and writes its own audit
    row to the primary."""
    leader = make_user(Role.CITY_LEADER, "220100000000", "replica_leader")
    auditor = make_user(Role.AUDITOR, NANGUAN, "replica_auditor")
    replica.wait_replayed()
    client.force_login(leader)
    assert "governance_figurecount" in _on_replica(client, "/")
    client.force_login(auditor)
    assert "governance_auditlog" in _on_replica(client, "/audit/export/")
    assert AuditLog.objects.filter(action="audit.export", actor=auditor).count() == 1


def test_a_replica_lagging_beyond_the_bound_is_left_for_the_primary(
    replica, dispatcher, client, settings
):
    before = _people(client)
    settings.DATABASE_REPLICA_MAX_LAG = 1
    replica.pause_replay()
    _people_cell(1000)
    # The replica's replay stands still: its lag grows past the bound within a second or so.
    deadline = time.monotonic() + 15
    while replica_state().usable and time.monotonic() < deadline:
        time.sleep(0.2)
    state = replica_state()
    assert not state.usable and state.reason.startswith("lagging"), state
    assert state.lag > 1

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert _people(client) == before + 1000  # the primary's number
    assert on_replica.captured_queries == []

    # Caught up, it is used again (the bound less tight: other databases of the cluster
    # may be writing much WAL, which the replica replays too).
    settings.DATABASE_REPLICA_MAX_LAG = 5
    replica.resume_replay()
    replica.wait_replayed()
    deadline = time.monotonic() + 30
    while not replica_state().usable and time.monotonic() < deadline:
        time.sleep(0.2)
    assert replica_state().usable, replica_state()
    _people_cell(1)
    replica.wait_replayed()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert _people(client) == before + 1001
    assert on_replica.captured_queries


def test_a_stopped_replica_is_left_for_the_primary_without_waiting(
    replica, dispatcher, client, settings
):
    before = _people(client)  # read on the replica: its connection is kept
    assert connections["replica"].connection is not None
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60  # the last verdict, "usable", stays
    assert replica_state().usable
    replica.stop()
    _people_cell(1000)

    # The kept connection is found dead before the request reads: the primary answers.
    assert _people(client) == before + 1000
    state = replica_state()
    assert not state.usable and state.reason.startswith("unreachable"), state
    with lag_tolerant() as alias:
        assert alias == "default"
    # Marked down: later requests do not try the replica again for a while, and answer.
    for _ in range(3):
        assert _people(client) == before + 1000
    started = time.monotonic()
    for _ in range(20):
        with lag_tolerant() as alias:
            assert alias == "default"
    assert time.monotonic() - started < 0.5  # no connection attempted

    # Back up: used again once the verdict is renewed.
    replica.start()
    replicas.replica_reset()
    replica.wait_replayed()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert _people(client) == before + 1000
    assert on_replica.captured_queries


def test_a_replica_that_never_answered_costs_no_request_a_timeout(replica, dispatcher, client):
    replica.stop()
    started = time.monotonic()
    with lag_tolerant() as alias:
        assert alias == "default"
    assert time.monotonic() - started < 1  # connection refused: no wait for a timeout
    assert replica_state().reason.startswith("unreachable")
    assert _people(client) >= 0


def test_writes_never_go_to_the_replica(replica, dispatcher, client):
    replica.wait_replayed()
    with lag_tolerant():
        area = Area.objects.get(code=NANGUAN)
        assert area._state.db == "replica" and read_alias() == "replica"
        area.name = "南关区(写)"
        area.save(update_fields=["name"])  # read on the replica, written on the primary
        assert area._state.db == "default"
        # Having written, the block reads the primary (its own write).
        assert read_alias() == "default"
        assert Area.objects.get(code=NANGUAN).name == "南关区(写)"
    assert _server("default")[1] is False
    assert Area.objects.get(code=NANGUAN).name == "南关区(写)"

    # Inside a transaction of the primary, reads stay there.
    with transaction.atomic(), lag_tolerant() as alias:
        assert alias == "default" and read_alias() == "default"

    # An export reads the rows on the replica and audits on the primary.
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get("/api/v1/houses/export/?fmt=csv")
    assert response.status_code == 200
    statements = [q["sql"] for q in on_replica.captured_queries]
    assert any("collection_house" in s for s in statements)
    writes = ("INSERT", "UPDATE", "DELETE")
    assert not any(s.lstrip().upper().startswith(writes) for s in statements)
    assert AuditLog.objects.filter(action="house.export", actor=dispatcher).exists()


def test_statements_compiled_once_choose_their_database_on_every_call(replica, demo_areas):
    """A statement compiled once per process (governance/compiled.py) is read where the
    ORM would read it at that moment: the replica inside lag_tolerant() only, whichever
    came first; the session and the user, never from the replica."""
    from collection.selectors import _GRID_COUNTS

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    replica.wait_replayed()
    with lag_tolerant():
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            inside = _GRID_COUNTS.rows(path=grid.path, pk=grid.pk)
    assert len(on_replica.captured_queries) == 1
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            outside = _GRID_COUNTS.rows(path=grid.path, pk=grid.pk)
    assert on_replica.captured_queries == [] and len(on_primary.captured_queries) == 1
    assert inside == outside
