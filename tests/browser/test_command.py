"""Command and dispatch in the browser: a serious event breaks (特急 易燃易爆物品); the county
dispatcher opens it, clicks 启动预案 and activates the matching plan; two grid workers on
360-px phones find the command in 我的指令, one turns position sharing on (the page shows
it is on and the position reaches the server), both sign (签收), one reports progress
with a photo, the other reports it done; the dispatcher's activation board shows each
worker's state. Screenshots into test-artifacts/."""

import pytest

from governance.roles import Role

from .helpers import login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID = "220102001001001"
COUNTY = "220102000000"


def _console(errors, message):
    if message.type == "error" and "favicon" not in message.location.get("url", ""):
        errors.append(message.text)


def test_dispatcher_activates_a_plan_and_two_workers_answer_on_phones(
    demo_areas, live_server, browser, make_user, artifact, tmp_path
):
    from command.models import CommandRecipient, PlanActivation, StaffPosition
    from command.tests.factories import event_make, plan_make
    from events.tests.factories import jpeg_bytes
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    make_user(Role.COUNTY_DISPATCHER, COUNTY, "bc_dispatcher")
    w1 = make_user(Role.GRID_WORKER, GRID, "bc_worker1")
    w2 = make_user(Role.GRID_WORKER, GRID, "bc_worker2")
    admin = make_user(Role.ADMIN, COUNTY, "bc_admin")
    plan = plan_make(
        actor=admin,
        steps=[
            {
                "title": "网格员赶赴现场疏散群众",
                "role": "grid_worker",
                "offset": 2,
                "offset_unit": "hours",
                "checklist": ["设置警戒线", "疏散周边群众"],
            }
        ],
    )
    event = event_make(actor=w1, grid=grid, title="液化气罐泄漏")
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(jpeg_bytes((64, 48)))
    base = live_server.url
    errors = []

    # The dispatcher: the event page → 启动预案 → the plan (proposed: it matches).
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.on("console", lambda m: _console(errors, m))
    login(page, base, "bc_dispatcher")
    page.goto(f"{base}{event.get_absolute_url()}")
    page.click("#command-links >> text=启动预案")
    page.wait_for_selector("#activate-form")
    assert "匹配" in page.inner_text("#activate-form")
    page.check(f"input[name=plan][value='{plan.pk}']")
    page.click("#activate-form button[type=submit]")
    page.wait_for_selector("#board")
    assert "已启动" in page.inner_text("#activation-status")
    board = page.inner_text("#board")
    assert "bc_worker1" in board and "bc_worker2" in board
    page.screenshot(path=artifact("command-board-activated.png"), full_page=True)
    act = PlanActivation.objects.get(plan=plan, event=event)
    assert act.status == "active"

    # Two grid workers on their phones.
    phones = []
    for user, note, action in (
        (w1, "已到现场,正在疏散", "progress"),
        (w2, "警戒线已设置,群众已疏散", "feedback"),
    ):
        ctx = phone_context(browser)
        if user is w1:
            ctx.grant_permissions(["geolocation"], origin=base)
            ctx.set_geolocation({"latitude": grid.centroid.y, "longitude": grid.centroid.x})
        phone = ctx.new_page()
        phone.on("console", lambda m: _console(errors, m))
        login(phone, base, user.username)
        phone.goto(f"{base}/command/mine/")
        receipt = phone.locator(".receipt").first
        assert "网格员赶赴现场疏散群众" in receipt.inner_text()
        if user is w1:
            phone.check("#position-toggle")
            phone.locator("#position-status", has_text="已上报").wait_for()
            assert "已开启" in phone.inner_text("#position-status")
        receipt.locator("button[value=sign]").click()
        phone.wait_for_selector(".receipt [data-state=signed]")
        receipt = phone.locator(".receipt").first
        receipt.locator("textarea[name=note]").fill(note)
        receipt.locator("input[type=file]").set_input_files(str(photo))
        receipt.locator(f"button[value={action}]").click()
        phone.wait_for_load_state()
        phone.screenshot(path=artifact(f"command-phone-{user.username}.png"), full_page=True)
        phones.append(ctx)
        # No horizontal scrolling at 360 px.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 362

    # On the worker's other pages the top bar says that sharing is on.
    sharing = phones[0].pages[0]
    sharing.goto(f"{base}/notifications/")
    assert sharing.locator("#position-indicator").is_visible()
    assert "位置共享中" in sharing.inner_text("#position-indicator")
    assert StaffPosition.objects.filter(user=w1).count() == 1
    states = dict(
        CommandRecipient.objects.filter(command__activation=act).values_list(
            "user__username", "state"
        )
    )
    assert states == {"bc_worker1": "in_progress", "bc_worker2": "done"}

    # The dispatcher's board shows it.
    page.reload()
    rows = {
        el.inner_text().split(":")[0]: el.get_attribute("data-state")
        for el in page.locator("#board [data-state]").all()
    }
    assert rows == {"bc_worker1": "in_progress", "bc_worker2": "done"}
    assert "执行中" in page.inner_text("#board") and "已完成" in page.inner_text("#board")
    page.screenshot(path=artifact("command-board-progress.png"), full_page=True)

    # The command map of the county: the event, the worker who shared a position, the
    # running plan; from the event's popup, a command.
    page.goto(f"{base}/cockpit/?area={COUNTY}")
    page.click("#cockpit-command")
    page.wait_for_selector("#command-map .leaflet-interactive")
    assert "燃气泄漏处置预案" in page.inner_text("#active-plans")
    assert page.locator("#command-map .leaflet-interactive").count() >= 2  # event + staff
    page.screenshot(path=artifact("command-map.png"), full_page=True)
    for ctx in phones:
        ctx.close()
    desk.close()
    assert errors == []
