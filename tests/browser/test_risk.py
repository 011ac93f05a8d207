"""Issue 12 in the browser: a province administrator (password + authenticator code)
writes a warning rule in the form, asks the live preview (counts per colour and examples
on real data), saves it; the evaluation runs (the beat's task, called here); the grid
worker of the responsible unit finds the warning in 预警待办 and acknowledges (签收) it.
Screenshots into test-artifacts/."""

import json
import re

import pytest

from governance.roles import Role

from .helpers import login, login_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID = "220102001001001"
FACTORS = [{"code": "tag", "weight": 10}]
THRESHOLDS = {"red": 50, "orange": 40, "yellow": 30, "blue": 20, "green": 10}


def test_admin_configures_a_rule_with_preview_and_the_unit_acknowledges(
    demo_areas, live_server, browser, make_user, artifact
):
    from grids.models import Area
    from risk.models import Rule, Warning
    from risk.tasks import evaluate_rules_task
    from risk.tests.factories import person_make, tag_make

    grid = Area.objects.get(code=GRID)
    worker = make_user(Role.GRID_WORKER, GRID, "br_worker")
    make_user(Role.ADMIN, "220000000000", "br_admin")
    person = person_make(actor=worker, grid=grid, name="孙八")
    for tag in ("drug", "petition", "released"):
        tag_make(person, tag)  # 3 tags × 10 = 30 points: yellow
    calm = person_make(actor=worker, grid=grid, name="周九")
    tag_make(calm, "drug")  # 10 points: green

    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: _console(errors, m))
    login_with_code(page, base, "br_admin")

    page.goto(f"{base}/warnings/rules/new/")
    page.fill("input[name=name]", "重点人员多标签")
    page.select_option("select[name=subject_kind]", "person")
    page.fill("textarea[name=factors]", json.dumps(FACTORS))
    for key, value in THRESHOLDS.items():
        page.fill(f"input[name=t_{key}]", str(value))
    page.fill("input[name=unit_level]", "6")  # the grid is the responsible unit
    page.click("#preview-button")
    page.wait_for_selector("#preview-counts span[data-colour=yellow]")
    counts = {
        s.get_attribute("data-colour"): s.inner_text()
        for s in page.locator("#preview-counts span").all()
    }
    assert counts["yellow"].endswith(" 1") and counts["green"].endswith(" 1"), counts
    assert counts["red"].endswith(" 0")
    examples = page.locator("#preview-examples li").all_inner_texts()
    assert any("孙八" in e for e in examples) and any("周九" in e for e in examples)
    assert not Rule.objects.exists()  # the preview saves nothing
    page.screenshot(path=artifact("risk-rule-preview.png"), full_page=True)

    page.click("#rule-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/warnings/rules/$"))
    assert "重点人员多标签" in page.inner_text("main")
    rule = Rule.objects.get(name="重点人员多标签")
    assert rule.version.number == 1 and rule.version.definition["unit_level"] == 6
    context.close()

    # The beat's evaluation (what Celery runs every 15 minutes).
    evaluate_rules_task()
    warning = Warning.objects.get(rule=rule, subject_id=person.pk)
    assert warning.colour_key == "yellow" and warning.unit_path == grid.path

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda m: _console(errors, m))
    login(page, base, "br_worker")
    page.goto(f"{base}/warnings/")
    row = page.locator("#warnings tbody tr", has_text="孙八")
    assert "黄色" in row.inner_text()
    page.screenshot(path=artifact("risk-warnings-inbox.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/warnings/{warning.pk}/$"))
    page.click("#acknowledge button[type=submit]")
    page.wait_for_selector("#warning-status:has-text('已签收')")
    assert "签收" in page.inner_text("#warning-log")
    page.screenshot(path=artifact("risk-warning-acknowledged.png"), full_page=True)
    context.close()

    warning.refresh_from_db()
    assert warning.status == "acknowledged"
    assert warning.log.filter(kind="acknowledge", actor=worker).exists()
    assert not errors, errors


def _console(errors, message):
    if message.type == "error" and "favicon" not in message.location.get("url", ""):
        errors.append(message.text)
