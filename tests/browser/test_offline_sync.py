"""Field work without signal on a 360-px phone (issue 17): with the network cut, a grid
worker registers a house and two residents, records a visit with a photo and reports an
event; the app still opens after a reload; on reconnecting the outbox is sent and the
server holds exactly one of each, with the photos (resized on the phone). Syncing again
— a double tap, an answer lost on the way back — still makes one of each. A change made
offline that a second user overtook is resolved field by field. Logout wipes the phone's
store."""

import io
import re

import pytest
from PIL import Image

from collection.tests.factories import valid_id
from events.tests.factories import jpeg_bytes
from governance.roles import Role
from tests.browser.helpers import login, open_menu, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A plain predicate, polled until true (a Promise returned here would count as truthy at once).
CONTROLLED = "() => !!navigator.serviceWorker.controller"
BADGE = "#outbox-badge"
# The raw outbox records as IndexedDB holds them.
RAW_OUTBOX = """() => new Promise((resolve) => {
  const req = indexedDB.open("gridgov-offline");
  req.onsuccess = () => {
    const t = req.result.transaction("outbox", "readonly").objectStore("outbox").getAll();
    t.onsuccess = () => resolve(t.result.map((i) => ({
      state: i.state, key: i.key,
      plain: i.box ? new TextDecoder().decode(i.box.ct) : "",
      photos: (i.photos || []).map((p) => new TextDecoder().decode(p.ct).length),
    })));
  };
})"""


def wait_badge(page, n, timeout=30_000):
    page.wait_for_function(
        f"() => (document.querySelector('{BADGE}') || {{}}).textContent === '待同步 {n} 条'",
        timeout=timeout,
    )


def worker_phone(browser, base, username, then):
    """A grid worker's 360-px phone, signed in with signal: the service worker controls
    the page and, once `then` is opened, the tab holds the sealing key."""
    phone = phone_context(browser)
    page = phone.new_page()
    page.on("dialog", lambda d: d.accept())
    login(page, base, username)
    page.goto(f"{base}/collection/")
    page.wait_for_function(CONTROLLED, timeout=15_000)
    page.goto(f"{base}{then}")
    page.wait_for_function("() => sessionStorage.getItem('gridgov-offline-key') !== null")
    return phone, page


def big_photo(tmp_path, name, size=(3000, 2000)):
    path = tmp_path / name
    path.write_bytes(jpeg_bytes(size, (40, 140, 90)))
    return str(path)


def pick_on_map(page):
    page.wait_for_selector("#pick-map.leaflet-container")
    box = page.locator("#pick-map").bounding_box()
    page.click("#pick-map", position={"x": box["width"] / 2, "y": box["height"] / 2})


