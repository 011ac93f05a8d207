"""A case's whole journey in a real browser: a grid worker reports it from a phone
with a photo, the county dispatcher dispatches it to a department, the department
closes it with evidence, the grid worker verifies it, and the timeline shows it all."""

import re

import pytest

from events.tests.factories import jpeg_bytes
from governance.roles import Role
from tests.browser.helpers import login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(jpeg_bytes((640, 480), (30, 120, 200)))
    return str(path)


def logout(page):
    page.click("text=退出")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def act(page, action, note=""):
    if note:
        page.fill("#action-form textarea[name=note]", note)
    page.click(f"#action-form button[data-action={action}]")
    page.wait_for_selector(".messages .success")


def test_report_dispatch_close_verify(
    demo_areas, live_server, browser, make_user, artifact, tmp_path, settings
):
    from django.contrib.auth import get_user_model

    from governance.services import department_create
    from grids.models import Area

    settings.MEDIA_ROOT = str(tmp_path / "media")
    User = get_user_model()
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    county = Area.objects.get(code="220102000000")
    dept = department_create(actor=None, code="220102-CGJ-B", name="南关区城市管理局", area=county)
    make_user(Role.GRID_WORKER, grid.code, "b_worker")
    make_user(Role.COUNTY_DISPATCHER, county.code, "b_dispatcher")
    make_user(Role.DEPARTMENT_HANDLER, county.code, "b_cgj", department=dept)
    base = live_server.url
    from events.models import EventCategory
    from events.services import event_report

    event_report(
        actor=User.objects.get(username="b_worker"),
        title="早市占道(昨日)",
        category=EventCategory.objects.get(code="0601"),
        lng=grid.centroid.x,
        lat=grid.centroid.y,
    )

    # 1. The grid worker reports from a 360-px phone.
    phone = phone_context(browser)
    page = phone.new_page()
    login(page, base, "b_worker")
    page.goto(f"{base}/events/report/")
    page.fill("#category-search", "占道")
    page.fill("input[name=title]", "人民大街早市占道经营")
    page.fill("textarea[name=description]", "早市摊位占用人行道约 50 米")
    page.wait_for_selector("#pick-map.leaflet-container")
    box = page.locator("#pick-map").bounding_box()
    page.click("#pick-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert page.input_value("#id_lng")
    # Another case of the same category at the same place is offered as a duplicate.
    page.wait_for_selector("#duplicates:not([hidden])")
    assert "早市占道" in page.inner_text("#duplicates")
    page.set_input_files("input[name=photos]", photo(tmp_path, "before.jpg"))
    page.screenshot(path=artifact("event-1-report-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    page.click("button[type=submit].primary")
    page.wait_for_selector("#event-title")
    number = re.search(r"/events/([A-Z0-9]+)/", page.url).group(1)
    assert "占道经营" in page.inner_text("body")
    phone.close()

    # 2. The county dispatcher accepts and dispatches to the department.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    login(page, base, "b_dispatcher")
    page.goto(f"{base}/events/?box=todo")
    page.click(f"text={number}")
    act(page, "accept", "已受理,转城管")
    page.select_option("#action-form select[name=department]", dept.code)
    act(page, "dispatch", "请城管局依法处理")
    assert "南关区城市管理局" in page.inner_text("#current-unit")
    # The message says what happened, not only that it worked.
    assert page.inner_text(".messages .success") == "已分派至南关区城市管理局。"
    logout(page)

    # 3. The department signs, then closes with on-site evidence.
    login(page, base, "b_cgj")
    page.goto(f"{base}/events/{number}/")
    act(page, "sign")
    # 办结 without a note is refused as an error, naming what is missing.
    page.click("#action-form button[data-action=close]")
    page.wait_for_selector(".messages .error")
    assert "办理结果" in page.inner_text(".messages .error")
    page.set_input_files("#action-form input[name=files]", photo(tmp_path, "after.jpg"))
    act(page, "close", "已清理占道摊位,设置提示牌")
    assert "已办结待核查" in page.inner_text("#event-status")
    logout(page)

    # 4. The grid worker verifies on site.
    login(page, base, "b_worker")
    page.goto(f"{base}/events/{number}/")
    act(page, "verify", "现场已恢复通行")
    timeline = page.inner_text("#timeline")
    for step in ("上报", "受理", "分派", "签收", "办结", "核查通过"):
        assert step in timeline, step
    page.screenshot(path=artifact("event-2-timeline.png"), full_page=True)
    desk.close()
