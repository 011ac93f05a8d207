"""Issue 14: a province administrator configures a scoring rule in the rule builder
(previewed on real data), an indicator system and a scheme use it, the administrator
computes the scheme on its results page and reads a county's report card."""

import re
from datetime import date

import pytest

from governance.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITY, NANGUAN = "220100000000", "220102000000"


def _session_cookie(user, base):
    """The administrator's session, second factor passed (tests/fixtures.OTPClient):
    the login form and the authenticator have browser tests of their own."""
    from tests.fixtures import OTPClient

    client = OTPClient()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}


def test_configure_a_rule_compute_and_read_a_report_card(
    demo_areas, live_server, browser, make_user, artifact
):
    from assessment.models import Rule, Scheme
    from assessment.services import indicator_system_create, scheme_create
    from governance.models import FigureCount
    from grids.models import Area

    admin = make_user(Role.ADMIN, "220000000000", "as_admin")
    nanguan = Area.objects.get(code=NANGUAN)
    FigureCount.objects.create(
        day=date(2026, 3, 3),
        area_path=nanguan.path,
        parent_path=nanguan.parent.path,
        figure="events.closed",
        key="",
        n=15,
    )
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    context.add_cookies([_session_cookie(admin, base)])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{base}/assessment/rules/new/")
    page.fill("input[name=name]", "结案数按二十件线性")
    page.select_option("select[name=kind]", "linear")
    page.fill("textarea[name=params]", '{"low": 0, "high": 20}')
    page.select_option("select[name=figure]", "events.closed")
    page.fill("input[name=area]", CITY)
    page.fill("input[name=since]", "2026-03-01")
    page.fill("input[name=until]", "2026-03-31")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    assert "南关区 得 7.5 分(满分 10.0)" in page.inner_text("#preview")
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r".*/assessment/rules/\d+/$"))
    rule = Rule.objects.get(name="结案数按二十件线性")
    assert rule.version.number == 1

    system = indicator_system_create(
        actor=admin,
        name="浏览器测试体系",
        rows=[
            {"code": "C", "name": "结案", "weight": 100, "source": "figure"}
            | {"figure": "events.closed", "rule": rule.name}
        ],
    )
    scheme = scheme_create(
        actor=admin,
        name="三月区县考核",
        system=system,
        area=Area.objects.get(code=CITY),
        period_kind="month",
        period_start=date(2026, 3, 1),
        object_level=3,
    )
    page.goto(f"{base}/assessment/schemes/{scheme.pk}/")
    page.click("button[value=compute]")
    page.wait_for_selector("#results tbody tr a")
    page.click(f"#results a[href$='/objects/{NANGUAN}/']")
    page.wait_for_selector("#card")
    # 15 closed of 20: 100 × 15 / 20 = 75.
    assert page.inner_text("#card-score") == "75.0"
    assert "100 × (15 − 0) / (20 − 0) = 75" in page.inner_text("#card-scores")
    page.screenshot(path=artifact("assessment-report-card.png"), full_page=True)
    assert page.locator("header.topbar").is_visible()
    page.emulate_media(media="print")  # the printable card: no navigation
    assert not page.locator("header.topbar").is_visible()
    assert page.locator("#card-scores").is_visible()
    assert Scheme.objects.get(pk=scheme.pk).state == "computed"
    assert errors == []
    context.close()
