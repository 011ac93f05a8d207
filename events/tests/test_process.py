"""Every path of the process, and every illegal step refused with nothing changed."""

import pytest

from events.models import Status, Trace
from events.services import EventActionError, event_transition
from governance.models import AuditLog
from grids.models import Area

from .conftest import COUNTY, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.django_db


def act(actor, event, action, **kw):
    return event_transition(actor=actor, event=event, action=action, **kw)


def actions(event):
    return list(event.traces.values_list("action", flat=True))


def test_report_goes_to_the_accepting_unit(cast, reported):
    e = reported()
    assert e.status == Status.REPORTED and e.number.startswith("SJ")
    assert e.grid == cast.grid and e.current_area.code == VILLAGE  # 邻里纠纷: village accepts
    assert e.step_deadline is not None and e.location is not None
    assert actions(e) == ["report"]
    assert AuditLog.objects.filter(action="event.report", object_id=str(e.pk)).exists()
    assert cast.village.notifications.filter(kind="event.new").exists()


def test_handled_at_grid_level_unit(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    e = act(cast.village, e, "close", note="已协调物业维修,双方和解")
    assert e.status == Status.CLOSED and e.result.startswith("已协调")
    act(cast.worker, e, "verify")
    e = act(cast.worker, e, "rate", rating=5)
    assert e.status == Status.ARCHIVED and e.rating == 5
    assert actions(e) == ["report", "accept", "handle", "close", "verify", "rate"]


def test_dispatched_to_a_department_and_closed(cast, reported):
    e = reported("0601")  # 占道经营: county accepts, evidence required
    assert e.current_area.code == COUNTY
    act(cast.dispatcher, e, "accept")
    e = act(cast.dispatcher, e, "dispatch", department=cast.dept_cgj, note="请城管处理")
    assert e.status == Status.DISPATCHED and e.current_department == cast.dept_cgj
    assert cast.chengguan.notifications.filter(kind="event.dispatch").exists()
    act(cast.chengguan, e, "sign")
    with pytest.raises(EventActionError) as err:  # evidence required to close
        act(cast.chengguan, e, "close", note="已清理")
    assert err.value.code == "condition"
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.tests.factories import jpeg_bytes

    photo = SimpleUploadedFile("after.jpg", jpeg_bytes(), content_type="image/jpeg")
    e = act(cast.chengguan, e, "close", note="已清理占道摊位", files=[photo])
    assert e.status == Status.CLOSED
    assert e.traces.get(action="close").attachments.count() == 1


def test_escalated_twice(cast, reported):
    e = reported()
    act(cast.village, e, "escalate", note="超出社区能力")
    e = act(cast.township, e, "escalate", note="需县级协调")
    assert e.status == Status.REPORTED and e.current_area.code == COUNTY
    e = act(cast.dispatcher, e, "accept")
    assert e.status == Status.ACCEPTED
    assert actions(e) == ["report", "escalate", "escalate", "accept"]


def test_escalation_reaches_the_city(cast, reported):
    e = reported("0601")
    e = act(cast.dispatcher, e, "escalate", note="跨区协调")
    assert e.current_area.code == "220100000000"
    act(cast.city, e, "accept")


def test_returned_by_the_department(cast, reported):
    e = reported("0601")
    act(cast.dispatcher, e, "accept")
    act(cast.dispatcher, e, "dispatch", department=cast.dept_scj)
    with pytest.raises(EventActionError):
        act(cast.market, e, "send_back")  # a reason is required
    e = act(cast.market, e, "send_back", note="不属于本部门职责")
    assert e.status == Status.ACCEPTED and e.current_department is None
    assert e.current_area.code == COUNTY


def test_returned_down_to_the_unit_that_escalated(cast, reported):
    e = reported()
    act(cast.village, e, "escalate", note="请街道协调")
    e = act(cast.township, e, "send_down", note="社区可自行调解")
    assert e.current_area.code == VILLAGE and e.status == Status.ACCEPTED


def test_transferred_between_departments(cast, reported):
    e = reported("0601")
    act(cast.dispatcher, e, "accept")
    act(cast.dispatcher, e, "dispatch", department=cast.dept_scj)
    with pytest.raises(EventActionError) as err:
        act(cast.market, e, "transfer", department=cast.dept_cgj)
    assert err.value.code == "forbidden"  # only the dispatcher transfers
    e = act(cast.dispatcher, e, "transfer", department=cast.dept_cgj, note="改派城管")
    assert e.current_department == cast.dept_cgj and e.status == Status.DISPATCHED
    act(cast.chengguan, e, "sign")


def test_dispatched_to_a_lower_unit(cast, reported):
    e = reported("0601")
    act(cast.dispatcher, e, "accept")
    e = act(cast.dispatcher, e, "dispatch", unit=Area.objects.get(code=TOWNSHIP))
    assert e.current_area.code == TOWNSHIP and e.status == Status.DISPATCHED
    act(cast.township, e, "sign")
    with pytest.raises(EventActionError):  # not a direct child on the case's path
        e2 = reported("0601", title="另一起")
        act(cast.dispatcher, e2, "accept")
        act(cast.dispatcher, e2, "dispatch", unit=Area.objects.get(code="220102002000"))


def test_reopened_after_failed_verification(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    e = act(cast.village, e, "handle")
    deadline = e.deadline
    assert deadline is not None
    act(cast.village, e, "close", note="已处理")
    e = act(cast.worker, e, "reopen", note="现场仍在漏水")
    assert e.status == Status.HANDLING and e.deadline == deadline  # the clock kept running
    e = act(cast.village, e, "close", note="已更换管道")
    act(cast.worker, e, "verify")
    assert actions(e).count("close") == 2 and "reopen" in actions(e)


def test_merged_duplicate_keeps_both_traces(cast, reported):
    first = reported()
    dup = reported(title="二楼被漏水")
    e = act(cast.village, dup, "merge", into=first, note="同一事件")
    assert e.status == Status.MERGED and e.merged_into == first
    assert actions(e)[-1] == "merge" and actions(first) == ["report"]


@pytest.mark.parametrize(
    "actor_name, action, code",
    [
        ("worker", "accept", "forbidden"),  # grid worker is not the village unit
        ("outsider", "accept", "forbidden"),  # another county
        ("village", "sign", "invalid_state"),  # nothing was dispatched
        ("village", "close", "invalid_state"),  # not handling yet
        ("village", "verify", "invalid_state"),
        ("leader", "accept", "forbidden"),  # leaders watch, they do not handle
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(
    cast, reported, actor_name, action, code
):
    e = reported()
    traces = Trace.objects.count()
    with pytest.raises(EventActionError) as err:
        act(getattr(cast, actor_name), e, action, note="x")
    assert err.value.code == code
    e.refresh_from_db()
    assert e.status == Status.REPORTED and Trace.objects.count() == traces


def test_rating_must_be_1_to_5(cast, reported):
    e = reported()
    act(cast.village, e, "accept")
    act(cast.village, e, "handle")
    act(cast.village, e, "close", note="ok")
    act(cast.worker, e, "verify")
    with pytest.raises(EventActionError):
        act(cast.worker, e, "rate", rating=9)


def test_available_actions(cast, reported):
    from events.flows import available_actions

    e = reported()
    assert set(available_actions(e, cast.village)) >= {"accept", "escalate", "merge", "reject"}
    assert available_actions(e, cast.worker) == []
    assert available_actions(e, cast.outsider) == []
