"""Issue 14, self-assessment (自评) in the browser: 南关区's administrator has a task book
with tasks for two townships, one of them overdue; the first township's staff reports
progress with an evidence file on a 360-px phone; the city's leader opens the 挂图作战
board of 南关区 and sees the tasks by state and by unit, the overdue one marked in red,
at a desktop width and at a phone width (no sideways scroll); 宽城区's dispatcher, the
lead of another county, neither finds the board of 南关区 nor sees its tasks on their own.
Screenshots into test-artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.roles import Role

from .helpers import login, login_with_code, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _console(errors, message):
    if message.type == "error" and "favicon" not in message.location.get("url", ""):
        errors.append(message.text)


def _states(page) -> dict[str, int]:
    """The tiles of #by-state: {label: count}."""
    tiles = page.locator("#by-state li")
    out = {}
    for i in range(tiles.count()):
        out[tiles.nth(i).locator("span").inner_text()] = int(tiles.nth(i).locator("b").inner_text())
    return out


def _chart(page) -> dict:
    """What the ECharts chart shows: units on the axis, each state's bars, overdue's colour."""
    option = page.evaluate(
        """() => {
        const o = echarts.getInstanceByDom(document.getElementById("board-chart")).getOption();
        return {units: o.xAxis[0].data,
                series: o.series.map(s => [s.name, s.data, s.itemStyle.color])};
    }"""
    )
    return {
        "units": option["units"],
        "series": {name: data for name, data, _c in option["series"]},
        "overdue colour": option["series"][-1][2],
    }


