"""Contingency plans: activation from an event issues one command per step with the
right recipients and deadlines (clock hours, and working days across the National Day
holidays); a matching new event gets a proposal the dispatcher accepts; an inactive plan
is refused; closing records a summary; every change of a plan is a new, audited version."""

import datetime

import pytest
from django.utils import timezone

from command.models import Command, PlanActivation
from command.plans import activation_close, plan_activate, plan_update
from command.selectors import activation_board
from command.tests.factories import NANGUAN, event_make, plan_make
from governance.models import AuditLog, Notification
from workcalendar.workdays import CHINA

pytestmark = pytest.mark.django_db


def test_activation_issues_a_command_per_step_with_deadlines(
    plan_admin, dispatcher, worker, township_staff, grid
):
    plan = plan_make(actor=plan_admin)
    event = event_make(actor=worker, grid=grid)
    # The day before the National Day holidays (1–7 October 2026).
    at = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)
    act = plan_activate(actor=dispatcher, plan=plan, event=event, now=at)
    assert act.status == "active" and act.plan_version == 1
    commands = list(Command.objects.filter(activation=act).order_by("step__order"))
    assert len(commands) == 2
    first, second = commands
    assert first.deadline == at + datetime.timedelta(hours=2)
    # 2 working days after 30 September: 8 and 9 October (1–7 are holidays).
    assert second.deadline == datetime.datetime(2026, 10, 9, 23, 59, 59, 999999, tzinfo=CHINA)
    assert first.area.code == NANGUAN and first.event == event and first.priority == "critical"
    assert [r.user for r in first.recipients.all()] == [worker]  # the grid's worker
    assert [r.unit for r in second.recipients.all()] == [grid.parent.parent]  # the township
    assert AuditLog.objects.filter(action="command.plan_activate", object_id=str(act.pk)).exists()
    board = activation_board(activation=act, now=at + datetime.timedelta(hours=3))
    assert [row["step"].order for row in board] == [1, 2]
    assert [x["late"] for x in board[0]["recipients"]] == [True]
    assert [x["late"] for x in board[1]["recipients"]] == [False]

    act = activation_close(actor=dispatcher, activation=act, summary="险情已排除")
    assert act.status == "closed" and act.summary == "险情已排除"
    assert not Command.objects.filter(activation=act, status="open").exists()


def test_a_matching_event_gets_a_proposal_the_dispatcher_accepts(
    plan_admin, dispatcher, worker, grid, api_client
):
    plan = plan_make(actor=plan_admin)
    ordinary = event_make(actor=worker, grid=grid, urgency="normal")  # below the plan
    assert not PlanActivation.objects.filter(event=ordinary).exists()
    event = event_make(actor=worker, grid=grid, code="0303", urgency="critical")
    proposal = PlanActivation.objects.get(event=event, plan=plan)
    assert proposal.status == "proposed"
    assert Notification.objects.filter(user=dispatcher, kind="command.plan_proposed").exists()
    r = api_client(dispatcher).post(f"/api/v1/plan-activations/{proposal.pk}/accept/")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active" and len(r.json()["board"]) == 2
    # Activating it again is a conflict.
    r = api_client(dispatcher).post(
        "/api/v1/plan-activations/", {"plan": plan.pk, "event": event.number}, format="json"
    )
    assert r.status_code == 409


