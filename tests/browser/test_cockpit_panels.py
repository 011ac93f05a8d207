"""Issue 10, the cockpit's panels: a county dispatcher opens the cockpit; trend, breakdown,
timeliness, satisfaction, the most overdue units and the htmx rankings render with data at
1440×900, follow a drill-down, and render on the 1920×1080 wall screen; no console error.
Screenshots into test-artifacts/."""

import re

import pytest

from governance.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NANGUAN = "220102000000"
PANELS = ("trend", "breakdown", "timeliness", "satisfaction", "overdue")


def _cases():
    """Two cases in 南关区's first grid, one handled, closed, verified and rated 4."""
    from events.models import EventCategory
    from events.services import event_report, event_transition
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = _user(Role.GRID_WORKER, grid.code, "pn_worker")
    village = _user(Role.VILLAGE_STAFF, grid.parent.code, "pn_village")
    cases = [
        event_report(
            actor=worker,
            title=title,
            category=EventCategory.objects.get(code="0101"),
            lng=grid.centroid.x,
            lat=grid.centroid.y,
            description="测试",
        )
        for title in ("楼道堆物", "邻里纠纷")
    ]
    e = cases[0]
    for who, action, kw in (
        (village, "accept", {}),
        (village, "handle", {}),
        (village, "close", {}),
        (worker, "verify", {}),
        (worker, "rate", {"rating": 4}),
    ):
        e = event_transition(actor=who, event=e, action=action, note="处理完毕", **kw)
    return grid


_make = {}


def _user(role, code, name):
    return _make["fn"](role, code, name)


def _wait_panels(page, code):
    page.wait_for_selector(f"#cockpit[data-loaded='{code}']")
    for panel in PANELS:
        page.wait_for_selector(f"#panel-{panel}[data-loaded='{code}']")
    for of in ("children", "departments"):
        page.wait_for_selector(f"#ranking-{of} table.ranking[data-area='{code}']")
    page.wait_for_timeout(1200)  # ECharts animates (1 s): screenshots show the end


def test_panels_render_with_data_and_follow_the_drill_down(
    demo_areas, live_server, browser, make_user, artifact
):
    _make["fn"] = make_user
    grid = _cases()
    make_user(Role.COUNTY_DISPATCHER, NANGUAN, "pn_dispatcher")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "favicon" not in m.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "pn_dispatcher")
    page.fill("input[name=password]", "Test@2026pass")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{base}/cockpit/")
    _wait_panels(page, NANGUAN)

    # the figures by hand: 2 reported today, 1 closed, rated 4 (satisfied)
    assert page.inner_text(".cockpit-totals dd[data-window='7']") == "2"
    assert page.get_attribute("#chart-trend", "data-points") == "7"
    assert page.locator("#chart-trend canvas").count() >= 1
    page.click("#panel-trend button[data-days='30']")
    page.wait_for_selector("#chart-trend[data-points='30']")
    assert page.inner_text("#panel-satisfaction dd[data-s='satisfaction']") == "100%"
    assert page.inner_text("#panel-timeliness dd[data-t='on_time_rate']") == "100%"
    page.click("#panel-breakdown summary")
    rows = page.locator("#table-breakdown tbody tr")
    assert rows.count() == 2  # 已归档 1, 待受理 1
    page.select_option("#breakdown-by", "source")
    page.wait_for_selector("#table-breakdown tbody tr:has-text('网格员上报')")
    township = grid.path.split("/")[3]
    ranked = page.locator(f"#ranking-children tr[data-code='{township}'] td").first
    assert ranked.inner_text() == "1"
    page.screenshot(path=artifact("cockpit-panels-1440x900.png"), full_page=True)

    # drill down from the table: every panel and the rankings follow
    page.click(f"#cockpit-children tr[data-code='{township}'] a")
    _wait_panels(page, township)
    assert page.inner_text(".cockpit-totals dd[data-window='30']") == "2"

    # the wall screen: the main panels above the fold
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}/cockpit/?screen=1")
    _wait_panels(page, NANGUAN)
    for panel in ("trend", "breakdown", "timeliness", "satisfaction", "ranking"):
        box = page.locator(f"#panel-{panel}").bounding_box()
        assert box["y"] + box["height"] <= 1080 + 1, (panel, box)
    page.screenshot(path=artifact("cockpit-panels-1920x1080-screen.png"))
    assert errors == []
    context.close()
