"""The grid worker's pages as an installable app (issue 17): after one visit with signal,
my grid opens on a 360-px phone with the network cut — from the phone's copy, not the
server — and logging out wipes that copy. The copy in Cache Storage names nobody: the
pages are kept as shells, and offline the lists of people and houses are drawn from the
phone's sealed store (AES-GCM in IndexedDB)."""

import re
import time

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from collection.tests.factories import valid_id
from governance.roles import Role
from tests.browser.helpers import login, open_menu, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A plain predicate, polled until true (a Promise returned here would count as truthy at once).
CONTROLLED = "() => !!navigator.serviceWorker.controller"
SHELL_CACHES = "caches.keys().then(k => k.filter(n => n.startsWith('gridgov-')).length)"
# Every response the phone keeps in Cache Storage, read as text.
CACHED = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out.push({ url: request.url, body: await response.text() });
    }
  }
  return out;
}"""
# The kept lists as IndexedDB holds them (their ciphertext, as text).
KEPT_LISTS = """async () => {
  const dbs = await indexedDB.databases();
  if (!dbs.some((d) => d.name === "gridgov-offline")) return [];
  return await new Promise((resolve) => {
    const req = indexedDB.open("gridgov-offline");
    req.onsuccess = () => {
      const t = req.result.transaction("store", "readonly").objectStore("store").getAll();
      t.onsuccess = () => resolve(t.result.filter((r) => r.name.startsWith("list:")).map(
        (r) => ({ name: r.name, count: r.count, plain: new TextDecoder().decode(r.sealed.ct) })));
    };
  });
}"""


def wait_until(page, script, test, timeout=15):
    """Evaluates the async `script` until `test` holds for its result."""
    end = time.monotonic() + timeout
    while True:
        result = page.evaluate(script)
        if test(result):
            return result
        assert time.monotonic() < end, result
        page.wait_for_timeout(200)


def people_kept(n):
    return lambda lists: any(k["name"] == "list:people" and k["count"] == n for k in lists)


def test_my_grid_opens_offline_after_a_first_visit(
    demo_areas, live_server, browser, make_user, artifact
):
    from collection.services import person_create
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "c_worker")
    person_create(actor=worker, grid=grid, name="在册甲", id_number=valid_id(), kind="registered")
    base = live_server.url
    phone = phone_context(browser)
    page = phone.new_page()
    login(page, base, "c_worker")
    page.goto(f"{base}/collection/")
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest == "/collection/app.webmanifest"
    page.wait_for_function(CONTROLLED, timeout=10_000)
    # With signal the phone keeps its lists, sealed.
    wait_until(page, KEPT_LISTS, people_kept(1))
    page.reload()
    assert "在册甲" in page.inner_text("main")  # online: the server's page, as always
    # What Cache Storage holds: the pages as shells — nobody's name, the worker's neither
    # — and the static files.
    cached = page.evaluate(CACHED)
    urls = {c["url"].removeprefix(base) for c in cached}
    assert {"/collection/", "/collection/visits/new/", "/collection/houses/new/"} <= urls
    for c in cached:
        assert "在册甲" not in c["body"] and str(worker) not in c["body"], c["url"]
    kept = page.evaluate(KEPT_LISTS)
    assert {k["name"] for k in kept} == {"list:people", "list:houses"}
    assert not any("在册甲" in k["plain"] for k in kept)  # sealed

    # Without signal, and meanwhile somebody registered another person: the phone shows
    # its copy (so it did not reach the server), styled, at phone width.
    person_create(
        actor=worker,
        grid=grid,
        name="新登记乙",
        id_number=valid_id("22010219800101001"),
        kind="registered",
    )
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("tbody[data-offline-list=people] td:has-text('在册甲')")
    main = page.inner_text("main")
    assert "我的网格" in main and "在册甲" in main and "新登记乙" not in main
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifact("offline-1-my-grid.png"), full_page=True)
    # Searched offline: in the kept list, by name or address.
    page.goto(f"{base}/collection/?q=在册")
    page.wait_for_selector("tbody[data-offline-list=people] td:has-text('在册甲')")
    page.goto(f"{base}/collection/?q=无此人")
    page.wait_for_selector("tbody[data-offline-list=people] td:has-text('暂无记录')")
    assert "在册甲" not in page.inner_text("main")
    # The forms were kept when the worker was installed, without being opened; the visit
    # form offers the grid's people from the sealed list.
    page.goto(f"{base}/collection/houses/new/")
    assert page.locator("input[name=address]").count() == 1
    page.goto(f"{base}/collection/visits/new/")
    page.wait_for_selector("select[name=people] option:has-text('在册甲')", state="attached")
    assert page.eval_on_selector_all(
        "select[name=people] option", "os => os.map(o => o.textContent)"
    ) == ["在册甲"]

    # Back online: logging out wipes what the phone kept.
    phone.set_offline(False)
    page.goto(f"{base}/collection/")
    assert "新登记乙" in page.inner_text("main")
    assert page.evaluate(SHELL_CACHES) == 1
    open_menu(page)
    page.click(".who button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    wait_until(page, SHELL_CACHES, lambda n: n == 0, timeout=5)
    # Signed in again: a page opened with signal keeps its shell again — nobody's name.
    login(page, base, "c_worker")
    page.goto(f"{base}/collection/")
    assert "新登记乙" in page.inner_text("main")
    wait_until(page, CACHED, lambda c: any(x["url"] == f"{base}/collection/" for x in c))
    for c in page.evaluate(CACHED):
        assert "在册甲" not in c["body"] and "新登记乙" not in c["body"], c["url"]
    # …and its static files, and the lists sealed under this session's new key: the app
    # works offline again.
    wait_until(page, CACHED, lambda c: any("/js/outbox" in x["url"] for x in c))
    wait_until(page, KEPT_LISTS, people_kept(2))
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("tbody[data-offline-list=people] td:has-text('新登记乙')")
    phone.set_offline(False)
    phone.close()


def test_the_app_is_only_offered_to_grid_workers(client, make_user, demo_areas):
    """The manifest and worker are public (no data); the pages link them for grid workers."""
    r = client.get("/collection/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/" and b'"/collection/"' in r.content
    manifest = client.get("/collection/app.webmanifest").json()
    assert manifest["start_url"] == "/collection/" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:  # files of static/, served by the static server
        assert finders.find(icon["src"].removeprefix("/" + settings.STATIC_URL.lstrip("/")))
    client.force_login(make_user(Role.GRID_WORKER, "220102001001001", "c_w"))
    assert b"js/offline.js" in client.get("/collection/").content
    client.force_login(make_user(Role.COUNTY_DISPATCHER, "220102000000", "c_d"))
    html = client.get("/").content
    assert b"js/offline.js" not in html and b'rel="manifest"' not in html
