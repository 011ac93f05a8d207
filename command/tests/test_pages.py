"""The pages: a command from the form (and refused with the reason, nothing saved), the
worker's 我的指令 with 签收 and 反馈, the plan form, activation from an event and the board
closed with a summary; English pages read English."""

from datetime import timedelta

import pytest
from django.utils import timezone

from command.models import Command, CommandRecipient, Plan, PlanActivation
from command.tests.factories import NANGUAN, event_make, photo, plan_make

pytestmark = pytest.mark.django_db


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_command_from_the_form_and_the_workers_page(client, dispatcher, worker, grid):
    event = event_make(actor=worker, grid=grid)
    client.force_login(dispatcher)
    form = client.get(f"/command/new/?event={event.number}")
    assert form.status_code == 200 and event.number in form.content.decode()
    past = client.post(
        "/command/new/",
        {
            "area": NANGUAN,
            "event": event.number,
            "title": "到场处置",
            "deadline": _local(timezone.now() - timedelta(hours=1)),
            "users": [worker.pk],
        },
    )
    assert past.status_code == 400 and "完成时限不能早于当前时间" in past.content.decode()
    assert not Command.objects.exists()
    r = client.post(
        "/command/new/",
        {
            "area": NANGUAN,
            "event": event.number,
            "title": "到场处置",
            "deadline": _local(timezone.now() + timedelta(hours=3)),
            "users": [worker.pk],
        },
    )
    command = Command.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/command/{command.pk}/"
    assert command.event == event

    client.force_login(worker)
    mine = client.get("/command/mine/").content.decode()
    assert "到场处置" in mine and 'id="position-share"' in mine
    row = CommandRecipient.objects.get(command=command)
    r = client.post(
        f"/command/{command.pk}/", {"action": "sign", "recipient": row.pk, "next": "mine"}
    )
    assert r.status_code == 302 and r["Location"] == "/command/mine/"
    r = client.post(
        f"/command/{command.pk}/",
        {"action": "feedback", "recipient": row.pk, "note": "已处置", "files": [photo()]},
    )
    row.refresh_from_db()
    assert row.state == "done"
    client.force_login(dispatcher)
    detail = client.get(f"/command/{command.pk}/").content.decode()
    assert "已完成" in detail and "已处置" in detail


def test_plan_form_activation_and_board(client, plan_admin, dispatcher, worker, grid):
    client.force_login(plan_admin)
    r = client.post(
        "/command/plans/new/",
        {
            "area": NANGUAN,
            "name": "内涝处置预案",
            "category": "",
            "min_urgency": "critical",
            "contacts": "防汛办,0431-88886666",
            "active": "on",
            "step-0-title": "网格员巡查积水点",
            "step-0-who": "role:grid_worker",
            "step-0-offset": "1",
            "step-0-offset_unit": "hours",
            "step-0-checklist": "设置警示标志\n疏导行人",
            "step-1-title": "街道组织排水",
            "step-1-who": "level:4",
            "step-1-offset": "1",
            "step-1-offset_unit": "workdays",
        },
    )
    plan = Plan.objects.get(name="内涝处置预案")
    assert r.status_code == 302 and plan.steps.count() == 2
    assert plan.steps.get(order=1).checklist == ["设置警示标志", "疏导行人"]
    assert plan.contacts == [{"name": "防汛办", "phone": "0431-88886666", "role": ""}]

    event = event_make(actor=worker, grid=grid, code="0501")
    client.force_login(dispatcher)
    page = client.get(f"/command/activate/?event={event.number}").content.decode()
    assert "内涝处置预案" in page
    r = client.post("/command/activate/", {"event": event.number, "plan": plan.pk})
    act = PlanActivation.objects.get(plan=plan, event=event, status="active")
    assert r.status_code == 302 and r["Location"] == f"/command/activations/{act.pk}/"
    board = client.get(r["Location"]).content.decode()
    assert "网格员巡查积水点" in board and "街道组织排水" in board
    r = client.post(r["Location"], {"action": "close", "summary": ""})
    assert r.status_code == 400  # a summary is required
    r = client.post(f"/command/activations/{act.pk}/", {"action": "close", "summary": "已排水"})
    act.refresh_from_db()
    assert act.status == "closed" and act.summary == "已排水"


def test_an_inactive_plan_is_refused_on_the_page(client, plan_admin, dispatcher, worker, grid):
    plan = plan_make(actor=plan_admin, active=False)
    event = event_make(actor=worker, grid=grid)
    client.force_login(dispatcher)
    r = client.post("/command/activate/", {"event": event.number, "plan": plan.pk})
    assert r.status_code == 400 and "该预案已停用" in r.content.decode()
    assert not PlanActivation.objects.filter(status="active").exists()


def test_english_page(client, dispatcher):
    client.force_login(dispatcher)
    r = client.get("/command/", HTTP_ACCEPT_LANGUAGE="en")
    text = r.content.decode()
    assert "Issued by me" in text and "Issue a command" in text