def test_offline_work_syncs_once(
    demo_areas, live_server, browser, make_user, artifact, tmp_path, settings
):
    from collection.models import House, Person, Visit
    from collection.services import person_update
    from events.models import Event
    from grids.models import Area

    settings.MEDIA_ROOT = str(tmp_path / "media")
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "o_worker")
    other = make_user(Role.GRID_WORKER, grid.code, "o_other")
    base = live_server.url
    phone = phone_context(browser)
    page = phone.new_page()
    page.on("dialog", lambda d: d.accept())
    login(page, base, "o_worker")
    page.goto(f"{base}/collection/")
    page.wait_for_function(CONTROLLED, timeout=15_000)
    # One visit with signal: the phone gets its key and keeps the grid outlines.
    page.goto(f"{base}/collection/sync/")
    page.wait_for_function(
        "() => document.querySelector('#local-data').innerText.includes('1 个本人网格')",
        timeout=15_000,
    )
    assert page.evaluate("sessionStorage.getItem('gridgov-offline-key') !== null")

    # --- Without signal -------------------------------------------------------------
    phone.set_offline(True)
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "幸福村一组 8 号")
    pick_on_map(page)
    # The grid the point falls in is found on the phone, from the kept outlines.
    page.wait_for_function(
        f"() => document.querySelector('#picked-grid').textContent.includes('{grid.name}')"
    )
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    page.click("#outbox-add-resident")
    page.wait_for_url(re.compile(r".*/people/new/\?house=local:\d+"))
    page.wait_for_selector("form[data-outbox] input[name=house]", state="attached")
    for name, number in (("张山", valid_id("22010219800101001")), ("李思", valid_id())):
        page.fill("input[name=name]", name)
        page.fill("input[name=id_number]", number)
        page.click("form[data-outbox] button[type=submit]")
        wait_badge(page, 2 if name == "张山" else 3)

    page.goto(f"{base}/collection/visits/new/")
    page.wait_for_selector("select[name=people] option[value^='local:'] >> nth=1", state="attached")
    page.fill("input[name=place]", "幸福村一组 8 号院内")
    page.select_option(
        "select[name=people]",
        [
            o
            for o in page.eval_on_selector_all(
                "select[name=people] option[value^='local:']", "os => os.map(o => o.value)"
            )
        ],
    )
    page.fill("textarea[name=findings]", "院墙开裂,有倒塌风险")
    page.click("details summary")
    page.check("input[name=report]")
    page.select_option("select[name=category]", index=0)
    page.set_input_files("input[name=files]", big_photo(tmp_path, "wall.jpg"))
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 4)

    page.goto(f"{base}/events/report/")
    page.fill("#category-search", "占道")
    page.fill("input[name=title]", "村口占道堆放柴草")
    page.fill("textarea[name=description]", "柴草堆占用村道约 10 米")
    pick_on_map(page)
    page.wait_for_function(
        f"() => document.querySelector('#picked-grid').textContent.includes('{grid.name}')"
    )
    page.set_input_files("input[name=photos]", big_photo(tmp_path, "road.jpg", (2400, 3200)))
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 5)

    # The app opens again without signal; what is queued is sealed on the phone.
    page.reload()
    wait_badge(page, 5)
    raw = page.evaluate(RAW_OUTBOX)
    assert len(raw) == 5 and {r["state"] for r in raw} == {"pending"}
    assert len({r["key"] for r in raw}) == 5
    assert not any("幸福村" in r["plain"] or "张山" in r["plain"] for r in raw)
    page.goto(f"{base}/collection/sync/")
    page.wait_for_function(
        "() => document.querySelectorAll('.outbox-item.state-pending').length === 5"
    )
    assert "张山" in page.inner_text("#outbox-list")  # shown to the worker, decrypted
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifact("offline-2-outbox.png"), full_page=True)
    assert House.objects.count() == 0 and Event.objects.count() == 0

    # --- Signal again: sent in order, once ------------------------------------------
    phone.set_offline(False)
    wait_badge(page, 0)

    def holdings():
        return (
            House.objects.filter(address="幸福村一组 8 号").count(),
            Person.objects.filter(house__address="幸福村一组 8 号").count(),
            Visit.objects.count(),
            Event.objects.count(),
        )

    assert holdings() == (1, 2, 1, 2)
    house = House.objects.get()
    assert house.location is not None and house.grid_id == grid.pk
    visit = Visit.objects.get()
    assert visit.people.count() == 2 and visit.visitor_id == worker.pk
    for event in Event.objects.all():
        (attachment,) = event.attachments.all()
        with attachment.file.open("rb") as f:
            size = Image.open(io.BytesIO(f.read())).size
        assert max(size) == 1600, size  # resized on the phone, proportions kept
    assert visit.event.attachments.exists()
    assert Event.objects.filter(title="村口占道堆放柴草").exists()

    # A double tap on 立即同步, then another sync: nothing new.
    page.click("#sync-now")
    page.click("#sync-now")
    page.wait_for_timeout(1500)
    page.click("#sync-now")
    page.wait_for_timeout(1000)
    assert holdings() == (1, 2, 1, 2)

    # An answer lost on the way back: the house is made, the phone never hears of it,
    # keeps the item and sends it again with the same key — still one house.
    phone.set_offline(True)
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "幸福村一组 9 号")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    lost = []

    def drop_answer(route):
        lost.append(route.fetch().status)  # reaches the server, which answers…
        route.abort("connectionreset")  # …but the answer never reaches the phone

    page.route("**/api/v1/houses/", drop_answer)
    phone.set_offline(False)
    page.wait_for_function("() => window.gridgovOffline !== undefined")
    page.evaluate("window.gridgovOffline.sync()")
    assert lost == [201]
    assert House.objects.filter(address="幸福村一组 9 号").count() == 1
    wait_badge(page, 1)  # still queued on the phone
    page.unroute("**/api/v1/houses/")
    page.evaluate("window.gridgovOffline.sync()")
    wait_badge(page, 0)
    assert House.objects.filter(address="幸福村一组 9 号").count() == 1

    # --- A conflict: the phone's change was overtaken by a second user -------------
    zhang = Person.objects.get(name="张山")
    page.goto(f"{base}/collection/people/{zhang.pk}/edit/")
    phone.set_offline(True)
    page.fill("input[name=residence_address]", "幸福村一组 8 号东屋")
    page.fill("input[name=relation]", "户主")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    person_update(
        actor=other, person=zhang, residence_address="幸福村一组 8 号西屋", relation="配偶"
    )
    page.goto(f"{base}/collection/sync/")
    phone.set_offline(False)
    page.wait_for_selector(".outbox-item.state-conflict .conflict-table", timeout=30_000)
    table = page.inner_text(".conflict-table")
    assert "东屋" in table and "西屋" in table and "户主" in table and "配偶" in table
    page.screenshot(path=artifact("offline-3-conflict.png"), full_page=True)
    page.check("tr[data-field=residence_address] input[value=mine]")
    page.check("tr[data-field=relation] input[value=server]")
    page.click(".conflict button[type=submit]")
    wait_badge(page, 0)
    zhang.refresh_from_db()
    assert (zhang.residence_address, zhang.relation) == ("幸福村一组 8 号东屋", "配偶")

    # --- Logout wipes the phone's store ---------------------------------------------
    assert page.evaluate(
        "indexedDB.databases().then(d => d.some(x => x.name === 'gridgov-offline'))"
    )
    open_menu(page)
    page.click(".who button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.wait_for_function(
        "() => indexedDB.databases().then(d => !d.some(x => x.name === 'gridgov-offline'))",
        timeout=5_000,
    )
    assert page.evaluate("sessionStorage.getItem('gridgov-offline-key')") is None
    phone.close()


