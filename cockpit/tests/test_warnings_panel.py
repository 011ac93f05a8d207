"""The cockpit's 风险预警 panel: open warnings by colour for the area and each child, read
from the named figures `warnings.*` (the rollups, never the warnings table), equal to a
count over the warnings themselves; scoping like the other panels; the page includes it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.roles import Role
from grids.models import Area
from risk.models import KEY_BY_COLOUR, Warning
from risk.services import warning_acknowledge, warning_handle, warning_release
from risk.tasks import evaluate_rules_task
from risk.tests.factories import person_make, rule_make, tag_make

pytestmark = pytest.mark.django_db

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"
GRID = "220102001001001"
URL = "/api/v1/cockpit/warnings/"


@pytest.fixture
def warnings_made(make_user):
    """Three people in one grid of 南关区, raising a red, a yellow and a green warning."""
    grid = Area.objects.get(code=GRID)
    worker = make_user(Role.GRID_WORKER, GRID, "wp_worker")
    for name, tags in (("甲", 5), ("乙", 3), ("丙", 1)):
        p = person_make(actor=worker, grid=grid, name=name)
        for tag in ("drug", "mental", "petition", "released", "correction")[:tags]:
            tag_make(p, tag)
    rule_make(
        name="面板测试规则",
        factors=[{"code": "tag", "weight": 10}],
        thresholds={"red": 50, "orange": 40, "yellow": 30, "blue": 20, "green": 10},
        unit_level=6,
    )
    evaluate_rules_task()
    return worker


def _reference(path: str) -> dict:
    """What the panel must say, counted over the warnings themselves."""
    qs = Warning.objects.filter(status__in=Warning.OPEN, area_path__startswith=path)
    out = {k: 0 for k in KEY_BY_COLOUR.values()}
    for colour in qs.values_list("colour", flat=True):
        out[KEY_BY_COLOUR[colour]] += 1
    return {"open": qs.count(), **out}


def _counts(row: dict) -> dict:
    return {k: row[k] for k in ("open", "red", "orange", "yellow", "blue", "green")}


def test_counts_equal_the_warnings_for_the_area_and_each_child(
    warnings_made, api_client, nanguan_dispatcher
):
    c = api_client(nanguan_dispatcher)
    r = c.get(f"{URL}?area={NANGUAN}")
    assert r.status_code == 200, r.json()
    data = r.json()
    nanguan = Area.objects.get(code=NANGUAN)
    assert data["area"]["code"] == NANGUAN
    assert _counts(data) == _reference(nanguan.path)
    assert data["red"] == 1 and data["yellow"] == 1 and data["green"] == 1
    assert [x["key"] for x in data["colours"]] == ["red", "orange", "yellow", "blue", "green"]
    children = {row["code"]: row for row in data["children"]}
    assert set(children) == set(Area.objects.filter(parent=nanguan).values_list("code", flat=True))
    for child in Area.objects.filter(parent=nanguan):
        assert _counts(children[child.code]) == _reference(child.path), child.code
    assert children["220102001000"]["open"] == 3

    # The lifecycle moves the figures: handled still open, released no more.
    red = Warning.objects.get(colour=5)
    warning_acknowledge(actor=warnings_made, warning=red)
    warning_handle(actor=warnings_made, warning=red, note="已处置")
    assert c.get(f"{URL}?area={NANGUAN}").json()["red"] == 1
    warning_release(actor=warnings_made, warning=red, note="已解除")
    data = c.get(f"{URL}?area={NANGUAN}").json()
    assert data["red"] == 0 and data["open"] == 2 == _reference(nanguan.path)["open"]
    # A grid: its own counts, no children.
    data = c.get(f"{URL}?area={GRID}").json()
    assert data["open"] == 2 and data["children"] == []


def test_one_read_of_the_rollups_never_the_warnings_table(
    warnings_made, api_client, nanguan_dispatcher
):
    c = api_client(nanguan_dispatcher)
    c.get(f"{URL}?area={NANGUAN}")  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(f"{URL}?area={NANGUAN}").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any("risk_warning" in s for s in sql)
    assert sum("governance_figurecount" in s for s in sql) == 1


def test_scoped_like_the_other_panels(warnings_made, api_client, kuancheng_dispatcher, make_user):
    out = api_client(kuancheng_dispatcher)
    assert out.get(f"{URL}?area={NANGUAN}").status_code == 404
    assert out.get(f"{URL}?area={KUANCHENG}").json()["open"] == 0
    county = api_client(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "wp_nanguan"))
    assert county.get(f"{URL}?area={CITY}").status_code == 404  # above the jurisdiction
    r = county.get(f"{URL}?area=abc")
    assert r.status_code == 400 and r.json()["code"] == "invalid_area"
    assert county.get(URL).json()["area"]["code"] == NANGUAN  # default: the top
    assert api_client().get(f"{URL}?area={NANGUAN}").status_code in (401, 403)


def test_the_cockpit_page_includes_the_panel_and_links_to_the_list(
    warnings_made, client, nanguan_dispatcher
):
    client.force_login(nanguan_dispatcher)
    page = client.get(f"/cockpit/?area={NANGUAN}").content.decode()
    assert 'id="cockpit-warnings"' in page and "js/cockpit-warnings.js" in page
    # The panel's links: open warnings of an area and a colour.
    r = client.get(f"/warnings/?box=all&status=open&area={GRID}&colour=red")
    assert r.status_code == 200 and "甲" in r.content.decode()
    assert "乙" not in r.content.decode()
    assert client.get("/warnings/?box=all&area=220103000000").status_code == 404
