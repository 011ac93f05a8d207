"""Issue 13 in the browser: a window clerk of the county centre registers a dispute with
two parties at the desktop (the ID lookup answers under the row) and it gets a yellow
code; the clerk assigns it to the township's committee and sees it on the cockpit's
panel; a township mediator records a
session and a successful agreement; the applicant opens the public QR page on a phone
(390×844), passes the phone check and rates the service. Screenshots into
test-artifacts/."""

import re

import pytest

from governance.roles import Role

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID, TOWNSHIP, COUNTY = "220102001001001", "220102001000", "220102000000"
APPLICANT_PHONE, RESPONDENT_PHONE = "13812345678", "13987654321"


def test_clerk_registers_mediator_agrees_applicant_rates(
    demo_areas, live_server, browser, make_user, artifact, settings, tmp_path
):
    from collection.tests.factories import numbered_id
    from grids.models import Area
    from mediation.models import Dispute
    from mediation.tests.factories import org_make, rules_make

    settings.MEDIA_ROOT = str(tmp_path)  # the agreement's DOCX and PDF
    rules_make()  # the seed's colours: several parties → yellow
    org = org_make(Area.objects.get(code=TOWNSHIP), name="某街道人民调解委员会")
    make_user(Role.COUNTY_DISPATCHER, COUNTY, "br_clerk")
    mediator = make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, "br_mediator")
    base = live_server.url
    errors = []

    # 1. The window clerk, at the desktop.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda m: _console(errors, m))
    login(page, base, "br_clerk")
    page.goto(f"{base}/mediation/new/")
    page.fill("input[name=grid]", GRID)
    page.fill("input[name=title]", "楼上漏水致楼下受损")
    page.select_option("select[name=type]", "neighbour")
    page.fill("input[name=amount]", "3000")
    page.fill("input[name=people_count]", "2")
    rows = (
        ("王申请", numbered_id(811), APPLICANT_PHONE, "applicant"),
        ("李被申", numbered_id(812), RESPONDENT_PHONE, "respondent"),
    )
    for i, (name, number, phone, role) in enumerate(rows):
        page.select_option(f"select[name=p{i}_role]", role)
        page.fill(f"input[name=p{i}_name]", name)
        page.fill(f"input[name=p{i}_id]", number)
        page.fill(f"input[name=p{i}_phone]", phone)  # leaving the ID field asks the lookup
        page.wait_for_selector(f"#p{i}-lookup [data-lookup]")
        assert "基础信息中没有该证件号码的人员" in page.inner_text(f"#p{i}-lookup")
    page.screenshot(path=artifact("mediation-intake.png"), full_page=True)
    page.click("#intake button[type=submit]")
    page.wait_for_url(re.compile(r".*/mediation/\d+/$"))
    dispute = Dispute.objects.get(title="楼上漏水致楼下受损")
    assert dispute.code == 3 and "黄码" in page.inner_text("h1")
    assert "王申请" in page.inner_text("#parties") and "李被申" in page.inner_text("#parties")
    page.select_option("#assign select[name=org]", str(org.pk))
    page.click("#assign button[type=submit]")
    page.wait_for_selector("#dispute-status:has-text('已分派')")
    page.screenshot(path=artifact("mediation-registered.png"), full_page=True)
    # The cockpit's panel counts it (the rollups), as a tile and in the children's table.
    page.goto(f"{base}/cockpit/?area={COUNTY}")
    page.wait_for_selector(f"#cockpit-mediation[data-loaded='{COUNTY}']")
    assert page.inner_text("#cockpit-mediation [data-disputes=yellow]") == "1"
    township_row = page.locator(f"#cockpit-mediation-children tr[data-area='{TOWNSHIP}']")
    assert township_row.locator("td.md-yellow").inner_text() == "1"
    assert page.locator("#cockpit-mediation-rates-table tbody tr").count() == 7
    page.locator("#cockpit-mediation").screenshot(path=artifact("mediation-cockpit-panel.png"))
    context.close()

    # 2. The township's mediator: a session, then the agreement.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda m: _console(errors, m))
    login(page, base, "br_mediator")
    page.goto(f"{base}/mediation/{dispute.pk}/")
    page.fill("#session input[name=place]", "街道调解室")
    page.fill("#session textarea[name=note]", "双方到场,同意由楼上赔偿维修费用")
    page.click("#session button[type=submit]")
    page.wait_for_selector("#dispute-status:has-text('调解中')")
    assert "街道调解室" in page.inner_text("#sessions")
    page.fill("#succeed textarea[name=terms]", "李被申于十日内赔偿王申请维修费 3000 元。")
    page.click("#succeed button[type=submit]")
    page.wait_for_selector("#dispute-status:has-text('调解成功')")
    assert page.locator("a", has_text="PDF").count() == 1
    page.screenshot(path=artifact("mediation-agreement.png"), full_page=True)
    context.close()
    dispute.refresh_from_db()
    assert dispute.status == "succeeded" and dispute.sessions.get().mediator == mediator

    # 3. The applicant scans the QR code on a phone.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.on("console", lambda m: _console(errors, m))
    page.goto(f"{base}/public/mediation/{dispute.public_token}/")
    assert "王申请" not in page.content()  # nothing before the check
    page.fill("#check input[name=last4]", APPLICANT_PHONE[-4:])
    page.click("#check button[type=submit]")
    page.wait_for_selector("#public-status")
    status = page.inner_text("#public-status")
    assert dispute.number in status and "调解成功" in status and "黄码" in status
    text = page.inner_text("main")
    assert "李被申" not in text and "br_mediator" not in text  # no other party, no staff
    page.screenshot(path=artifact("mediation-public-phone.png"), full_page=True)
    page.select_option("#rate select[name=rating]", "5")
    page.fill("#rate input[name=comment]", "调解及时,满意")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("#public-status dd:has-text('5 / 5')")
    assert page.locator("#rate").count() == 0  # rated once
    page.screenshot(path=artifact("mediation-public-rated.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
    context.close()
    dispute.refresh_from_db()
    assert (dispute.rating, dispute.rating_note) == (5, "调解及时,满意")
    assert not errors, errors


def _console(errors, message):
    if message.type == "error" and "favicon" not in message.location.get("url", ""):
        errors.append(message.text)
