"""The evaluation: colours appear, rise (a new warning, the old one superseded), fall
(the open warning lowered), repeated runs change nothing; a rule version change; a
timeout is reported on the rule; re-evaluation of one subject through the outbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.figures import figures_differences
from governance.models import FigureCount, Notification
from risk.evaluation import rule_evaluate
from risk.models import Warning, WarningLog
from risk.services import rule_update
from risk.tests.factories import definition, person_make, rule_make, tag_make

pytestmark = pytest.mark.django_db

# tag weight 10 per tag: one tag 10 (green), two 20 (blue), three 30 (yellow) …
TAGS = [{"code": "tag", "weight": 10}]


def _cell_versions():
    """The warnings' rollup cells with their row versions (xmin changes on any update)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, n, xmin::text FROM governance_figurecount"
            " WHERE figure = 'warnings.open' ORDER BY id"
        )
        return cur.fetchall()


def _row_version(table, pk):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT xmin::text, xmax::text FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()


def open_warnings(rule):
    return Warning.objects.filter(rule=rule, status__in=Warning.OPEN)


def test_appear_rise_fall_and_idempotency(worker, grid, township_staff):
    p = person_make(actor=worker, grid=grid)
    quiet = person_make(actor=worker, grid=grid, name="无标签")
    rule = rule_make(factors=TAGS, unit_level=4)
    tag_make(p, "drug")
    rule.refresh_from_db()
    rule_evaluate(rule)
    (w,) = open_warnings(rule)
    assert (w.subject_id, w.colour, w.status) == (p.pk, 1, "issued")
    assert w.unit_level == 4 and w.unit_path == grid.path.split("220102001001/")[0]
    assert not Warning.objects.filter(subject_id=quiet.pk).exists()
    # The township staff (responsible unit) was notified.
    assert Notification.objects.filter(user=township_staff, kind="risk.warning").count() == 1

    for _ in range(2):  # unchanged data: nothing new, no log rows, no row written at all
        before = WarningLog.objects.count()
        cells = _cell_versions()
        warning_version = _row_version("risk_warning", w.pk)
        result = rule_evaluate(rule)
        assert result.issued == 0 and result.updated == 0
        assert WarningLog.objects.count() == before
        assert _cell_versions() == cells
        # not even locked: an ON CONFLICT that updates nothing still writes the row's xmax
        assert _row_version("risk_warning", w.pk) == warning_version

    tag_make(p, "mental")
    tag_make(p, "petition")  # 30: yellow — a rise is a new warning
    rule_evaluate(rule)
    w.refresh_from_db()
    assert w.status == "superseded"
    (risen,) = open_warnings(rule)
    assert risen.pk != w.pk and risen.colour == 3
    assert Warning.objects.filter(rule=rule, subject_id=p.pk).count() == 2

    p.tags.filter(tag="mental").update(end_date=timezone.localdate())  # 20: blue
    rule_evaluate(rule)
    risen.refresh_from_db()
    assert (risen.colour, risen.previous_colour, risen.status) == (2, 3, "issued")
    assert list(risen.log.values_list("kind", flat=True)) == ["issued", "lowered"]
    assert Warning.objects.filter(rule=rule).count() == 2
    assert [d for d in figures_differences() if d[2].startswith("warnings.")] == []
    assert FigureCount.objects.filter(figure="warnings.open", key="2").exists()


def test_version_change_is_recorded(worker, grid):
    p = person_make(actor=worker, grid=grid)
    tag_make(p, "drug")
    rule = rule_make(factors=TAGS)
    rule.refresh_from_db()
    rule_evaluate(rule)
    first = rule.version
    rule = rule_update(
        actor=None, rule=rule, definition=definition([{"code": "tag", "weight": 30}])
    )
    assert rule.version.number == 2 and rule.versions.count() == 2
    rule_evaluate(rule)
    (w,) = open_warnings(rule)
    assert w.colour == 3 and w.version == rule.version
    old = Warning.objects.get(rule=rule, status="superseded")
    assert old.version == first
    # The same definition again is no new version.
    same = rule_update(actor=None, rule=rule, definition=rule.version.definition)
    assert same.version.number == 2


