"""Every role walks its own menu at its own screen size (issue 11, "How it is shown").

The grid worker on a 360-px phone, the others at 1440 × 900. Each logs in (with the
one-time code where the role needs it), opens the home page and every entry of the menu
it is shown — read from the page, so pages added later are walked too — and the walk
fails on what a person would meet: a page that scrolls sideways on the phone, a tap
target under 44 px on the phone, an image that does not load, an error in the console,
an English word in the Chinese interface, a page slower than a second with the demo
data. Every page is saved as a screenshot under test-artifacts/walk-*.png.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.twofactor import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
ROLES = [
    ("grid_worker", PHONE),
    ("county_dispatcher", DESKTOP),
    ("dept_handler", DESKTOP),
    ("city_leader", DESKTOP),
    ("province_leader", DESKTOP),
    ("admin", DESKTOP),
    ("auditor", DESKTOP),
]
PAGE_BUDGET_MS = 1000
TAP_MIN_PX = 44

# Latin words allowed in the Chinese interface: the product's name, file formats and
# units people know by these names, and the language switcher's own name ("English").
ALLOWED_WORDS = {"gridgov", "excel", "xlsx", "csv", "pdf", "gbk", "utf", "km", "english"}

# Latin words of the visible text (and of placeholders and image descriptions). A token
# that holds a digit is a code (220102-CGJ, 2026-05, A3) and allowed.
VISIBLE_WORDS_JS = r"""
() => {
  const texts = [document.body.innerText, document.title];
  for (const el of document.querySelectorAll("[placeholder], img[alt], [aria-label], [title]")) {
    if (el.closest("[hidden]") || el.getClientRects().length === 0) continue;
    for (const attr of ["placeholder", "alt", "aria-label", "title"]) {
      if (el.getAttribute(attr)) texts.push(el.getAttribute(attr));
    }
  }
  const words = new Set();
  for (const token of texts.join(" ").match(/[A-Za-z0-9][A-Za-z0-9_.\-@/]*/g) || []) {
    if (/[0-9]/.test(token)) continue;
    for (const w of token.split(/[_.\-@/]/)) if (/^[A-Za-z]{2,}$/.test(w)) words.add(w);
  }
  return [...words];
}
"""

# Visible tap targets of the menu and the main content smaller than the minimum, each
# described by its tag, text and size. A checkbox or radio counts with its label.
SMALL_TARGETS_JS = r"""
(min) => {
  const out = [];
  const seen = new Set();
  const scope = "header a, header button, header select, header input, "
    + "main a, main button, main select, main input, main textarea, main summary";
  for (let el of document.querySelectorAll(scope)) {
    if (el.type === "hidden" || el.closest("[hidden], .leaflet-control-attribution")) continue;
    const labelled = ["checkbox", "radio", "file"].includes(el.type);
    if (labelled && el.labels && el.labels.length) {
      el = el.labels[0];
    }
    if (seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const text = (el.innerText || el.value || el.name || el.getAttribute("aria-label") || "")
        .trim().slice(0, 20);
      const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
      out.push(`${el.tagName.toLowerCase()} "${text}" ${size}`);
    }
  }
  return out;
}
"""

BROKEN_IMAGES_JS = """
() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)
"""

# How long the page took to answer: from the request to the last byte of the HTML (the
# server's work with the demo data). Script parsing after that depends on the test
# machine's load, not on the application.
PAGE_TIME_JS = """
() => { const n = performance.getEntriesByType("navigation")[0];
        return n ? n.responseEnd - n.startTime : 0; }
