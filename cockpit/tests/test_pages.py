"""The cockpit page: scoped to the user's jurisdiction, in the menu of those who may view,
under the Content-Security-Policy with no inline script, and no CDN anywhere."""

import re
from pathlib import Path

import pytest

from governance.csp import HEADER
from governance.roles import Role
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PROVINCE, CITY = "220000000000", "220100000000"


def test_province_leader_gets_the_cockpit_of_the_province(client, make_user):
    client.force_login(make_user(Role.PROVINCE_LEADER, PROVINCE, "sheng_lingdao"))
    r = client.get("/cockpit/")
    html = r.content.decode()
    assert r.status_code == 200
    assert f'data-area="{PROVINCE}"' in html and "吉林省" in html
    assert 'data-summary-url="/api/v1/cockpit/summary/"' in html
    assert 'id="cockpit-chart"' in html and 'id="cockpit-map"' in html
    assert 'id="cockpit-children"' in html  # the table beside map and chart
    # the menu entry
    assert re.search(r'<a href="/cockpit/"[^>]*>驾驶舱</a>', html), html[:3000]
    # drilled down by URL: the breadcrumb runs from the province
    r = client.get(f"/cockpit/?area={NANGUAN}")
    html = r.content.decode()
    assert r.status_code == 200 and f'data-area="{NANGUAN}"' in html
    trail = html.split('id="cockpit-trail"')[1].split("</nav>")[0]
    assert [PROVINCE, CITY, NANGUAN] == re.findall(r'data-code="(\d+)"', trail)


def test_cockpit_is_scoped_to_the_jurisdiction(client, make_user):
    client.force_login(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ng_dispatcher"))
    r = client.get("/cockpit/")
    assert r.status_code == 200 and f'data-area="{NANGUAN}"' in r.content.decode()
    trail = r.content.decode().split('id="cockpit-trail"')[1].split("</nav>")[0]
    assert "吉林省" not in trail and "长春市" not in trail
    for outside in (KUANCHENG, CITY, PROVINCE, "220102999999"):  # the last does not exist
        assert client.get(f"/cockpit/?area={outside}").status_code == 404, outside


def test_malformed_area_code_is_400_with_a_message(client, make_user):
    client.force_login(make_user(Role.CITY_LEADER, CITY, "shi_lingdao"))
    for bad in ("abc", "2201", "22010200000x", "220102000000' OR 1=1"):
        r = client.get("/cockpit/", {"area": bad})
        assert r.status_code == 400, bad
        assert "区划代码格式有误" in r.content.decode()


def test_big_screen_mode(client, make_user):
    client.force_login(make_user(Role.CITY_LEADER, CITY, "shi_lingdao"))
    html = client.get("/cockpit/?screen=1").content.decode()
    assert 'class="cockpit-page big-screen"' in html and 'data-screen="1"' in html
    html = client.get("/cockpit/").content.decode()
    assert 'class="cockpit-page"' in html and 'data-screen="0"' in html


def test_anonymous_is_sent_to_login_and_no_jurisdiction_gets_403(client):
    from governance.services import user_create

    r = client.get("/cockpit/")
    assert r.status_code == 302 and "/accounts/login/" in r.url
    nobody = user_create(actor=None, username="nobody", password="Test@2026pass", full_name="x")
    client.force_login(nobody)
    assert client.get("/cockpit/").status_code == 403


def test_csp_header_and_only_own_origin_scripts(client, make_user):
    client.force_login(make_user(Role.PROVINCE_LEADER, PROVINCE, "sheng_lingdao"))
    r = client.get("/cockpit/?screen=1")
    policy = r[HEADER]
    assert "script-src 'self'" in policy and "'unsafe-eval'" not in policy
    html = r.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    srcs = re.findall(r'<script src="([^"]+)"', html)
    assert all(s.startswith("/static/") for s in srcs), srcs
    for lib in ("vendor/echarts/echarts.min.js", "vendor/htmx/htmx.min.js", "js/cockpit.js"):
        assert f"/static/{lib}" in srcs
    # htmx is told not to evaluate strings nor inject a <style> (CSP: no inline style)
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_vendored_libraries_are_present_licensed_and_small():
    vendor = ROOT / "static" / "vendor"
    for lib, files in {
        "echarts": ["echarts.min.js", "LICENSE", "NOTICE"],
        "htmx": ["htmx.min.js", "LICENSE"],
    }.items():
        for name in files:
            assert (vendor / lib / name).is_file(), f"{lib}/{name}"
        size = (vendor / lib / files[0]).stat().st_size
        assert 10_000 < size < 5_000_000, (lib, size)
    readme = (vendor / "README.md").read_text()
    assert "5.6.0" in readme and "2.0.11" in readme and "vendor-static.sh" in readme


def test_no_cdn_in_templates_and_scripts():
    cdn = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.I)
    offenders = []
    for pattern in ("*.html", "*.js"):
        for path in ROOT.rglob(pattern):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith((".venv/", "var/", "staticfiles/", "test-artifacts/", "static/")):
                continue
            if "templates/" in rel and cdn.search(path.read_text(errors="replace")):
                offenders.append(rel)
    assert offenders == []


def test_the_panels_render_and_the_ranking_partial_is_scoped(client, make_user):
    client.force_login(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ng_panels"))
    html = client.get("/cockpit/").content.decode()
    for panel in ("trend", "breakdown", "timeliness", "satisfaction", "ranking", "overdue"):
        assert f'id="panel-{panel}"' in html, panel
    assert html.count("<summary>数据表</summary>") == 4  # each chart also as a table
    assert 'src="/static/js/cockpit_panels.js"' in html
    assert 'data-api="/api/v1/cockpit/"' in html
    assert 'hx-get="/cockpit/panels/ranking/"' in html and "every 60s" in html
    assert f'id="cockpit-area-input" name="area" value="{NANGUAN}"' in html
    for figure in ("people_special", "houses_rented", "things_hazard", "events_on_time_rate"):
        assert f'<option value="{figure}">' in html, figure  # the map can colour by it
    assert not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html)

    r = client.get(f"/cockpit/panels/ranking/?area={NANGUAN}&of=children&by=closure_rate")
    assert r.status_code == 200
    part = r.content.decode()
    assert 'data-of="children"' in part and 'data-by="closure_rate"' in part
    assert "<html" not in part and "南关区" in part
    assert client.get("/cockpit/panels/ranking/?of=departments").status_code == 200
    assert client.get(f"/cockpit/panels/ranking/?area={KUANCHENG}").status_code == 404
    assert client.get(f"/cockpit/panels/ranking/?area={CITY}").status_code == 404
    bad = client.get("/cockpit/panels/ranking/?of=people")
    assert bad.status_code == 400 and "排名对象" in bad.content.decode()