def test_timeout_with_slow_statement(worker, grid, settings, monkeypatch):
    """A statement that surely outlasts the limit: the subjects' SQL wrapped in a sleep."""
    from risk import evaluation

    p = person_make(actor=worker, grid=grid)
    tag_make(p, "drug")
    rule = rule_make(factors=TAGS)
    slow = dict(evaluation.SUBJECTS)
    fast = slow["person"]
    slow["person"] = fast.replace(
        "FROM collection_person x",
        "FROM (SELECT p.* FROM collection_person p, pg_sleep(1)) x",
    )
    monkeypatch.setattr(evaluation, "SUBJECTS", slow)
    settings.RISK_STATEMENT_TIMEOUT_MS = 100
    rule.refresh_from_db()
    result = rule_evaluate(rule)
    rule.refresh_from_db()
    assert result.status == "timeout"
    assert rule.last_run_status == "timeout"
    assert not Warning.objects.filter(rule=rule).exists()
    # The connection is usable and its own timeout restored.
    settings.RISK_STATEMENT_TIMEOUT_MS = 60_000
    monkeypatch.setattr(evaluation, "SUBJECTS", dict(slow, person=fast))
    assert rule_evaluate(rule).status == "ok"
    assert open_warnings(rule).count() == 1


def test_new_tag_reevaluates_the_person_through_the_outbox(worker, grid):

    rule = rule_make(factors=[{"code": "missed_visits", "weight": 10}])
    p = person_make(actor=worker, grid=grid)
    tag_make(p, "key_youth", every=10, start=timezone.localdate() - timedelta(days=40))
    from collection.services import person_update

    person_update(actor=worker, person=p, residence_address="幸福小区")  # change.people
    (w,) = open_warnings(rule)  # 4 missed visits × 10 = 40: orange
    assert w.subject_id == p.pk and w.colour == 4


def test_visit_lowers_the_warning_through_the_outbox(worker, grid):
    from risk.tests.factories import visit_make

    rule = rule_make(factors=[{"code": "missed_visits", "weight": 10}])
    p = person_make(actor=worker, grid=grid)
    tag_make(p, "key_youth", every=10, start=timezone.localdate() - timedelta(days=40))
    rule_evaluate(rule)
    assert open_warnings(rule).get().colour == 4
    visit_make(actor=worker, grid=grid, people=[p], days_ago=25)  # change.visits
    w = open_warnings(rule).get()
    assert w.colour == 2  # 2 missed: 20, blue


def test_new_event_reevaluates_the_grid(worker, grid):
    from risk.tests.factories import event_make

    rule = rule_make(
        kind="area",
        factors=[{"code": "events_in_grid", "weight": 10, "params": {"days": 7}}],
    )
    event_make(actor=worker, grid=grid)
    assert open_warnings(rule).get().subject_id == grid.pk
    event_make(actor=worker, grid=grid)
    assert open_warnings(rule).get().colour == 2


@pytest.fixture
def cases_in_two_grids(worker, kc_worker, grid, first_grid, settings):
    """A grid rule, then cases in two grids (two in `grid`, one in the other) whose outbox
    messages wait for a drain: (rule, other grid)."""
    from risk.tests.factories import event_make

    rule = rule_make(
        kind="area",
        factors=[{"code": "events_in_grid", "weight": 10, "params": {"days": 7}}],
    )
    settings.OUTBOX_DRAIN_EAGER = False
    other = first_grid("220103000000")
    event_make(actor=worker, grid=grid)
    event_make(actor=worker, grid=grid)
    event_make(actor=kc_worker, grid=other)
    assert not open_warnings(rule).exists()  # nothing until the drain
    return rule, other