def test_refused_items_are_fixed_on_the_form_and_nothing_is_lost(
    demo_areas, live_server, browser, make_user
):
    """A refusal comes back on the form with the server's message; an expired session
    keeps the queue for after the next sign-in; a revoked role wipes the phone."""
    from collection.models import House, Person
    from collection.services import person_create
    from governance.models import RoleAssignment
    from governance.services import role_assign, role_revoke
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "r_worker")
    person_create(actor=worker, grid=grid, name="在册甲", id_number=valid_id(), kind="registered")
    base = live_server.url
    phone, page = worker_phone(browser, base, "r_worker", "/collection/sync/")

    # Registered offline with a number already on the register: refused on sync.
    phone.set_offline(True)
    page.goto(f"{base}/collection/people/new/")
    page.fill("input[name=name]", "王五")
    page.fill("input[name=id_number]", valid_id())
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    page.goto(f"{base}/collection/sync/")
    phone.set_offline(False)
    page.wait_for_selector(".outbox-item.state-refused", timeout=30_000)
    assert "已登记" in page.inner_text(".outbox-item.state-refused")
    wait_badge(page, 1)  # kept, not dropped
    page.click(".outbox-item.state-refused a.fix")
    page.wait_for_selector(".outbox-refused")
    assert "已登记" in page.inner_text(".outbox-refused")
    assert page.input_value("input[name=name]") == "王五"  # as saved, to correct
    page.fill("input[name=id_number]", valid_id("22010219800101001"))
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 0)
    assert Person.objects.filter(name="王五").count() == 1

    # The session expires while a house waits: the queue stays for after signing in.
    phone.set_offline(True)
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "幸福村二组 1 号")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    phone.clear_cookies()
    phone.set_offline(False)
    page.wait_for_selector(
        "#outbox-note:has-text('登录已过期'), .outbox-note:has-text('登录已过期')"
    )
    assert House.objects.count() == 0
    assert page.evaluate("sessionStorage.getItem('gridgov-offline-key')") is None
    login(page, base, "r_worker")
    page.goto(f"{base}/collection/sync/")
    wait_badge(page, 0)
    assert House.objects.filter(address="幸福村二组 1 号").count() == 1

    # A bar of signal that carries nothing: the form goes into the outbox, not into a
    # browser error page; sent once the server answers again.
    page.goto(f"{base}/collection/houses/new/")
    page.route("**/*", lambda route: route.abort("timedout"))
    page.fill("input[name=address]", "幸福村二组 2 号")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)
    assert page.url.endswith("/collection/houses/new/")
    page.unroute("**/*")
    page.evaluate("window.gridgovOffline.sync()")
    wait_badge(page, 0)
    assert House.objects.filter(address="幸福村二组 2 号").count() == 1

    # No longer a grid worker: the next page wipes what the phone kept.
    county = Area.objects.get(code="220102000000")
    role_assign(actor=None, user=worker, role=Role.COUNTY_DISPATCHER, area=county)
    role_revoke(
        actor=None, assignment=RoleAssignment.objects.get(user=worker, role=Role.GRID_WORKER)
    )
    page.goto(f"{base}/")
    page.wait_for_function(
        "() => indexedDB.databases().then(d => !d.some(x => x.name === 'gridgov-offline'))",
        timeout=5_000,
    )
    phone.close()


