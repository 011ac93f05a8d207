"""Issue 11: every step after which a case waits on a person or a unit puts it in their
待办 (`selectors.inbox`, box "todo") and notifies them, with a body that does not repeat
the title."""

import pytest

from events import selectors
from events.models import Source, Status
from events.services import event_report, event_supervise, event_transition, supervision_answer
from grids.models import Area

from .conftest import TOWNSHIP

pytestmark = pytest.mark.django_db


def act(actor, event, action, **kw):
    return event_transition(actor=actor, event=event, action=action, **kw)


def in_todo(user, event) -> bool:
    return selectors.inbox(user=user, box="todo").filter(pk=event.pk).exists()


def notified(user, event, kind):
    n = user.notifications.filter(kind=kind, url=event.get_absolute_url()).last()
    assert n is not None, f"{user} not notified ({kind})"
    assert event.title not in n.body and n.body.startswith(event.number), n.body
    return n


def test_after_close_the_verifiers_have_it_in_their_todo_and_are_told(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    assert not in_todo(cast.worker, e)
    e = act(cast.village, e, "close", note="已协调物业维修")
    n = notified(cast.worker, e, "event.close")  # the reporter, grid worker of the grid
    assert "待核查" in n.title and "已协调物业维修" in n.body
    assert in_todo(cast.worker, e) and not in_todo(cast.village, e)
    assert selectors.inbox_counts(user=cast.worker)["todo"] == 1
    act(cast.worker, e, "verify")
    assert not in_todo(cast.worker, e)
    assert selectors.inbox(user=cast.worker, box="done").filter(pk=e.pk).exists()


def test_a_reporter_who_is_not_the_grids_worker_verifies_too(cast, category, reported):
    e = event_report(
        actor=cast.dispatcher, title="路灯不亮", category=category("0101"), grid=cast.grid
    )
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    e = act(cast.village, e, "close", note="已更换灯泡")
    for user in (cast.dispatcher, cast.worker):
        notified(user, e, "event.close")
        assert in_todo(user, e)
    assert not in_todo(cast.outsider, e)


def test_failed_verification_goes_back_to_the_handler(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    act(cast.village, e, "close", note="已处理")
    e = act(cast.worker, e, "reopen", note="仍在漏水")
    n = notified(cast.village, e, "event.reopen")
    assert "仍在漏水" in n.body
    assert in_todo(cast.village, e) and not in_todo(cast.worker, e)


def test_dispatch_transfer_and_return_reach_the_new_holder(cast, reported):
    e = reported("0601")  # county accepts
    act(cast.dispatcher, e, "accept")
    e = act(cast.dispatcher, e, "dispatch", department=cast.dept_cgj, note="请城管处理")
    notified(cast.chengguan, e, "event.dispatch")
    assert in_todo(cast.chengguan, e) and not in_todo(cast.dispatcher, e)
    e = act(cast.dispatcher, e, "transfer", department=cast.dept_scj, note="属市场监管")
    notified(cast.market, e, "event.transfer")
    assert in_todo(cast.market, e) and not in_todo(cast.chengguan, e)
    e = act(cast.market, e, "send_back", note="不属本部门职责")
    n = notified(cast.dispatcher, e, "event.send_back")
    assert "不属本部门职责" in n.body
    assert in_todo(cast.dispatcher, e) and not in_todo(cast.market, e)


def test_escalation_and_return_down(cast, reported):
    e = reported()
    e = act(cast.village, e, "escalate", note="超出社区能力")
    notified(cast.township, e, "event.escalate")
    assert in_todo(cast.township, e) and not in_todo(cast.village, e)
    e = act(cast.township, e, "send_down", note="请社区先行调解")
    notified(cast.village, e, "event.send_down")
    assert in_todo(cast.village, e)


def test_dispatch_down_to_a_unit(cast, reported):
    e = reported("0601")
    act(cast.dispatcher, e, "accept")
    e = act(cast.dispatcher, e, "dispatch", unit=Area.objects.get(code=TOWNSHIP))
    notified(cast.township, e, "event.dispatch")
    assert in_todo(cast.township, e)


def test_citizen_reports_wait_for_moderation(cast, category):
    e = event_report(
        actor=None,
        source=Source.CITIZEN,
        title="噪音扰民",
        category=category("0101"),
        grid=cast.grid,
        reporter_name="张小明",
    )
    assert e.status == Status.PENDING_REVIEW
    n = notified(cast.village, e, "event.new")
    assert "审核" in n.title
    assert in_todo(cast.village, e)


def test_supervision_waits_on_the_holder_and_its_answer_reaches_the_issuer(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    card = event_supervise(
        actor=cast.dispatcher, event=e, colour="red", message="请今日回复", days=1
    )
    n = notified(cast.village, e, "event.supervise")
    assert "请今日回复" in n.body
    assert in_todo(cast.village, e)
    assert selectors.inbox(user=cast.dispatcher, box="supervised").filter(pk=e.pk).exists()
    supervision_answer(actor=cast.village, card=card, answer="已上门协调")
    n = notified(cast.dispatcher, e, "event.supervision_answer")
    assert "已上门协调" in n.body
    assert not selectors.inbox(user=cast.dispatcher, box="supervised").filter(pk=e.pk).exists()


def test_overdue_verification_is_in_the_verifiers_overdue_box(cast, reported):
    from events.models import DueState, Event

    e = reported()
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    act(cast.village, e, "close", note="已处理")
    Event.objects.filter(pk=e.pk).update(due_state=DueState.OVERDUE)
    assert selectors.inbox(user=cast.worker, box="overdue").filter(pk=e.pk).exists()


def test_box_counts_in_one_statement_equal_each_box_counted_alone(cast, reported):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import DueState, Event

    first, second, third = reported(), reported(), reported()
    act(cast.village, first, "accept")  # the village acted: in its 已办 once escalated
    event_supervise(actor=cast.dispatcher, event=second, colour="yellow", message="请尽快处理")
    Event.objects.filter(pk=third.pk).update(due_state=DueState.OVERDUE)
    for user in (cast.village, cast.worker, cast.dispatcher, cast.outsider):
        selectors.inbox_counts(user=user)  # the user's roles, read once per request
        with CaptureQueriesContext(connection) as queries:
            counts = selectors.inbox_counts(user=user)
        assert len(queries) == 1
        assert counts == {
            box: selectors.inbox(user=user, box=box).count()
            for box in ("todo", "done", "supervised", "overdue")
        }, user
    assert selectors.inbox_counts(user=cast.village)["overdue"] == 1
    assert selectors.inbox_counts(user=cast.village)["supervised"] == 1
    assert set(selectors.inbox_counts(user=cast.outsider).values()) == {0}
