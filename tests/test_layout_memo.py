"""The `{% memo %}` fragments of the layout and the busiest pages: a page drawn for one user
after others have filled the memo is the page drawn from an empty memo — for each role, an
unread count, a visitor and English."""

import re

import pytest
from django.template import engines

from governance.models import Notification
from governance.roles import Role
from governance.templatetags.gridgov import MemoNode
from tests.fixtures import NANGUAN

pytestmark = pytest.mark.django_db

GRID = "220102001001001"


MEMO_TEMPLATES = (
    "base.html",
    "events/inbox.html",
    "collection/my_grid.html",
    "cockpit/cockpit.html",
    "cockpit/analysis.html",
    "events/report.html",
    "_pick_map.html",
)


def _memo_nodes():
    engine = engines["django"].engine
    return [
        node
        for name in MEMO_TEMPLATES
        for node in engine.get_template(name).nodelist.get_nodes_by_type(MemoNode)
    ]


def _page(client, url):
    html = client.get(url).content.decode()
    # The CSRF token is masked anew on every response.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _from_an_empty_memo(client, url):
    for node in _memo_nodes():
        node.kept.clear()
    return _page(client, url)


def test_each_user_gets_the_layout_of_an_empty_memo(client, make_user):
    assert len(_memo_nodes()) >= 15
    worker = make_user(Role.GRID_WORKER, GRID)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    leader = make_user(Role.PROVINCE_LEADER, "220000000000")
    Notification.objects.create(user=dispatcher, kind="test", title="通知")
    seen = {}
    for user, url in (
        (worker, "/collection/"),
        (dispatcher, "/events/"),
        (leader, "/"),
        (leader, "/cockpit/"),
        (leader, "/analysis/"),
        (worker, "/events/report/"),
        (worker, "/events/"),  # the inbox's tabs: this user's counts, not the dispatcher's
        (dispatcher, "/events/?box=done"),
        (None, "/accounts/login/"),
    ):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        warm = _page(client, url)
        assert warm == _from_an_empty_memo(client, url)
        seen.setdefault(url, warm)
    assert '<b class="count">1</b>' in seen["/events/"]
    assert 'class="count"' not in seen["/collection/"]
    assert 'aria-current="page"' in seen["/collection/"]
    assert "main-menu" not in seen["/accounts/login/"]
    assert 'id="analysis-compare-by"' in seen["/analysis/"]
    assert 'id="cockpit-figure"' in seen["/cockpit/"] and 'id="ranking-by"' in seen["/cockpit/"]
    client.force_login(worker)
    client.cookies["django_language"] = "en"
    english = _page(client, "/collection/")
    assert english == _from_an_empty_memo(client, "/collection/")
    assert "我的网格</a>" not in english


def test_the_menu_is_kept_once_per_entry_not_once_per_page(client, make_user):
    from django.urls import resolve

    from governance.navigation import menu_for

    worker = make_user(Role.GRID_WORKER, GRID)
    client.force_login(worker)
    (menu,) = [n for n in _memo_nodes() if "nav_items" in n.values]
    menu.kept.clear()
    urls = ["/collection/", "/collection/sync/", "/collection/people/new/", "/notifications/"]
    for url in urls:
        assert client.get(url).status_code == 200
    entries = {item["name"] for item in menu_for(worker)}
    names = {resolve(url).view_name for url in urls}
    assert len(menu.kept) == len({n if n in entries else "" for n in names}) < len(urls)


def test_inbox_rows_from_a_memo_filled_by_others(client, make_user):
    """The inbox's rows are drawn once per process for the same values: a dispatcher's page
    after another county's dispatcher and a worker filled the memo is the page from an
    empty memo, in both languages; it shows their own county's cases only, and a case's
    row follows its state (accepted: another row)."""
    from events.models import Event, EventCategory
    from events.services import event_report
    from grids.models import Area
    from tests.fixtures import KUANCHENG

    category = EventCategory.objects.get(code="0601")
    here = make_user(Role.GRID_WORKER, GRID)
    there_grid = Area.objects.filter(level=6, code__startswith=KUANCHENG[:6]).first()
    there = make_user(Role.GRID_WORKER, there_grid.code)
    mine = event_report(
        actor=here, title="占道<经营>", category=category, grid=Area.objects.get(code=GRID)
    )
    theirs = event_report(actor=there, title="宽城的案件", category=category, grid=there_grid)
    nanguan = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    kuancheng = make_user(Role.COUNTY_DISPATCHER, KUANCHENG)
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        client.force_login(kuancheng)
        other = _page(client, "/events/?box=all")
        assert theirs.number in other and mine.number not in other
        client.force_login(here)
        _page(client, "/events/?box=all")
        client.force_login(nanguan)
        page = _page(client, "/events/?box=all")
        assert page == _from_an_empty_memo(client, "/events/?box=all")
        assert mine.number in page and theirs.number not in page
        assert "占道&lt;经营&gt;" in page  # escaped as the page's own text
    client.cookies["django_language"] = "zh-hans"
    Event.objects.filter(pk=mine.pk).update(status="accepted")
    page = _page(client, "/events/?box=all")
    assert page == _from_an_empty_memo(client, "/events/?box=all")
    assert '<span class="status">已受理</span>' in page
