"""The inbox's lists without a text search come from statements kept per jurisdiction
(events/selectors.py kept_inbox, governance/compiled.py KeptPages), the user's id a
parameter: two users of the same scope share the statements and still see their own
boxes, every box, order, status and page gives what the ORM's queryset gives, a text
search goes through the ORM, and another county's dispatcher sees none of it."""

import re

import pytest
from django.test import Client

from events import selectors
from events.models import Status
from events.services import event_transition
from events.views import INBOX_SORTS, _inbox_page_columns
from governance.roles import Role

from .conftest import GRID

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r'href="/events/([0-9A-Z-]+)/"')


def _numbers(user, **params) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get("/events/", params)
    assert response.status_code == 200
    return list(dict.fromkeys(NUMBER.findall(response.content.decode())))  # two links a row


def _orm(user, box, sort="", status="", start=0):
    qs = _inbox_page_columns(selectors.inbox(user=user, box=box, status=status), sort)
    return [e.number for e in qs[start : start + 20]]


def _kept(user, box, sort="", status="", start=0):
    pages = selectors.kept_inbox(
        user=user,
        box=box,
        status=status,
        shape=lambda qs: _inbox_page_columns(qs, sort),
        shape_key=f"page {sort}",
        per_page=20,
    )
    return [e.number for e in pages[start : start + 20]], pages.count()


def test_same_scope_shares_the_statement_and_keeps_its_own_boxes(cast, reported, make_user):
    mine = [reported(title=f"井盖缺失{i}") for i in range(3)]  # reported by cast.worker
    colleague = make_user(Role.GRID_WORKER, GRID, "ik_colleague")  # same grid, same scope

    kept = len(selectors._INBOX._kept)
    assert _kept(cast.worker, "done")[0] == _orm(cast.worker, "done")
    assert {e.number for e in mine} <= set(_kept(cast.worker, "done")[0])
    grew = len(selectors._INBOX._kept)
    assert grew > kept

    # The colleague's 已办 holds nothing of the worker's reports: same statement, own id.
    assert _kept(colleague, "done") == ([], 0)
    assert len(selectors._INBOX._kept) == grew

    # A case closed for verification is in the reporter's 待办 and, as the grid's worker,
    # the colleague's: the counts say so for both, each from the shared statement.
    e = mine[0]
    for action in ("accept", "handle"):
        e = event_transition(actor=cast.village, event=e, action=action)
    e = event_transition(actor=cast.village, event=e, action="close", note="已修复")
    for user in (cast.worker, colleague):
        numbers, count = _kept(user, "todo")
        assert e.number in numbers and count == selectors.inbox_counts(user=user)["todo"]
    assert e.number in _numbers(colleague, box="todo")


@pytest.mark.parametrize("box", selectors.INBOX_BOXES)
def test_every_box_order_status_and_page_is_the_orms(cast, reported, box):
    cases = [reported(title=f"占道经营{i:02d}") for i in range(25)]
    for e in cases[:5]:
        event_transition(actor=cast.village, event=e, action="accept")
    user = cast.village
    for sort in ("", *INBOX_SORTS, *(f"-{k}" for k in INBOX_SORTS)):
        for start in (0, 20):
            assert _kept(user, box, sort, start=start)[0] == _orm(user, box, sort, start=start)
    for status in (Status.REPORTED, Status.ACCEPTED, Status.CLOSED):
        assert _kept(user, box, status=status)[0] == _orm(user, box, status=status)
        assert (
            _kept(user, box, status=status)[1]
            == selectors.inbox(user=user, box=box, status=status).count()
        )


def test_the_page_pages_sorts_filters_and_searches(cast, reported):
    cases = [reported(title=f"占道经营{i:02d}") for i in range(23)]
    user = cast.village
    first, second = _numbers(user), _numbers(user, page=2)
    assert len(first) == 20 and len(second) == 3
    assert set(first) | set(second) == {e.number for e in cases}
    assert _numbers(user, sort="-number")[:3] == sorted((e.number for e in cases), reverse=True)[:3]
    assert _numbers(user, page=2, sort="number") == sorted(e.number for e in cases)[20:]

    event_transition(actor=cast.village, event=cases[4], action="accept")
    assert _numbers(user, status=Status.ACCEPTED) == [cases[4].number]
    assert _numbers(user, status="no-such-status") == []
    # A text search: through the ORM, in the jurisdiction as ever.
    assert _numbers(user, q="占道经营07") == [cases[7].number]


def test_another_countys_dispatcher_sees_none_of_it(cast, reported):
    cases = {reported(title=f"乱堆乱放{i}").number for i in range(3)}
    assert cases <= set(_numbers(cast.dispatcher, box="all"))
    for box in selectors.INBOX_BOXES:
        assert not cases & set(_numbers(cast.outsider, box=box))
        assert not cases & set(_kept(cast.outsider, box)[0])
    assert selectors.inbox_counts(user=cast.outsider) == dict.fromkeys(
        ("todo", "done", "supervised", "overdue"), 0
    )


def _api(user, **params) -> dict:
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/events/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_list_pages_from_the_kept_statements(cast, reported):
    cases = [reported(title=f"违章搭建{i:02d}") for i in range(7)]
    user = cast.village
    for box in selectors.INBOX_BOXES:
        expected = [e.number for e in selectors.inbox(user=user, box=box)]
        for limit, offset in ((10, 0), (10, 10), (3, 2)):  # two kept pages, one not
            answer = _api(user, box=box, limit=limit, offset=offset)
            assert answer["count"] == len(expected)
            assert [r["number"] for r in answer["results"]] == expected[offset : offset + limit]
    # Only the usual limits, page by page, are kept: odd offsets add no statement.
    kept = len(selectors._INBOX._kept)
    for offset in (1, 7, 13, 10_000):
        _api(user, box="todo", limit=10, offset=offset)
        _api(user, box="todo", limit=7)
    assert len(selectors._INBOX._kept) == kept
    whole = _api(user, box="todo")["results"]
    assert {r["number"] for r in whole} == {e.number for e in cases}
    assert whole[0]["category"] and whole[0]["current_unit"] and whole[0]["status_name"]
    # Filters the kept statements do not take still go through the ORM.
    assert [r["number"] for r in _api(user, q="违章搭建03")["results"]] == [cases[3].number]
    assert _api(user, status="no-such-status")["count"] == 0
    # Another county's dispatcher: nothing, in every box.
    for box in selectors.INBOX_BOXES:
        assert _api(cast.outsider, box=box) == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }


def test_a_page_of_a_box_joins_only_its_own_rows(cast, reported):
    """The page's cases are picked by their ids first (governance.compiled.page_then_join):
    a statement planned once for every dispatcher of a county and every grid worker
    (a generic plan) must not join a county's whole box before it keeps twenty."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in (cast.dispatcher, cast.worker):
        with CaptureQueriesContext(connection) as ctx:
            numbers, _count = _kept(user, "todo", sort="urgency")
        assert numbers == _orm(user, "todo", sort="urgency")
        (sql,) = [q["sql"] for q in ctx.captured_queries if " LIMIT " in q["sql"]]
        outer, inner = sql.split(" IN (SELECT ", 1)
        assert " JOIN " in outer and " LIMIT " in inner and " LIMIT " not in outer
