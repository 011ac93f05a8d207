"""Base data in a real browser: a grid worker on a phone registers a house, two
residents and a visit; a county user imports a department file with bad rows and
downloads the error report, and the grid worker verifies (核准) the imported people on
the phone."""

import pytest
from openpyxl import load_workbook

from collection.tests.factories import valid_id
from governance.roles import Role
from tests.browser.helpers import login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_registers_a_house_residents_and_a_visit(
    demo_areas, live_server, browser, make_user, artifact
):
    from collection.models import House, Person, Visit
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    make_user(Role.GRID_WORKER, grid.code, "c_worker")
    base = live_server.url
    phone = phone_context(browser)
    page = phone.new_page()
    login(page, base, "c_worker")
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "华阳小区 5 栋 202")
    page.wait_for_selector("#pick-map.leaflet-container")
    box = page.locator("#pick-map").bounding_box()
    page.click("#pick-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.select_option("select[name=use]", "rental")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#residents")
    for name, body in (("租客甲", "22010219900101001"), ("租客乙", "22010219920202002")):
        page.click("#add-resident")
        page.fill("input[name=name]", name)
        page.fill("input[name=id_number]", valid_id(body))
        page.fill("input[name=phone]", "13800001111")
        page.select_option("select[name=kind]", "floating")
        page.click("button[type=submit].primary")
        page.wait_for_selector("#residents")
    assert "租客甲" in page.inner_text("#residents") and "租客乙" in page.inner_text("#residents")
    page.screenshot(path=artifact("collection-1-house-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{base}/collection/visits/new/")
    page.fill("input[name=place]", "5 栋 202")
    page.select_option("select[name=people]", label="租客甲")
    page.fill("textarea[name=findings]", "租住登记齐全,消防通道畅通")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".messages .success")
    page.screenshot(path=artifact("collection-2-my-grid-phone.png"), full_page=True)
    phone.close()
    house = House.objects.get(address="华阳小区 5 栋 202")
    assert house.location is not None and grid.boundary.contains(house.location)
    assert house.residents.count() == 2 and Person.objects.filter(house=house).count() == 2
    assert Visit.objects.get().people.get().name == "租客甲"


def test_county_user_imports_a_file_with_bad_rows(
    demo_areas, live_server, browser, make_user, artifact, tmp_path, settings
):
    from collection.models import Person
    from grids.models import Area

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from governance.celery import app

    app.conf.task_always_eager = True
    try:
        grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
        other = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
        make_user(Role.COUNTY_DISPATCHER, "220102000000", "c_county")
        good = valid_id("22010219800101001")
        csv = tmp_path / "公安人口.csv"
        csv.write_bytes(
            (
                "姓名,证件号码,联系电话,人口类型,居住地址,所属网格\n"
                f"好甲,{good},13800002222,户籍人口,华阳小区,{grid.code}\n"
                f"好乙,{valid_id('22010219810202002')},,流动人口,华阳小区,{grid.code}\n"
                f"坏丙,220102198003030001,,户籍人口,,{grid.code}\n"
                f"越界丁,{valid_id('22010219820404004')},,户籍人口,,{other.code}\n"
            ).encode("gbk")
        )
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
        ).new_page()
        login(page, live_server.url, "c_county")
        page.goto(f"{live_server.url}/collection/imports/")
        page.set_input_files("input[name=file]", str(csv))
        page.select_option("select[name=mode]", "valid_only")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#apply")
        assert page.inner_text("#job-invalid") == "2" and page.inner_text("#job-creates") == "2"
        page.screenshot(path=artifact("collection-3-import-preview.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#report-link")
        report = tmp_path / "report.xlsx"
        info.value.save_as(report)
        rows = list(load_workbook(report).active.iter_rows(values_only=True))
        reasons = " ".join(str(r[-1]) for r in rows[1:])
        assert len(rows) == 3 and "校验" in reasons and "管辖" in reasons
        page.click("#apply")
        page.wait_for_function("document.querySelector('#job-status').innerText.includes('完成')")
        assert set(Person.objects.values_list("name", flat=True)) >= {"好甲", "好乙"}
        assert not Person.objects.filter(name__in=["坏丙", "越界丁"]).exists()

        # The grid worker confirms one imported person and corrects the other's address.
        from collection.models import VerificationTask

        make_user(Role.GRID_WORKER, grid.code, "c_verifier")
        phone = phone_context(browser).new_page()
        login(phone, live_server.url, "c_verifier")
        phone.goto(f"{live_server.url}/collection/")
        phone.click("#pending-verifications")
        tasks = {t.object_id: t for t in VerificationTask.objects.all()}
        first = tasks[str(Person.objects.get(name="好甲").pk)]
        second = tasks[str(Person.objects.get(name="好乙").pk)]
        phone.screenshot(path=artifact("collection-4-verify-phone.png"), full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        # The phone asks the server before it submits (a bar of signal that carries
        # nothing queues the decision instead): wait for the page the answer brings.
        with phone.expect_navigation():
            phone.click(f"#task-{first.pk} button[value=confirmed]")
        phone.wait_for_selector(".messages .success")
        card = phone.locator(f"#task-{second.pk}")
        card.locator("summary", has_text="更正").click()
        card.locator("input[name=residence_address]").fill("华阳小区 6 栋 101")
        with phone.expect_navigation():
            card.locator("button[value=corrected]").click()
        phone.wait_for_selector(".messages .success")
        assert dict(VerificationTask.objects.values_list("object_id", "status")) == {
            first.object_id: "confirmed",
            second.object_id: "corrected",
        }
        assert Person.objects.get(name="好乙").residence_address == "华阳小区 6 栋 101"
    finally:
        app.conf.task_always_eager = False
