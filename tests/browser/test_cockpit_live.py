"""Issue 10, the live feed: a province leader opens the cockpit, drills down on the MAP
from the province to one grid (the breadcrumb and the figures follow at every level), and
a case a grid worker reports in that grid meanwhile appears in the feed without a reload
within 5 s of its commit. Screenshots at 1440×900 and 1920×1080 (?screen=1)."""

import re
import time

import pytest
from playwright.sync_api import expect

from governance.roles import Role

from .twofactor import enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVINCE = "220000000000"
NANGUAN = "220102000000"
FIGURES = ("people", "houses", "organisations", "places", "events_total", "events_today")


@pytest.fixture(autouse=True)
def empty_stream():
    from cockpit import live

    r = live.live_redis()
    r.delete(live.STREAM, *r.scan_iter(f"{live.SEEN_PREFIX}*"))
    yield
    r.delete(live.STREAM, *r.scan_iter(f"{live.SEEN_PREFIX}*"))


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@2026pass")
    page.click("button[type=submit]")
    enrol(page)  # a province leader sets up two-factor login at the first login
    page.wait_for_url(re.compile(r".*/$"))


def _report(worker, grid, title):
    from events.models import EventCategory
    from events.services import event_report

    return event_report(
        actor=worker,
        title=title,
        category=EventCategory.objects.get(code="0601"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
        urgency="urgent",
    )


def _wait_loaded(page, code):
    page.wait_for_selector(f"#cockpit[data-loaded='{code}']")
    page.wait_for_selector("#cockpit-map[data-loaded]")
    assert page.get_attribute("#cockpit-map", "data-loaded") != "error"
    page.wait_for_selector(f"#cockpit-live[data-loaded='{code}'][data-live='open']")


def _assert_follows(page, code):
    """The breadcrumb ends at `code` and the totals are the summary API's for it."""
    api = page.evaluate(
        "code => fetch('/api/v1/cockpit/summary/?area=' + code).then(r => r.json())", code
    )
    assert api["area"]["code"] == code
    shown = {
        f: int(re.sub(r"\D", "", page.inner_text(f".cockpit-totals dd[data-figure={f}]")))
        for f in FIGURES
    }
    assert shown == {f: api[f] for f in FIGURES}, code
    assert page.locator("#cockpit-trail > *").last.get_attribute("data-code") == code
    assert page.get_attribute("#cockpit-trail [aria-current=page]", "data-code") == code
    return api


def _click_child_on_map(page, parent, child):
    """Click the child's polygon: Leaflet draws one path per feature, in the order of the
    children's GeoJSON (features without a boundary are not drawn)."""
    index = page.evaluate(
        """([parent, child]) => fetch('/api/v1/areas/' + parent + '/children/')
             .then(r => r.json())
             .then(fc => fc.features.filter(f => f.geometry)
                                    .map(f => f.properties.code).indexOf(child))""",
        [parent, child],
    )
    assert index >= 0, (parent, child)
    paths = page.locator("#cockpit-map path.leaflet-interactive")
    paths.nth(index).dispatch_event("click")


def test_leader_drills_down_on_the_map_and_sees_a_new_case_live(
    demo_areas, live_server, browser, make_user, artifact
):
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith=NANGUAN[:6]).order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "live_worker")
    earlier = _report(worker, grid, "早市占道经营")
    make_user(Role.PROVINCE_LEADER, PROVINCE, "sheng_lingdao")
    trail = [PROVINCE, *[grid.ancestor_codes[i] for i in range(1, 5)], grid.code]

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    base = live_server.url
    _login(page, base, "sheng_lingdao")
    page.goto(f"{base}/cockpit/")
    _wait_loaded(page, PROVINCE)
    assert page.inner_text("#cockpit-live-state") == "已连接"
    # the latest items on load, from the recent-items API
    first = page.locator("#cockpit-live-items li").first
    assert first.get_attribute("data-number") == earlier.number
    assert _assert_follows(page, PROVINCE)["events_total"] == 1
    page.evaluate("window.__noReload = 'same page'")

    # Down on the map: city, county, township, village, grid.
    for parent, child in zip(trail, trail[1:], strict=False):
        _click_child_on_map(page, parent, child)
        _wait_loaded(page, child)
        assert [a.get_attribute("data-code") for a in page.locator("#cockpit-trail > *").all()] == (
            trail[: trail.index(child) + 1]
        )
        api = _assert_follows(page, child)
        assert api["events_total"] == 1, child  # the earlier case lies in this grid
        assert page.get_attribute("#cockpit-live", "data-area") == child
    assert page.url.endswith(f"?area={grid.code}")
    assert page.inner_text("#cockpit-area-name") == grid.name

    # A grid worker reports meanwhile: the feed shows it without a reload within 5 s.
    new = _report(worker, grid, "人行道堆放建筑垃圾")
    committed = time.monotonic()
    item = page.locator(f"#cockpit-live-items li[data-number='{new.number}']")
    item.wait_for(timeout=5000)
    assert time.monotonic() - committed < 5
    assert page.evaluate("window.__noReload") == "same page"
    top = page.locator("#cockpit-live-items li").first
    assert top.get_attribute("data-number") == new.number
    assert "fresh" in top.get_attribute("class") and "kind-new" in top.get_attribute("class")
    assert "人行道堆放建筑垃圾" in top.inner_text() and grid.name in top.inner_text()
    assert top.locator("a").get_attribute("href") == f"/events/{new.number}/"
    # ... and the figures follow it, also without a reload (the rollups commit with the
    # report; the page reads the summary again when the feed brings a case).
    expect(page.locator(".cockpit-totals dd[data-figure=events_total]")).to_have_text(
        "2", timeout=max(100, int((5 - (time.monotonic() - committed)) * 1000))
    )
    assert _assert_follows(page, grid.code)["events_total"] == 2
    page.wait_for_timeout(700)  # the slide-in animation
    page.screenshot(path=artifact("cockpit-live-1440x900-grid.png"), full_page=True)

    # The wall screen at the province: the new case at the top of the feed, escalations
    # highlighted.
    from events.services import event_supervise

    event_supervise(
        actor=make_user(Role.COUNTY_DISPATCHER, "220100000000", "shi_dispatcher"),
        event=new,
        colour="red",
        message="请今日处置",
    )
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}/cockpit/?screen=1")
    _wait_loaded(page, PROVINCE)
    numbers = page.locator("#cockpit-live-items li").evaluate_all(
        "els => els.map(e => [e.dataset.number, e.dataset.kind])"
    )
    assert numbers[:3] == [[new.number, "escalated"], [new.number, "new"], [earlier.number, "new"]]
    page.wait_for_timeout(1200)  # ECharts animates its bars
    page.screenshot(path=artifact("cockpit-live-1920x1080-screen.png"))
    assert problems == []
    context.close()