def _units(page) -> dict[str, list[str]]:
    """The rows of #board-units: {unit: [未开始, 进行中, 已完成, 已逾期, 合计]}."""
    rows = page.locator("#board-units tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        out[cells[0]] = cells[1:]
    return out


def test_board_by_state_and_unit_for_the_leader_not_for_another_county(
    demo_areas, live_server, browser, make_user, artifact, tmp_path, settings
):
    from assessment import taskbook
    from assessment.models import ProgressReport
    from grids.models import Area

    settings.MEDIA_ROOT = str(tmp_path / "media")
    today = timezone.localdate()
    nanguan = Area.objects.get(code=NANGUAN)
    t1, t2 = Area.objects.filter(parent=nanguan).order_by("code")[:2]
    admin = make_user(Role.ADMIN, NANGUAN, "bd_admin")
    make_user(Role.TOWNSHIP_STAFF, t1.code, "bd_staff")
    make_user(Role.CITY_LEADER, CITY, "bd_leader")
    make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "bd_kc")
    book = taskbook.book_create(actor=admin, area=nanguan, name="南关区平安建设任务书", year=2026)
    mapped = taskbook.task_create(
        actor=admin,
        book=book,
        title="矛盾纠纷排查全覆盖",
        owner=t1.code,
        deadline=today + timedelta(days=30),
        milestones=[{"name": "制定方案", "due": today + timedelta(days=5)}],
    )
    late = taskbook.task_create(
        actor=admin,
        book=book,
        title="重点人员走访台账",
        owner=t2.code,
        deadline=today - timedelta(days=3),
    )
    taskbook.task_create(
        actor=admin,
        book=book,
        title="平安志愿者招募",
        owner=t2.code,
        deadline=today + timedelta(days=60),
    )
    evidence = tmp_path / "排查方案.pdf"
    evidence.write_bytes(PDF)
    base = live_server.url
    errors: list[str] = []

    # The township's staff reports progress on a phone, with the plan as evidence.
    phone = phone_context(browser)
    page = phone.new_page()
    page.on("console", lambda m: _console(errors, m))
    login(page, base, "bd_staff")
    page.goto(f"{base}/assessment/tasks/{mapped.pk}/")
    page.fill("#progress-form input[name=percent]", "40")
    page.select_option("#progress-form select[name=milestone]", label="1. 制定方案")
    page.fill("#progress-form textarea[name=text]", "排查方案已印发,完成首轮走访")
    page.set_input_files("#progress-form input[name=files]", str(evidence))
    page.click("#progress-form button[type=submit]")
    page.wait_for_selector("#reports a")
    assert "排查方案.pdf" in page.inner_text("#reports")
    assert page.inner_text("#state") == "进行中"
    report = ProgressReport.objects.get(task=mapped)
    assert report.percent == 40 and report.files.get().original_name == "排查方案.pdf"
    phone.close()

    # The city's leader: the board of 南关区 at a desktop width.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.on("console", lambda m: _console(errors, m))
    page.on("pageerror", lambda e: errors.append(str(e)))
    login_with_code(page, base, "bd_leader")
    page.goto(f"{base}/assessment/board/?area={NANGUAN}")
    page.wait_for_selector("#board-chart[data-drawn] canvas")  # the stacked bars drawn
    assert _chart(page) == {
        "units": [t2.name, t1.name],
        "series": {"未开始": [1, 0], "进行中": [0, 1], "已完成": [0, 0], "已逾期": [1, 0]},
        "overdue colour": "#c62828",
    }
    assert _states(page) == {"未开始": 1, "进行中": 1, "已完成": 0, "已逾期": 1, "合计": 3}
    units = _units(page)
    assert units == {t2.name: ["1", "0", "0", "1", "2"], t1.name: ["0", "1", "0", "0", "1"]}
    assert list(units) == [t2.name, t1.name]  # the unit with overdue tasks first
    red = page.locator("#board-units td.overdue-cell")
    assert red.count() == 1 and red.inner_text() == "1"
    overdue = page.locator("#overdue tbody tr.due-overdue")
    assert overdue.count() == 1
    assert overdue.locator("a").inner_text() == "重点人员走访台账"
    assert "已逾期" in overdue.inner_text() and t2.name in overdue.inner_text()
    # Marked in red: the badge (red ground), the row's red edge, the unit's red count.
    danger = "rgb(198, 40, 40)"
    badge = overdue.locator("b.overdue")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == danger
    edge = overdue.locator("td").first.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert edge == danger and red.evaluate("e => getComputedStyle(e).color") == danger
    tile = page.locator("#by-state li.state-overdue")
    assert tile.evaluate("e => getComputedStyle(e).color") == danger
    page.screenshot(path=artifact("assessment-board-desktop.png"), full_page=True)
    # Drill to the overdue task; the leader reads it but does not report.
    overdue.locator("a").click()
    page.wait_for_url(f"**/assessment/tasks/{late.pk}/")
    assert "已逾期" in page.inner_text("#state")
    assert page.locator("#progress-form").count() == 0
    session = desk.cookies()
    desk.close()

    # The same board on a 360-px phone (the leader's session): no sideways scroll, chart
    # and tables shown.
    phone = phone_context(browser)
    phone.add_cookies(session)
    page = phone.new_page()
    page.on("console", lambda m: _console(errors, m))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/assessment/board/?area={NANGUAN}")
    page.wait_for_selector("#board-chart[data-drawn] canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("#board-chart").bounding_box()["width"] <= 360
    assert _states(page)["已逾期"] == 1 and len(_units(page)) == 2
    for table in ("#board-units", "#overdue"):
        assert page.locator(table).is_visible()
    # The tables turn into cards on a phone; the caption stays one line across them.
    assert page.locator("#board-units caption").bounding_box()["height"] < 40
    assert page.locator("#overdue tr.due-overdue b.overdue").is_visible()
    page.screenshot(path=artifact("assessment-board-phone.png"), full_page=True)
    phone.close()

    # 宽城区's dispatcher: the board of 南关区 does not exist for them, their own shows none
    # of its tasks, nor do the task pages.
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = other.new_page()
    login(page, base, "bd_kc")
    response = page.goto(f"{base}/assessment/board/?area={NANGUAN}")
    assert response.status == 404
    response = page.goto(f"{base}/assessment/board/")
    assert response.status == 200
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "宽城区" in text
    for title in ("矛盾纠纷排查全覆盖", "重点人员走访台账", "平安志愿者招募"):
        assert title not in text
    assert page.goto(f"{base}/assessment/tasks/{late.pk}/").status == 404
    other.close()
    assert errors == []
