"""Issue 10: a province leader opens the cockpit, sees the totals and the chart, drills
down on the map and in the table and the figures follow; the breadcrumb goes back up.
Screenshots at 1920×1080 (wall screen) and 1440×900 (laptop) into test-artifacts/.

The page reads everything from the summary API (`GET /api/v1/cockpit/summary/`), which is
built on another branch (i10-figures): until both are merged this test is skipped."""

import re

import pytest
from django.urls import Resolver404, resolve

from governance.roles import Role

from .twofactor import enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "/api/v1/cockpit/summary/"
PROVINCE, CITY, NANGUAN, KUANCHENG = (
    "220000000000",
    "220100000000",
    "220102000000",
    "220103000000",
)
FIGURES = ("people", "houses", "organisations", "places", "events_total", "events_today")


@pytest.fixture(autouse=True)
def summary_api():
    try:
        resolve(SUMMARY)
    except Resolver404:
        pytest.skip(
            f"{SUMMARY} does not resolve on this branch: the cockpit page shows only what "
            "the summary API answers (branch i10-figures); runs once both are merged"
        )


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@2026pass")
    page.click("button[type=submit]")
    enrol(page)  # a province leader sets up two-factor login at the first login
    page.wait_for_url(re.compile(r".*/$"))


def _report(worker, county: str, title: str):
    from events.models import EventCategory
    from events.services import event_report
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith=county[:6]).order_by("code").first()
    return event_report(
        actor=worker,
        title=title,
        category=EventCategory.objects.get(code="0601"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
    ), grid


def _shown(page) -> dict:
    """The totals as the page shows them (digits only: the page groups thousands)."""
    out = {}
    for f in FIGURES:
        text = page.inner_text(f".cockpit-totals dd[data-figure={f}]")
        out[f] = int(re.sub(r"\D", "", text))
    return out


def _api(page, code: str) -> dict:
    return page.evaluate(
        "code => fetch('/api/v1/cockpit/summary/?area=' + code, {credentials: 'same-origin'})"
        ".then(r => r.json())",
        code,
    )


def _wait_loaded(page, code: str):
    page.wait_for_selector(f"#cockpit[data-loaded='{code}']")
    page.wait_for_selector("#cockpit-map[data-loaded]")
    assert page.get_attribute("#cockpit-map", "data-loaded") != "error"
    page.wait_for_timeout(1200)  # ECharts animates its bars (1 s): screenshots show the end


def _assert_follows(page, code: str):
    """Totals, table and chart show exactly what the API answers for `code`."""
    api = _api(page, code)
    assert api["area"]["code"] == code
    assert _shown(page) == {f: api[f] for f in FIGURES}
    rows = page.locator("#cockpit-children tbody tr[data-code]")
    assert rows.count() == len(api["children"])
    for i, child in enumerate(api["children"]):
        row = rows.nth(i)
        assert row.get_attribute("data-code") == child["code"]
        cell = row.locator("td[data-figure=events_total]").inner_text()
        assert int(re.sub(r"\D", "", cell)) == child["events_total"]
    assert page.get_attribute("#cockpit-chart", "data-bars") == str(len(api["children"]))
    assert page.locator("#cockpit-chart canvas").count() >= 1
    return api


def test_province_leader_drills_down_in_the_cockpit(
    demo_areas, live_server, browser, make_user, artifact
):
    ng_worker = make_user(Role.GRID_WORKER, _first_grid(NANGUAN), "ng_worker")
    kc_worker = make_user(Role.GRID_WORKER, _first_grid(KUANCHENG), "kc_worker")
    _report(ng_worker, NANGUAN, "早市占道经营")
    _report(ng_worker, NANGUAN, "人行道占道堆物")
    _report(kc_worker, KUANCHENG, "店外占道经营")
    make_user(Role.PROVINCE_LEADER, PROVINCE, "sheng_lingdao")

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: violations.append(f"page error: {e}"))
    base = live_server.url
    _login(page, base, "sheng_lingdao")
    page.click(".menu >> text=驾驶舱")
    page.wait_for_url(re.compile(r".*/cockpit/$"))
    _wait_loaded(page, PROVINCE)
    assert "吉林省" in page.inner_text("#cockpit-title")
    province = _assert_follows(page, PROVINCE)
    assert province["events_total"] == 3 and province["events_today"] == 3  # by hand
    # htmx is loaded from our origin and configured for the CSP.
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [
        False,
        False,
    ]
    page.screenshot(path=artifact("cockpit-1440x900-province.png"), full_page=True)

    # Click the city on the map: the figures follow.
    page.locator("#cockpit-map path.leaflet-interactive").first.dispatch_event("click")
    _wait_loaded(page, CITY)
    assert "长春市" in page.inner_text("#cockpit-title")
    assert page.url.endswith(f"?area={CITY}")
    city = _assert_follows(page, CITY)
    counts = {c["code"]: c["events_total"] for c in city["children"]}
    assert counts[NANGUAN] == 2 and counts[KUANCHENG] == 1 and city["events_total"] == 3

    # Another figure colours map and chart; then a county from the table.
    page.select_option("#cockpit-figure", "events_total")
    assert page.get_attribute("#cockpit-chart", "data-figure") == "events_total"
    page.click("#cockpit-children a:text-is('南关区')")
    _wait_loaded(page, NANGUAN)
    nanguan = _assert_follows(page, NANGUAN)
    assert nanguan["events_total"] == 2
    assert [a.get_attribute("data-code") for a in page.locator("#cockpit-trail > *").all()] == [
        PROVINCE,
        CITY,
        NANGUAN,
    ]
    page.screenshot(path=artifact("cockpit-1440x900-county.png"), full_page=True)

    # The breadcrumb goes back up to the province.
    page.click("#cockpit-trail a:text-is('吉林省')")
    _wait_loaded(page, PROVINCE)
    assert _shown(page)["events_total"] == 3

    # The wall screen: 1920×1080, dark, same figures.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}/cockpit/?screen=1&figure=events_total")
    _wait_loaded(page, PROVINCE)
    assert "big-screen" in page.get_attribute("body", "class")
    assert page.get_attribute("#cockpit-chart", "data-figure") == "events_total"
    _assert_follows(page, PROVINCE)
    page.screenshot(path=artifact("cockpit-1920x1080-screen.png"))
    page.locator("#cockpit-map path.leaflet-interactive").first.dispatch_event("click")
    _wait_loaded(page, CITY)
    page.screenshot(path=artifact("cockpit-1920x1080-city.png"))
    assert violations == []
    context.close()


def _first_grid(county: str) -> str:
    from grids.models import Area

    return Area.objects.filter(level=6, code__startswith=county[:6]).order_by("code").first().code
