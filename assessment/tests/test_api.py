"""The API: schemes and results scoped (a county sees its own card, its neighbours' only
when the ranking is published), results filtered by area, the XLSX export read back."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from assessment.compute import scheme_compute
from assessment.services import scheme_create, scheme_publish, scheme_review
from assessment.tests.factories import cell, system_make
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

CITY = "220100000000"
NANGUAN, KUANCHENG = "220102000000", "220103000000"


@pytest.fixture
def counties():
    return list(Area.objects.filter(level=3, code__in=[NANGUAN, KUANCHENG]).order_by("code"))


@pytest.fixture
def scheme(province_admin, counties):
    ng, kc = counties
    cell(ng, "events.closed", 8)
    cell(kc, "events.closed", 4)
    cell(kc, "events.overdue", 1)
    s = scheme_create(
        actor=province_admin,
        name="长春市区县考核",
        system=system_make(province_admin),
        area=Area.objects.get(code=CITY),
        period_kind="quarter",
        period_start=date(2026, 2, 1),
        object_level=3,
    )
    scheme_compute(actor=province_admin, scheme=s)
    return s


def _publish(scheme, actor, *, ranking):
    scheme.publish_ranking = ranking
    scheme.save(update_fields=["publish_ranking"])
    scheme_review(actor=actor, scheme=scheme)
    scheme_publish(actor=actor, scheme=scheme)


def test_results_rows_for_the_assessor(scheme, make_user, api_client):
    leader = make_user(Role.CITY_LEADER, CITY, "a_city_leader")
    client = api_client(leader)
    assert [s["name"] for s in client.get("/api/v1/assessment/schemes/").json()["results"]] == [
        "长春市区县考核"
    ]
    rows = client.get(f"/api/v1/assessment/schemes/{scheme.pk}/results/").json()
    nanguan = next(r for r in rows if r["code"] == NANGUAN)
    # 8 closed: A1 30 × 8/10 = 24, A2 30, B 0 → 54.
    assert (nanguan["name"], nanguan["score"], nanguan["full_marks"]) == ("南关区", 54, 100)
    assert nanguan["rank"] == 1
    a1 = next(i for i in nanguan["indicators"] if i["code"] == "A1")
    assert a1 == {"code": "A1", "name": "结案数", "level": 2, "score": 24, "full_marks": 30}
    only = client.get(f"/api/v1/assessment/schemes/{scheme.pk}/results/?area={KUANCHENG}").json()
    assert [r["code"] for r in only] == [KUANCHENG]


def test_a_county_sees_its_own_card_and_others_only_with_a_published_ranking(
    scheme, province_admin, nanguan_dispatcher, api_client
):
    client = api_client(nanguan_dispatcher)
    url = f"/api/v1/assessment/schemes/{scheme.pk}/"
    assert client.get(url).status_code == 404  # not published yet: not the county's
    _publish(scheme, province_admin, ranking=False)
    codes = [r["code"] for r in client.get(url + "results/").json()]
    assert codes == [NANGUAN]
    assert client.get(url + f"results/?area={KUANCHENG}").status_code == 404
    scheme.publish_ranking = True
    scheme.save(update_fields=["publish_ranking"])
    assert sorted(r["code"] for r in client.get(url + "results/").json()) == sorted(
        [c for c in [NANGUAN, KUANCHENG]]
        + [
            r.object_code
            for r in scheme.revisions.first().results.exclude(object_code__in=[NANGUAN, KUANCHENG])
        ]
    )


def test_outsiders_get_404_and_only_the_area_administrator_computes(scheme, make_user, api_client):
    township = Area.objects.filter(level=4, code__startswith="220103").order_by("code")[0]
    outsider = make_user(Role.TOWNSHIP_STAFF, township.code, "a_other")  # reads no card
    url = f"/api/v1/assessment/schemes/{scheme.pk}/"
    assert api_client(outsider).get(url + "results/").status_code == 404
    kc_admin = make_user(Role.ADMIN, KUANCHENG, "a_kc_admin")
    assert api_client(kc_admin).post(url + "compute/").status_code == 404
    city_admin = make_user(Role.ADMIN, CITY, "a_city_admin")
    assert api_client(city_admin).post(url + "compute/").status_code == 202
    leader = make_user(Role.CITY_LEADER, CITY, "a_leader")
    assert api_client(leader).post(url + "review/").status_code == 403
    assert api_client(city_admin).post(url + "publish/").json()["code"] == "invalid_state"


def test_export_read_back(scheme, make_user, api_client):
    leader = make_user(Role.CITY_LEADER, CITY, "a_city_leader")
    response = api_client(leader).get(f"/api/v1/assessment/schemes/{scheme.pk}/export/")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    assert [ws.cell(1, c).value for c in range(1, 5)] == ["排名", "对象编码", "对象名称", "总分"]
    assert ws.cell(1, 5).value == "A 办理质量" and ws.cell(2, 5).value == "A1 结案数"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:A2", "E1:F1", "G1:H1"} <= merged  # 办理质量 over A1, A2; 平安建设 over B1, B2
    assert ws.cell(3, 3).value == "应得分" and ws.cell(3, 5).value == 30
    rows = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1)}
    r = rows[NANGUAN]
    assert [ws.cell(r, c).value for c in (1, 3, 4, 5, 6)] == [1, "南关区", 54, 24, 30]


def test_indicator_systems_through_the_api(province_admin, nanguan_dispatcher, api_client):
    from assessment.tests.factories import ROWS, rules_make

    rules_make(province_admin)
    client = api_client(province_admin)
    rows = [dict(r) for r in ROWS]
    rows[0]["weight"] = 70  # A 70 + B 40
    bad = client.post("/api/v1/assessment/systems/", {"name": "体系", "rows": rows}, format="json")
    assert bad.status_code == 400 and "一级指标:下级指标的权重合计为 110" in str(bad.json())
    rows[0]["weight"] = 60
    made = client.post("/api/v1/assessment/systems/", {"name": "体系", "rows": rows}, format="json")
    assert made.status_code == 201
    a1 = next(i for i in made.json()["indicators"] if i["code"] == "A1")
    assert (a1["parent"], a1["level"], a1["full_marks"], a1["rule"]) == ("A", 2, 30, "结案数线性")
    assert api_client(nanguan_dispatcher).get("/api/v1/assessment/systems/").json()["count"] == 0