def test_an_inactive_plan_is_refused(plan_admin, dispatcher, worker, grid, api_client):
    plan = plan_make(actor=plan_admin)
    plan_update(actor=plan_admin, plan=plan, active=False)
    event = event_make(actor=worker, grid=grid, urgency="normal")
    before = (Command.objects.count(), PlanActivation.objects.count())
    r = api_client(dispatcher).post(
        "/api/v1/plan-activations/", {"plan": plan.pk, "event": event.number}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "plan_inactive"
    assert (Command.objects.count(), PlanActivation.objects.count()) == before


def test_plan_versions_are_audited(plan_admin, api_client):
    plan = plan_make(actor=plan_admin)
    r = api_client(plan_admin).patch(
        f"/api/v1/plans/{plan.pk}/",
        {"steps": [{"title": "只剩一步", "unit_level": 5, "offset": 4}]},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["version"] == 2 and [s["title"] for s in r.json()["steps"]] == ["只剩一步"]
    entry = AuditLog.objects.get(action="command.plan_update", object_id=str(plan.pk))
    before, after = entry.changes["steps"]
    assert len(before) == 2 and len(after) == 1 and entry.changes["version"] == [1, 2]


def test_plans_scoped_and_configured_by_administrators(
    plan_admin, dispatcher, kc_dispatcher, api_client
):
    plan = plan_make(actor=plan_admin)
    assert api_client(dispatcher).get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    assert api_client(kc_dispatcher).get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    r = api_client(dispatcher).post(
        "/api/v1/plans/",
        {"name": "调度员不能建", "area": NANGUAN, "steps": [{"title": "x", "unit_level": 4}]},
        format="json",
    )
    assert r.status_code == 403


def test_bad_plan_steps(plan_admin, api_client):
    r = api_client(plan_admin).post(
        "/api/v1/plans/",
        {
            "name": "坏预案",
            "area": NANGUAN,
            "steps": [{"title": "两个责任人", "unit_level": 4, "role": "grid_worker"}],
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_responsible"
    r = api_client(plan_admin).post(
        "/api/v1/plans/", {"name": "没有步骤", "area": NANGUAN, "steps": []}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "no_steps"


def test_activation_outside_jurisdiction(plan_admin, kc_dispatcher, worker, grid, api_client):
    plan = plan_make(actor=plan_admin)
    event = event_make(actor=worker, grid=grid, urgency="normal")
    r = api_client(kc_dispatcher).post(
        "/api/v1/plan-activations/", {"plan": plan.pk, "event": event.number}, format="json"
    )
    assert r.status_code == 404
    assert timezone.now()  # nothing else to check: nothing was written
    assert not PlanActivation.objects.filter(event=event).exists()


def test_a_drain_of_reported_cases_proposes_what_plans_matching_gives(
    plan_admin, worker, grid, settings
):
    """The subscriber matches a whole drain's reported cases against the active plans in
    memory (command/plans.py, activations_propose_all): the same proposals as
    plans_matching gives each case, with the plans and the category tree read once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from command.plans import plans_matching
    from governance import outbox

    by_parent = plan_make(actor=plan_admin, name="A 燃气类", code="03", min_urgency="urgent")
    any_category = plan_make(actor=plan_admin, name="B 全部", code=None, min_urgency="critical")
    plan_make(actor=plan_admin, name="D 其他类", code="06", min_urgency="normal")
    settings.OUTBOX_DRAIN_EAGER = False
    cases = [
        event_make(actor=worker, grid=grid, code="0303", urgency="critical"),  # A, B
        event_make(actor=worker, grid=grid, code="0303", urgency="urgent"),  # A
        event_make(actor=worker, grid=grid, code="0303", urgency="normal"),  # none
        event_make(actor=worker, grid=grid, code="0101", urgency="critical"),  # B
    ]
    with CaptureQueriesContext(connection) as queries:
        outbox.outbox_drain()
    proposed = {
        e.number: sorted(
            PlanActivation.objects.filter(event=e).values_list("plan__name", flat=True)
        )
        for e in cases
    }
    assert proposed == {e.number: sorted(p.name for p in plans_matching(e)) for e in cases}
    assert list(proposed.values()) == [["A 燃气类", "B 全部"], ["A 燃气类"], [], ["B 全部"]]
    assert by_parent.pk and any_category.pk
    plan_reads = [q for q in queries.captured_queries if 'FROM "command_plan"' in q["sql"]]
    assert len(plan_reads) == 1, [q["sql"][:120] for q in plan_reads]