"""


@pytest.fixture
def demo_data(demo_areas):
    """The demo's logins, cases and base data, made by the demo's own loader."""
    from demo.collection import ensure_demo_collection
    from demo.events import ensure_demo_events
    from demo.users import ensure_demo_users

    ensure_demo_users()
    ensure_demo_events()
    ensure_demo_collection()


def _log_in(page, base, username):
    from demo.users import DEMO_PASSWORD, DEMO_TOTP_SECRET

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/2fa/verify/" in page.url:
        page.fill("input[name=code]", current_code(DEMO_TOTP_SECRET))
        with page.expect_navigation():
            page.click("button.primary")
    assert "/accounts/" not in page.url, f"{username} is not logged in: {page.url}"


def _menu_paths(page) -> list[str]:
    """The pages of the menu and the header (notifications), in order, without repeats."""
    hrefs = page.eval_on_selector_all(
        "header nav a[href], header a.bell[href]", "els => els.map(a => a.href)"
    )
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in paths and not path.startswith("/accounts/"):
            paths.append(path)
    return paths


def _detail_paths() -> list[str]:
    """A case, a person and a house of the demo grid, and their forms."""
    from collection.models import House, Person
    from events.models import Event

    event = Event.objects.order_by("number").first()
    person = Person.objects.filter(house__isnull=False).order_by("pk").first()
    return [
        f"/events/{event.number}/",
        f"/collection/people/{person.pk}/",
        f"/collection/houses/{person.house_id}/",
        f"/collection/houses/{House.objects.order_by('pk').first().pk}/edit/",
        f"/collection/people/{person.pk}/edit/",
    ]


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _login_name_words() -> set[str]:
    from django.contrib.auth import get_user_model

    names = get_user_model().objects.values_list("username", flat=True)
    return {w.lower() for name in names for w in re.split(r"[^A-Za-z]+", name) if w}


def _check_page(page, path, *, phone, allowed=ALLOWED_WORDS) -> list[str]:
    problems = []
    broken = page.evaluate(BROKEN_IMAGES_JS)
    if broken:
        problems.append(f"images that do not load: {broken}")
    elapsed = page.evaluate(PAGE_TIME_JS)
    if elapsed > PAGE_BUDGET_MS:
        problems.append(f"slow: {elapsed:.0f} ms")
    if page.locator("header.topbar").count():
        # Our own pages (a third-party page linked from the menu, such as the Swagger UI
        # of the API documentation for administrators, is not ours to word or lay out).
        width = page.evaluate("document.documentElement.scrollWidth")
        if phone and width > page.viewport_size["width"]:
            problems.append(f"scrolls sideways: {width}px wide")
        if phone:
            small = page.evaluate(SMALL_TARGETS_JS, TAP_MIN_PX)
            if small:
                problems.append(f"tap targets under {TAP_MIN_PX}px: {small[:8]}")
        words = set(page.evaluate(VISIBLE_WORDS_JS))
        english = sorted(w for w in words if w.lower() not in allowed)
        if english:
            problems.append(f"English words in the Chinese interface: {english[:12]}")
    return [f"{path}: {p}" for p in problems]


@pytest.mark.parametrize("username,screen", ROLES, ids=[r[0] for r in ROLES])
def test_role_walks_its_menu(demo_data, live_server, browser, artifact, username, screen):
    phone = screen is PHONE
    context = browser.new_context(locale="zh-CN", **screen)
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console",
        lambda m: console_errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: console_errors.append(f"{page.url}: {exc}"))
    base = live_server.url
    _log_in(page, base, username)

    paths = ["/", *[p for p in _menu_paths(page) if p != "/"]]
    assert len(paths) >= 2, f"{username} has an empty menu"
    # Login names are data, not wording: the audit log shows "姓名(账号)".
    allowed = ALLOWED_WORDS | _login_name_words()
    problems: list[str] = []
    for n, path in enumerate(paths):
        # Twice: the first visit warms the caches of a fresh test server (templates,
        # translations); the budget is for the page a person opens on a running system.
        page.goto(f"{base}{path}")
        response = page.goto(f"{base}{path}", wait_until="load")
        assert response.status < 400, f"{username} {path}: HTTP {response.status}"
        page.wait_for_load_state("networkidle")
        page.screenshot(path=artifact(f"walk-{username}-{n:02d}-{_slug(path)}.png"), full_page=True)
        problems += _check_page(page, path, phone=phone, allowed=allowed)
    if phone:
        # The detail pages a worker opens from those lists: the same bar, and a way back.
        for n, path in enumerate(_detail_paths()):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=artifact(f"walk-{username}-detail-{n}.png"), full_page=True)
            problems += _check_page(page, path, phone=True)
            if not page.locator(".breadcrumb a, a.back-link").count():
                problems.append(f"{path}: no breadcrumb or back link")
        # The menu itself, opened, is a page of tap targets too.
        page.goto(f"{base}/")
        page.click("#menu-toggle")
        page.wait_for_selector("#main-menu a", state="visible")
        page.screenshot(path=artifact(f"walk-{username}-menu.png"))
        problems += _check_page(page, "menu", phone=True)
    context.close()
    problems += [f"console: {e}" for e in console_errors]
    assert not problems, f"{username}:\n" + "\n".join(problems)


def test_citizen_pages_on_a_phone(demo_areas, live_server, browser, artifact):
    """The public pages (群众随手报) meet the same bar on a phone, with the phone keypad
    for the phone number."""
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: list[str] = []
    for n, path in enumerate(["/public/report/", "/public/track/"]):
        page.goto(f"{live_server.url}{path}")
        page.goto(f"{live_server.url}{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=artifact(f"walk-citizen-{n:02d}-{_slug(path)}.png"), full_page=True)
        problems += _check_page(page, path, phone=True)
    page.goto(f"{live_server.url}/public/report/")
    assert page.get_attribute("input[name=phone]", "inputmode") == "tel"
    context.close()
    assert not problems + errors, "\n".join(problems + errors)
