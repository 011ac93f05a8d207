"""The cockpit's 矛盾纠纷 panel: open disputes by mediation code for the area and each
child (the named figures `disputes.open*` over the rollups, equal to a count over the
disputes themselves), the 三源治理 rates of the last year, the most overdue open disputes;
scoping like the other panels; the page includes it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.roles import Role
from grids.models import Area
from mediation import services
from mediation.models import CODE_KEYS, OPEN_STATUSES, Dispute
from mediation.tests.factories import dispute_make, org_make, rules_make

pytestmark = pytest.mark.django_db

NANGUAN, KUANCHENG, CITY = "220102000000", "220103000000", "220100000000"
GRID, TOWNSHIP = "220102001001001", "220102001000"
URL = "/api/v1/cockpit/mediation/"


def _other_grid() -> Area:
    """A grid of 南关区 in another township."""
    return (
        Area.objects.filter(level=6, code__startswith="220102")
        .exclude(code__startswith="220102001")
        .order_by("code")
        .first()
    )


@pytest.fixture
def disputes(nanguan_dispatcher):
    """In GRID: yellow (two parties, 3 days overdue), red (民转刑 risk, 1 day overdue),
    green (a contract), orange withdrawn, blue succeeded on time; in a grid of another
    township: blue (10 days overdue)."""
    rules_make()
    clerk = nanguan_dispatcher
    grid = Area.objects.get(code=GRID)
    one = {"n_parties": 1}
    made = {
        "yellow": dispute_make(actor=clerk, grid=grid, start=10),
        "red": dispute_make(actor=clerk, grid=grid, start=20, flags=["criminal"], **one),
        "green": dispute_make(actor=clerk, grid=grid, start=30, type="contract", **one),
        "orange": dispute_make(
            actor=clerk, grid=grid, start=40, type="contract", amount="200000", **one
        ),
        "blue": dispute_make(actor=clerk, grid=grid, start=50, type="marriage", **one),
        "far": dispute_make(actor=clerk, grid=_other_grid(), start=60, **one),
    }
    assert {k: CODE_KEYS[d.code] for k, d in made.items()} == {
        "yellow": "yellow",
        "red": "red",
        "green": "green",
        "orange": "orange",
        "blue": "blue",
        "far": "blue",
    }
    services.dispute_withdraw(actor=clerk, dispute=made["orange"], note="当事人撤回")
    org = org_make(Area.objects.get(code=TOWNSHIP))
    d = services.dispute_assign(actor=clerk, dispute=made["blue"], org=org)
    services.dispute_succeed(actor=clerk, dispute=d, terms="互相谅解")
    now = timezone.now()
    for key, days in (("yellow", 3), ("red", 1), ("far", 10)):
        Dispute.objects.filter(pk=made[key].pk).update(deadline=now - timedelta(days=days, hours=1))
    return made


def _reference(path: str) -> dict:
    """What the panel must say, counted over the disputes themselves."""
    qs = Dispute.objects.filter(status__in=OPEN_STATUSES, area_path__startswith=path)
    out = {k: 0 for k in CODE_KEYS.values()}
    for code in qs.values_list("code", flat=True):
        out[CODE_KEYS[code]] += 1
    return {"open": qs.count(), **out}


def _counts(row: dict) -> dict:
    return {k: row[k] for k in ("open", "red", "orange", "yellow", "blue", "green")}


def test_counts_rates_and_most_overdue(disputes, api_client, nanguan_dispatcher):
    r = api_client(nanguan_dispatcher).get(f"{URL}?area={NANGUAN}")
    assert r.status_code == 200, r.json()
    data = r.json()
    nanguan = Area.objects.get(code=NANGUAN)
    # By hand: open are yellow, red, green (GRID) and blue (the other township).
    assert _counts(data) == {"open": 4, "red": 1, "orange": 0, "yellow": 1, "blue": 1, "green": 1}
    assert _counts(data) == _reference(nanguan.path)
    assert [c["key"] for c in data["colours"]] == ["red", "orange", "yellow", "blue", "green"]
    assert data["colours"][0]["label"] == "红码"
    children = {row["code"]: row for row in data["children"]}
    assert set(children) == set(Area.objects.filter(parent=nanguan).values_list("code", flat=True))
    for child in Area.objects.filter(parent=nanguan):
        assert _counts(children[child.code]) == _reference(child.path), child.code
    assert _counts(children[TOWNSHIP]) == {
        "open": 3, "red": 1, "orange": 0, "yellow": 1, "blue": 0, "green": 1
    }  # fmt: skip
    # Rates over the six disputes registered today: one succeeded (on time), one withdrawn.
    rates = {x["code"]: x for x in data["rates"]}
    assert set(rates) == {
        "resolution", "success", "on_time", "satisfaction", "pre_litigation",
        "repeat_petition", "criminal",
    }  # fmt: skip
    assert rates["resolution"] | {"label": ""} == {
        "code": "resolution", "label": "", "value": 0.2, "numerator": 1, "denominator": 5
    }  # fmt: skip
    assert (rates["success"]["value"], rates["on_time"]["value"]) == (1.0, 1.0)
    assert rates["satisfaction"] == rates["satisfaction"] | {"value": None, "denominator": 0}
    assert (rates["criminal"]["numerator"], rates["criminal"]["denominator"]) == (0, 6)
    assert data["until"] == timezone.localdate().isoformat()
    # The most overdue first, with whole days past the deadline.
    assert [(x["number"], x["overdue_days"]) for x in data["overdue"]] == [
        (disputes["far"].number, 10),
        (disputes["yellow"].number, 3),
        (disputes["red"].number, 1),
    ]
    assert data["overdue"][0]["code"] == "blue"


def test_counts_follow_the_lifecycle_and_a_grid_has_no_children(
    disputes, api_client, nanguan_dispatcher
):
    c = api_client(nanguan_dispatcher)
    services.dispute_fail(
        actor=nanguan_dispatcher, dispute=disputes["red"], referral="criminal", note="移送公安"
    )
    data = c.get(f"{URL}?area={GRID}").json()
    assert _counts(data) == {"open": 2, "red": 0, "orange": 0, "yellow": 1, "blue": 0, "green": 1}
    assert data["children"] == []
    assert [x["number"] for x in data["overdue"]] == [disputes["yellow"].number]
    rates = {x["code"]: x for x in data["rates"]}
    assert (rates["criminal"]["numerator"], rates["criminal"]["denominator"]) == (1, 5)


def test_counts_are_read_from_the_rollups(disputes, api_client, nanguan_dispatcher):
    c = api_client(nanguan_dispatcher)
    c.get(f"{URL}?area={NANGUAN}")  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(f"{URL}?area={NANGUAN}").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    # The counts (one) and the rates (this year, last year) from the rollups; the
    # disputes table only for the short overdue list.
    assert sum("governance_figurecount" in s for s in sql) == 3
    assert sum("mediation_dispute" in s for s in sql) == 1


def test_scoped_like_the_other_panels(
    disputes, api_client, kuancheng_dispatcher, make_user, nanguan_dispatcher
):
    out = api_client(kuancheng_dispatcher)
    assert out.get(f"{URL}?area={NANGUAN}").status_code == 404
    mine = out.get(f"{URL}?area={KUANCHENG}").json()
    assert mine["open"] == 0 and mine["overdue"] == []
    assert mine["rates"][0]["value"] is None  # nothing registered: 无数据
    county = api_client(nanguan_dispatcher)
    assert county.get(f"{URL}?area={CITY}").status_code == 404  # above the jurisdiction
    r = county.get(f"{URL}?area=abc")
    assert r.status_code == 400 and r.json()["code"] == "invalid_area"
    assert county.get(URL).json()["area"]["code"] == NANGUAN  # default: the top
    # A township's staff reads its own township only, overdue list included.
    far = _other_grid()
    staff = api_client(make_user(Role.TOWNSHIP_STAFF, far.parent.parent.code, "md_far"))
    data = staff.get(URL).json()
    assert data["open"] == 1 and [x["number"] for x in data["overdue"]] == [disputes["far"].number]
    assert staff.get(f"{URL}?area={TOWNSHIP}").status_code == 404
    assert api_client().get(f"{URL}?area={NANGUAN}").status_code in (401, 403)


def test_the_cockpit_page_includes_the_panel_and_its_links(
    disputes, client, nanguan_dispatcher, kuancheng_dispatcher
):
    client.force_login(nanguan_dispatcher)
    page = client.get(f"/cockpit/?area={NANGUAN}").content.decode()
    assert 'id="cockpit-mediation"' in page and "js/cockpit-mediation.js" in page
    # The panel's links: open disputes of an area and a colour, the overdue ones.
    r = client.get(f"/mediation/?area={TOWNSHIP}&code=red")
    body = r.content.decode()
    assert r.status_code == 200 and disputes["red"].number in body
    assert disputes["yellow"].number not in body
    body = client.get(f"/mediation/?area={NANGUAN}&overdue=1").content.decode()
    numbers = [disputes[k].number for k in ("far", "yellow", "red")]
    assert all(n in body for n in numbers)
    assert body.index(numbers[0]) < body.index(numbers[1]) < body.index(numbers[2])
    assert disputes["green"].number not in body
    client.force_login(kuancheng_dispatcher)
    assert client.get(f"/mediation/?area={NANGUAN}").status_code == 404