def test_a_drain_of_many_cases_reevaluates_their_grids_at_once(
    cases_in_two_grids, grid, monkeypatch
):
    """Under load a drain carries many case steps: the subscriber takes them together
    (governance/outbox.py, batch subscribers) — one evaluation per rule for all their
    grids, each grid's colour as if handled alone."""
    from governance import outbox
    from risk import evaluation

    rule, other = cases_in_two_grids
    runs = []
    real = evaluation.rule_evaluate
    monkeypatch.setattr(
        evaluation,
        "rule_evaluate",
        lambda r, only=None: runs.append((r.pk, only)) or real(r, only=only),
    )
    outbox.outbox_drain()
    colours = {w.subject_id: w.colour for w in open_warnings(rule)}
    assert colours == {grid.pk: 2, other.pk: 1}  # 20 (blue) and 10 (green)
    assert [only for pk, only in runs if pk == rule.pk] == [sorted({grid.pk, other.pk})]


def test_a_drain_reads_the_active_rules_once_and_skips_kinds_without_rules(
    cases_in_two_grids, grid
):
    """The event subscriber re-evaluates five kinds of subjects: the active rules are read
    once for all five, and the subjects of a kind no active rule scores (here: places,
    houses, people) are not looked up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance import outbox

    rule, other = cases_in_two_grids
    with CaptureQueriesContext(connection) as queries:
        outbox.outbox_drain()
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([q for q in sql if q.startswith('SELECT "risk_rule"."id"')]) == 1, sql
    for table in ("collection_place", "collection_house", "collection_persontag"):
        assert not [q for q in sql if f'FROM "{table}"' in q], table
    colours = {w.subject_id: w.colour for w in open_warnings(rule)}
    assert colours == {grid.pk: 2, other.pk: 1}


def test_a_batch_whose_run_times_out_is_evaluated_message_by_message(
    cases_in_two_grids, grid, monkeypatch
):
    """A rule's run over a whole drain's grids that times out must not pass for done: the
    messages go again one by one (smaller runs), each grid evaluated."""
    from governance import outbox
    from governance.models import OutboxMessage
    from risk import evaluation
    from risk.models import Rule

    rule, other = cases_in_two_grids
    real = evaluation.rule_evaluate

    def too_slow_for_two_grids(r, only=None):
        if r.pk == rule.pk and only and len(only) > 1:
            return evaluation.RunResult(r.pk, status=Rule.RunStatus.TIMEOUT, message="slow")
        return real(r, only=only)

    monkeypatch.setattr(evaluation, "rule_evaluate", too_slow_for_two_grids)
    outbox.outbox_drain()
    colours = {w.subject_id: w.colour for w in open_warnings(rule)}
    assert colours == {grid.pk: 2, other.pk: 1}
    assert not OutboxMessage.objects.filter(processed_at__isnull=True).exists()


def test_a_run_leaves_the_connections_prepared_statements(worker, grid):
    """Its scratch tables (risk_scored, the rollups' cells before) are emptied, not
    dropped: psycopg forgets every statement prepared on a connection when it sees a
    DROP, and a Celery worker evaluates the rules on every drain."""
    from django.db import connection

    from governance.models import Change

    p = person_make(actor=worker, grid=grid)
    tag_make(p, "drug")
    rules = [rule_make(factors=TAGS, unit_level=4, name=f"规则{i}") for i in range(2)]
    for dataset in ("a", "b", "c", "d", "e", "f"):  # prepared after its fifth use
        Change.objects.filter(dataset=f"prepared-probe-{dataset}").exists()

    def probe_prepared():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%FROM "governance_change" WHERE "governance_change"."dataset" = $%'],
            )
            return cur.fetchone()[0]

    assert probe_prepared() == 1
    for rule in rules * 2:  # two rules, twice, in one transaction (as a drain runs them)
        rule.refresh_from_db()
        assert rule_evaluate(rule).status == "ok"
    assert probe_prepared() == 1
    assert open_warnings(rules[0]).count() == open_warnings(rules[1]).count() == 1