def test_verification_and_tags_go_through_the_outbox_once(
    demo_areas, live_server, browser, make_user
):
    """核准 (confirm, correct) and a special-group tag saved without signal land exactly
    once on reconnecting, with two tabs syncing at the same time; a correction whose
    record changed meanwhile comes back as a conflict (the form carried the version it
    read) and is resolved field by field."""
    from collection.models import Person, PersonTag, VerificationTask
    from collection.services import person_create, person_update
    from collection.verification import verification_tasks_create
    from governance.models import AuditLog
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "v_worker")
    other = make_user(Role.GRID_WORKER, grid.code, "v_other")
    people = [
        person_create(
            actor=worker, grid=grid, name=name, id_number=valid_id(body), kind="registered"
        )
        for name, body in (
            ("核准甲", "22010219900307123"),
            ("核准乙", "22010219800101001"),
            ("核准丙", "22010219700101002"),
        )
    ]
    verification_tasks_create(
        dataset="people",
        rows=[(str(p.pk), grid.pk, grid.path) for p in people],
        source="公安人口库",
    )
    tasks = [VerificationTask.objects.get(object_id=str(p.pk)) for p in people]
    base = live_server.url
    phone, page = worker_phone(browser, base, "v_worker", "/collection/verifications/")
    # A second tab: the tag form of 核准甲, opened with signal too.
    tab = phone.new_page()
    tab.goto(f"{base}/collection/people/{people[0].pk}/tags/new/?tag=released")
    tab.wait_for_function("() => sessionStorage.getItem('gridgov-offline-key') !== null")

    # --- Without signal -------------------------------------------------------------
    phone.set_offline(True)
    page.click(f"#task-{tasks[0].pk} button[value=confirmed]")
    wait_badge(page, 1)
    for task, address in ((tasks[1], "核准路 2 号"), (tasks[2], "核准路 3 号")):
        card = page.locator(f"#task-{task.pk}")
        card.locator("summary", has_text="更正").click()
        card.locator("input[name=residence_address]").fill(address)
        card.locator("button[value=corrected]").click()
    wait_badge(page, 3)
    tab.fill("input[name=x-original_charge]", "盗窃罪")
    tab.fill("input[name=x-sentence]", "有期徒刑二年")
    tab.fill("input[name=x-release_date]", "2025-06-01")
    tab.select_option("select[name=x-recidivist]", "true")
    tab.click("#tag-form button[type=submit]")
    wait_badge(tab, 4)
    raw = page.evaluate(RAW_OUTBOX)
    assert len(raw) == 4 and not any("核准路" in r["plain"] or "盗窃" in r["plain"] for r in raw)
    # Meanwhile another worker changes 核准丙: the correction read an older version.
    person_update(actor=other, person=people[2], residence_address="核准路 30 号")
    assert VerificationTask.objects.filter(status="pending").count() == 3
    assert not PersonTag.objects.exists()

    # --- Signal again: both tabs sync at once ---------------------------------------
    phone.set_offline(False)
    page.goto(f"{base}/collection/sync/")
    page.wait_for_selector(".outbox-item.state-conflict .conflict-table", timeout=30_000)
    wait_badge(page, 1)
    statuses = dict(VerificationTask.objects.values_list("object_id", "status"))
    assert [statuses[str(p.pk)] for p in people] == ["confirmed", "corrected", "pending"]
    assert Person.objects.get(pk=people[1].pk).residence_address == "核准路 2 号"
    tag = PersonTag.objects.get()
    assert (tag.person_id, tag.tag, tag.end_date) == (people[0].pk, "released", None)
    assert tag.extra == {
        "original_charge": "盗窃罪",
        "sentence": "有期徒刑二年",
        "release_date": "2025-06-01",
        "recidivist": True,  # sent as JSON, as the schema says
    }
    table = page.inner_text(".conflict-table")
    assert "核准路 3 号" in table and "核准路 30 号" in table
    page.check("tr[data-field=residence_address] input[value=mine]")
    page.click(".conflict button[type=submit]")
    wait_badge(page, 0)
    assert VerificationTask.objects.get(pk=tasks[2].pk).status == "corrected"
    assert Person.objects.get(pk=people[2].pk).residence_address == "核准路 3 号"

    # Synced again from both tabs: nothing new, nothing refused.
    page.evaluate("window.gridgovOffline.sync()")
    tab.evaluate("window.gridgovOffline.sync()")
    page.evaluate("window.gridgovOffline.sync()")
    assert {r["state"] for r in page.evaluate(RAW_OUTBOX)} == {"done"}
    assert PersonTag.objects.count() == 1
    decided = AuditLog.objects.filter(action__startswith="verification.")
    assert sorted(decided.values_list("action", flat=True)) == [
        "verification.confirmed",
        "verification.corrected",
        "verification.corrected",
    ]
    phone.close()


