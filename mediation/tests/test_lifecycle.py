"""Intake, the code rules and their re-evaluation, every outcome, the agreement files,
follow-ups and bad input — through the services, on the real database."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from collection.tests.factories import numbered_id
from governance.errors import Conflict, Forbidden
from governance.models import AuditLog
from mediation import services
from mediation.models import Agreement, CodeChange, Dispute, FollowUp, Party, Status
from mediation.tests.factories import dispute_make, org_make, parties, pdf_text, rules_make

pytestmark = pytest.mark.django_db


def test_two_parties_get_yellow_and_rules_reevaluate_on_each_step(clerk, grid, township, mediator):
    rules_make()
    d = dispute_make(actor=clerk, grid=grid)
    assert d.code == 3  # 邻里 → blue, two parties → yellow: the highest wins
    assert d.number.startswith("MT") and d.status == Status.REGISTERED
    # An administrator adds a rule: the next step re-evaluates the code.
    from mediation.models import CodeRule

    CodeRule.objects.create(name="邻里升橙", code=4, types=["neighbour"])
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township), mediator=mediator)
    assert d.code == 4 and d.status == Status.ASSIGNED
    steps = list(CodeChange.objects.filter(dispute=d).values_list("step", "code_from", "code_to"))
    assert steps == [("register", None, 3), ("assign", 3, 4)]
    assert AuditLog.objects.filter(action="mediation.dispute_assign", object_id=str(d.pk)).exists()


def test_no_rules_is_green_and_flags_make_red(clerk, grid):
    assert dispute_make(actor=clerk, grid=grid, start=10).code == 1
    rules_make()
    red = dispute_make(actor=clerk, grid=grid, start=20, flags=["criminal"], n_parties=1)
    assert red.code == 5
    orange = dispute_make(actor=clerk, grid=grid, start=30, amount="200000", n_parties=1)
    assert orange.code == 4


def test_manual_code_change_needs_a_reason_and_wins_until_cleared(clerk, grid, township):
    rules_make()
    d = dispute_make(actor=clerk, grid=grid)
    with pytest.raises(ValidationError) as exc:
        services.dispute_code_change(actor=clerk, dispute=d, code=5, reason="  ")
    assert exc.value.code == "required"
    d = services.dispute_code_change(actor=clerk, dispute=d, code=5, reason="涉及越级上访苗头")
    assert d.code == 5
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township))
    assert d.code == 5  # the hand-set code survives the re-evaluation
    d = services.dispute_code_change(actor=clerk, dispute=d, code=None, reason="苗头已消除")
    assert d.code == 3
    manual = CodeChange.objects.filter(dispute=d, manual=True)
    assert [c.reason for c in manual] == ["涉及越级上访苗头", "苗头已消除"]
    assert AuditLog.objects.filter(action="mediation.dispute_code_change").count() == 2


def test_bad_input_is_refused(clerk, grid):
    with pytest.raises(ValidationError) as exc:
        dispute_make(actor=clerk, grid=grid, parties=[])
    assert exc.value.code == "no_parties"
    good = numbered_id(3)
    bad = good[:17] + ("0" if good[17] != "0" else "1")  # the GB 11643 check digit broken
    with pytest.raises(ValidationError) as exc:
        dispute_make(actor=clerk, grid=grid, parties=[{"name": "甲", "id_number": bad}])
    assert exc.value.code == "id_check_digit"
    with pytest.raises(ValidationError):
        dispute_make(actor=clerk, grid=grid, amount="-5")
    with pytest.raises(ValidationError):
        dispute_make(actor=clerk, grid=grid, type="nonsense")
    assert not Dispute.objects.exists()


def test_ids_and_phones_are_encrypted_at_rest(clerk, grid):
    d = dispute_make(actor=clerk, grid=grid)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM mediation_party WHERE dispute_id = %s", [d.pk])
        raw = cur.fetchall()
    numbers = {p.id_number for p in d.parties.all()}
    assert raw and all(r[0] not in numbers and r[1] and not r[1].startswith("139") for r in raw)


def test_duplicate_check_against_open_disputes_of_the_same_parties(clerk, grid, kc_clerk):
    first = dispute_make(actor=clerk, grid=grid)
    with pytest.raises(Conflict) as exc:
        dispute_make(actor=clerk, grid=grid)
    assert first.number in str(exc.value)
    again = dispute_make(actor=clerk, grid=grid, allow_duplicate=True)
    assert again.repeat
    # Closed: no longer a duplicate, but still a repeat.
    services.dispute_withdraw(actor=clerk, dispute=first, note="和解")
    services.dispute_withdraw(actor=clerk, dispute=again, note="和解")
    third = dispute_make(actor=clerk, grid=grid)
    assert third.repeat


def test_outsider_cannot_register_or_act(clerk, grid, kc_clerk):
    with pytest.raises(Forbidden):
        dispute_make(actor=kc_clerk, grid=grid)
    d = dispute_make(actor=clerk, grid=grid)
    with pytest.raises(Forbidden):
        services.dispute_withdraw(actor=kc_clerk, dispute=d, note="x")


def test_success_agreement_docx_pdf_and_follow_up_kept(clerk, grid, township, mediator):
    d = dispute_make(actor=clerk, grid=grid)
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township), mediator=mediator)
    services.session_record(actor=mediator, dispute=d, note="双方陈述", place="调解室")
    d.refresh_from_db()
    assert d.status == Status.MEDIATING
    with pytest.raises(ValidationError) as exc:
        services.dispute_succeed(actor=mediator, dispute=d, terms=" ")
    assert exc.value.code == "required"
    terms = "被申请人赔偿申请人修缮费 3000 元\n于 2026 年 12 月 31 日前付清"
    a = services.dispute_succeed(actor=mediator, dispute=d, terms=terms)
    d.refresh_from_db()
    assert d.status == Status.SUCCEEDED and d.closed_at

    from docx import Document

    with default_storage.open(a.docx, "rb") as fh:
        text = "\n".join(p.text for p in Document(io.BytesIO(fh.read())).paragraphs)
    with default_storage.open(a.pdf, "rb") as fh:
        pdf = pdf_text(fh.read())
    for got in (text, pdf):
        assert "人民调解协议书" in got
        assert "当事人0" in got and "当事人1" in got
        assert "修缮费 3000 元" in got and "2026 年 12 月 31 日前付清" in got

    # Not due yet; then, 30 days on, the beat task creates one follow-up (once).
    assert services.follow_ups_create_due() == 0
    later = timezone.localdate() + timedelta(days=30)
    assert services.follow_ups_create_due(today=later) == 1
    assert services.follow_ups_create_due(today=later) == 0
    f = FollowUp.objects.get(dispute=d)
    services.follow_up_record(actor=mediator, follow_up=f, result="kept", note="已付清")
    d.refresh_from_db()
    assert d.status == Status.SUCCEEDED


def test_broken_agreement_reopens(clerk, grid, township):
    d = dispute_make(actor=clerk, grid=grid)
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township))
    a = services.dispute_succeed(actor=clerk, dispute=d, terms="赔偿 500 元")
    services.follow_ups_create_due(today=timezone.localdate() + timedelta(days=31))
    f = FollowUp.objects.get(dispute=d)
    with pytest.raises(ValidationError):
        services.follow_up_record(actor=clerk, follow_up=f, result="maybe", note="x")
    services.follow_up_record(actor=clerk, follow_up=f, result="broken", note="拒不履行")
    d.refresh_from_db()
    a.refresh_from_db()
    assert d.status == Status.MEDIATING and d.reopened == 1 and d.closed_at is None
    assert a.broken


def test_failure_refers_and_withdrawal(clerk, grid):
    d = dispute_make(actor=clerk, grid=grid)
    with pytest.raises(ValidationError) as exc:
        services.dispute_fail(actor=clerk, dispute=d, referral="moon", note="x")
    assert exc.value.code == "invalid_referral"
    d = services.dispute_fail(actor=clerk, dispute=d, referral="litigation", note="分歧过大")
    assert d.status == Status.FAILED and d.referral == "litigation"
    with pytest.raises(Conflict):
        services.dispute_withdraw(actor=clerk, dispute=d, note="x")
    d2 = dispute_make(actor=clerk, grid=grid, start=40)
    d2 = services.dispute_withdraw(actor=clerk, dispute=d2, note="已私下和解")
    assert d2.status == Status.WITHDRAWN


def test_agreement_needs_parties(clerk, grid, township):
    d = dispute_make(actor=clerk, grid=grid)
    d = services.dispute_assign(actor=clerk, dispute=d, org=org_make(township))
    Party.objects.filter(dispute=d).delete()
    with pytest.raises(ValidationError) as exc:
        services.dispute_succeed(actor=clerk, dispute=d, terms="赔偿")
    assert exc.value.code == "no_parties"
    assert not Agreement.objects.exists()


def test_from_event_and_from_visit_without_retyping(clerk, grid, make_user):
    from collection.services import person_create, visit_create
    from collection.tests.factories import numbered_id
    from events.models import EventCategory
    from events.services import event_report
    from governance.roles import Role

    worker = make_user(Role.GRID_WORKER, grid.code, "m_worker")
    event = event_report(
        actor=worker,
        title="楼上漏水引发纠纷",
        description="两户争执",
        category=EventCategory.objects.get(code="0101"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
    )
    d = services.dispute_from_event(
        actor=clerk, event=event, type="neighbour", parties=parties(1, 60)
    )
    assert (d.title, d.grid_id, d.event_id, d.source) == (
        event.title,
        event.grid_id,
        event.pk,
        "event",
    )
    with pytest.raises(Conflict):
        services.dispute_from_event(
            actor=clerk, event=event, type="neighbour", parties=parties(1, 61)
        )
    person = person_create(
        actor=worker, grid=grid, name="李四", id_number=numbered_id(777), kind="registered"
    )
    visit = visit_create(
        actor=worker,
        grid=grid,
        visited_at=timezone.now(),
        place="李四家",
        findings="与邻居因宅基地界址争执",
        people=[person],
    )
    d2 = services.dispute_from_visit(actor=clerk, visit=visit, type="land")
    assert d2.source == "visit" and d2.description == visit.findings
    assert [p.person_id for p in d2.parties.all()] == [person.pk]
