"""A command's life: issued to a grid worker and a township, signed, progress with a
photo, feedback; the issuer sees each recipient's state; reminders and escalation are
idempotent; refusals leave nothing behind; outsiders see nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from command.models import Command, CommandRecipient, CommandReport, ReportEvidence
from command.services import (
    RecipientSpec,
    command_feedback,
    command_issue,
    command_progress,
    command_sign,
    commands_remind_and_escalate,
)
from command.tests.factories import NANGUAN, photo
from governance.models import AuditLog, Notification
from grids.models import Area

pytestmark = pytest.mark.django_db


def _issue(dispatcher, *, users=(), units=(), hours=4, **kw):
    return command_issue(
        actor=dispatcher,
        area=Area.objects.get(code=NANGUAN),
        title=kw.pop("title", "排查燃气隐患"),
        body="逐户排查",
        priority="urgent",
        deadline=timezone.now() + timedelta(hours=hours),
        recipients=RecipientSpec(users=list(users), units=list(units)),
        **kw,
    )


def test_issue_sign_progress_feedback(dispatcher, worker, township_staff, grid):
    township = grid.parent.parent
    command = _issue(dispatcher, users=[worker.pk], units=[township.code])
    rows = {r.label: r for r in command.recipients.all()}
    assert set(rows) == {worker.full_name, township.name}
    assert all(r.state == "delivered" for r in rows.values())
    assert rows[worker.full_name].area_path == grid.path
    # Both the worker and the township's staff were told.
    assert Notification.objects.filter(kind="command.issued", user=worker).exists()
    assert Notification.objects.filter(kind="command.issued", user=township_staff).exists()

    command_sign(actor=worker, command=command)
    command_progress(actor=worker, command=command, note="已到现场", files=[photo()])
    row = CommandRecipient.objects.get(command=command, user=worker)
    assert row.state == "in_progress" and row.signed_by == worker
    assert ReportEvidence.objects.filter(report__recipient=row).count() == 1
    command_feedback(actor=worker, command=command, note="已排除隐患", files=[photo()])
    row.refresh_from_db()
    assert row.state == "done" and row.done_at and row.feedback == "已排除隐患"
    command.refresh_from_db()
    assert command.status == "open"  # the township has not answered yet

    # The township's staff answer for their unit (signing implicitly).
    command_feedback(actor=township_staff, command=command, note="已组织处置")
    command.refresh_from_db()
    assert command.status == "done" and command.closed_at
    kinds = list(
        AuditLog.objects.filter(object_id=str(command.pk), action__startswith="command.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert kinds == [
        "command.issue",
        "command.sign",
        "command.progress",
        "command.feedback",
        "command.feedback",
        "command.complete",
    ]
    assert Notification.objects.filter(user=dispatcher, kind="command.progress").count() == 3


def test_a_second_sign_and_an_outsider_are_refused(dispatcher, worker, worker2):
    from governance.errors import Conflict, NotFound

    command = _issue(dispatcher, users=[worker.pk])
    command_sign(actor=worker, command=command)
    with pytest.raises(Conflict):
        command_sign(actor=worker, command=command)
    with pytest.raises(NotFound):
        command_progress(actor=worker2, command=command, note="冒名")
    assert CommandReport.objects.filter(recipient__command=command).count() == 1


def test_bad_input_saves_nothing(dispatcher, kc_worker, worker, api_client):
    before = (Command.objects.count(), AuditLog.objects.count())
    client = api_client(dispatcher)
    base = {"title": "越界指令", "area": NANGUAN}
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    r = client.post(
        "/api/v1/commands/", {**base, "deadline": future, "users": [kc_worker.pk]}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "recipient_outside_jurisdiction"
    assert "管辖范围" in r.json()["detail"] or "范围" in r.json()["detail"]
    r = client.post(
        "/api/v1/commands/", {**base, "deadline": past, "users": [worker.pk]}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "deadline_past"
    r = client.post(
        "/api/v1/commands/",
        {**base, "deadline": past, "users": [worker.pk]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and "deadline" in r.json()["detail"].lower()
    r = client.post("/api/v1/commands/", {**base, "deadline": future}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "no_recipients"
    assert (Command.objects.count(), AuditLog.objects.count()) == before


def test_scoping_of_commands(dispatcher, worker, worker2, kc_dispatcher, api_client):
    command = _issue(dispatcher, users=[worker.pk], title="仅限南关区")
    # The recipient sees it (though the command's area lies above their grid).
    mine = api_client(worker).get("/api/v1/commands/?box=mine").json()
    assert [c["id"] for c in mine["results"]] == [command.pk]
    assert api_client(worker).get(f"/api/v1/commands/{command.pk}/").status_code == 200
    # Another county's dispatcher and a grid worker not addressed see nothing.
    for outsider in (kc_dispatcher, worker2):
        client = api_client(outsider)
        assert client.get(f"/api/v1/commands/{command.pk}/").status_code == 404
        assert "仅限南关区" not in client.get("/api/v1/commands/").content.decode()
        r = client.post(f"/api/v1/commands/{command.pk}/sign/", {}, format="json")
        assert r.status_code == 404
    # Nor may they issue in 南关区.
    r = api_client(kc_dispatcher).post(
        "/api/v1/commands/",
        {
            "title": "越权",
            "area": NANGUAN,
            "deadline": (timezone.now() + timedelta(hours=2)).isoformat(),
            "users": [worker.pk],
        },
        format="json",
    )
    assert r.status_code == 404


def test_api_lifecycle_with_photos(dispatcher, worker, api_client):
    future = (timezone.now() + timedelta(hours=3)).isoformat()
    r = api_client(dispatcher).post(
        "/api/v1/commands/",
        {"title": "巡查河道", "area": NANGUAN, "deadline": future, "users": [worker.pk]},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    client = api_client(worker)
    assert client.post(f"/api/v1/commands/{pk}/sign/", {}, format="json").status_code == 200
    r = client.post(
        f"/api/v1/commands/{pk}/progress/",
        {"note": "巡查中", "files": [photo()]},
        format="multipart",
    )
    assert r.status_code == 200
    r = client.post(f"/api/v1/commands/{pk}/feedback/", {"note": "未发现问题"}, format="multipart")
    body = r.json()
    assert body["status"] == "done" and body["recipients"][0]["state"] == "done"
    files = body["recipients"][0]["reports"][1]["files"]
    assert len(files) == 1
    # The photo is served to the issuer, not to another county.
    from django.test import Client

    c = Client()
    c.force_login(dispatcher)
    assert c.get(files[0]).status_code == 200
    detail = api_client(dispatcher).get(f"/api/v1/commands/{pk}/").json()
    assert [x["kind"] for x in detail["recipients"][0]["reports"]] == [
        "sign",
        "progress",
        "feedback",
    ]


def test_reminders_and_escalation_are_idempotent(dispatcher, worker, township_staff):
    soon = _issue(dispatcher, users=[worker.pk], hours=1, title="即将到期")
    late = _issue(dispatcher, users=[worker.pk], hours=5, title="已超期")
    Command.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    first = commands_remind_and_escalate()
    again = commands_remind_and_escalate()
    assert first == {"reminded": 1, "escalated": 1} and again == {"reminded": 0, "escalated": 0}
    assert CommandRecipient.objects.get(command=soon).reminded_at is not None
    row = CommandRecipient.objects.get(command=late)
    assert row.overdue and row.escalated_at
    assert Notification.objects.filter(user=dispatcher, kind="command.overdue").count() == 1
    assert AuditLog.objects.filter(action="command.escalate", object_id=str(late.pk)).count() == 1


def test_list_and_detail_queries_do_not_grow_with_rows(dispatcher, worker, township_staff, grid):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(dispatcher)

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    first = _issue(dispatcher, users=[worker.pk], units=[grid.parent.parent.code])
    command_progress(actor=worker, command=first, note="一", files=[photo()])
    one_list, one_detail = count("/api/v1/commands/"), count(f"/api/v1/commands/{first.pk}/")
    for _ in range(3):
        _issue(dispatcher, users=[worker.pk])
    command_progress(actor=worker, command=first, note="二", files=[photo()])
    command_progress(actor=township_staff, command=first, note="三", files=[photo()])
    assert count("/api/v1/commands/") == one_list
    assert count(f"/api/v1/commands/{first.pk}/") == one_detail