def test_a_password_reset_leaves_the_old_queue_unreadable(
    demo_areas, live_server, browser, make_user
):
    """The outbox key changes with the password: an item queued before a reset cannot be
    read after signing in with the new password — marked 无法读取, not sent — while what
    is queued after it is sent; the worker gives the old one up."""
    from collection.models import House
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "p_worker")
    base = live_server.url
    phone, page = worker_phone(browser, base, "p_worker", "/collection/sync/")
    phone.set_offline(True)
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "重置前 1 号")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 1)

    worker.set_password("Another@2026pass")  # reset by the administrator: session ends
    worker.save()
    phone.set_offline(False)
    page.wait_for_selector(".outbox-note:has-text('登录已过期')", timeout=30_000)
    login(page, base, "p_worker", "Another@2026pass")
    page.goto(f"{base}/collection/sync/")
    page.wait_for_selector(".outbox-item.state-unreadable", timeout=30_000)
    assert "无法读取" in page.inner_text(".outbox-item.state-unreadable")

    # Work queued after signing in again is sent; the unreadable item does not stop it.
    phone.set_offline(True)
    page.goto(f"{base}/collection/houses/new/")
    page.fill("input[name=address]", "重置后 2 号")
    page.click("form[data-outbox] button[type=submit]")
    wait_badge(page, 2)
    phone.set_offline(False)
    wait_badge(page, 1)
    assert list(House.objects.values_list("address", flat=True)) == ["重置后 2 号"]
    page.goto(f"{base}/collection/sync/")
    page.click(".outbox-item.state-unreadable .drop")
    wait_badge(page, 0)
    assert House.objects.count() == 1
    phone.close()
