"""The pages: schemes, results with drill-down, the report card, the score's inputs, and
the rule builder (versions, a preview on real data, bad parameters refused)."""

from datetime import date

import pytest

from assessment.compute import scheme_compute
from assessment.models import Rule
from assessment.services import scheme_create
from assessment.tests.factories import cell, system_make
from grids.models import Area

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"


@pytest.fixture
def scheme(province_admin, townships):
    cell(townships[0], "events.closed", 10)
    cell(townships[0], "events.overdue", 1)
    s = scheme_create(
        actor=province_admin,
        name="南关区乡镇月度考核",
        system=system_make(province_admin),
        area=Area.objects.get(code=NANGUAN),
        period_kind="month",
        period_start=date(2026, 3, 1),
        object_level=4,
    )
    scheme_compute(actor=province_admin, scheme=s)
    return s


def test_results_card_and_score_inputs(client, nanguan_dispatcher, scheme, townships):
    client.force_login(nanguan_dispatcher)
    t1 = townships[0]
    page = client.get("/assessment/").content.decode()
    assert "南关区乡镇月度考核" in page
    page = client.get(f"/assessment/schemes/{scheme.pk}/").content.decode()
    assert t1.name in page and 'id="results"' in page
    card = client.get(f"/assessment/schemes/{scheme.pk}/objects/{t1.code}/").content.decode()
    # A1 30, A2 30 − 5 = 25, B 0 → 55; the arithmetic beside each score.
    assert 'id="card-score">55.0<' in card and "30 − 5 × 1 = 25" in card
    detail = client.get(f"/assessment/schemes/{scheme.pk}/objects/{t1.code}/A2/").content.decode()
    assert "超期扣分 v1" in detail and "events.overdue" in detail


def test_other_county_gets_404(client, kuancheng_dispatcher, scheme, townships):
    client.force_login(kuancheng_dispatcher)
    assert client.get(f"/assessment/schemes/{scheme.pk}/").status_code == 404
    url = f"/assessment/schemes/{scheme.pk}/objects/{townships[0].code}/"
    assert client.get(url).status_code == 404
    assert "南关区乡镇月度考核" not in client.get("/assessment/").content.decode()


def test_rule_builder_preview_on_real_data_and_versions(client, province_admin):
    nanguan = Area.objects.get(code=NANGUAN)
    cell(nanguan, "events.closed", 15, day=date(2026, 3, 3))
    client.force_login(province_admin)
    form = {
        "name": "结案数按 20 件线性",
        "kind": "linear",
        "params": '{"low": 0, "high": 20}',
        "figure": "events.closed",
        "area": "220100000000",
        "full_marks": "10",
        "since": "2026-03-01",
        "until": "2026-03-31",
    }
    page = client.get("/assessment/rules/new/", {**form, "do": "preview"}).content.decode()
    assert "南关区 得 7.5 分(满分 10.0)" in page and "10 × (15 − 0) / (20 − 0) = 7.5" in page
    response = client.post("/assessment/rules/new/", {**form, "do": "save"})
    rule = Rule.objects.get(name="结案数按 20 件线性")
    assert response.status_code == 302 and rule.version.number == 1
    client.post(
        f"/assessment/rules/{rule.pk}/", {**form, "params": '{"low": 0, "high": 30}', "do": "save"}
    )
    rule.refresh_from_db()
    assert rule.version.number == 2 and rule.versions.count() == 2
    bad = client.post(
        f"/assessment/rules/{rule.pk}/", {**form, "params": '{"low": 9, "high": 3}', "do": "save"}
    )
    assert bad.status_code == 400 and "界值颠倒" in bad.content.decode()
    rule.refresh_from_db()
    assert rule.version.number == 2


def test_rules_are_the_province_administrators(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    assert client.get("/assessment/rules/").status_code == 403


def test_pages_and_explanations_in_english(client, nanguan_dispatcher, scheme, townships):
    client.force_login(nanguan_dispatcher)
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    t1 = townships[0]
    card = client.get(f"/assessment/schemes/{scheme.pk}/objects/{t1.code}/", **en)
    text = card.content.decode()
    assert "Current score" in text and "Weakest indicators" in text
    assert "当前得分" not in text
    # A bad tree is refused in English too, naming the row.
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from assessment.services import tree_check

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        tree_check([{"code": "X", "name": "x", "parent": "Y", "weight": 100}], total_marks=100)
    assert "Row 1 (X): the parent indicator “Y” does not exist." in exc.value.messages


def test_filing_and_reviewing_on_the_page(
    client, nanguan_dispatcher, province_admin, scheme, townships
):
    client.force_login(nanguan_dispatcher)
    url = f"/assessment/schemes/{scheme.pk}/entries/"
    body = {"do": "submit", "indicator": "B1", "object": townships[0].code, "evidence": "台账"}
    bad = client.post(url, {**body, "score": "41"})
    assert bad.status_code == 400 and "超过应得分 40.0" in bad.content.decode()
    assert client.post(url, {**body, "score": "12"}).status_code == 302
    from assessment.models import ManualEntry

    entry = ManualEntry.objects.get()
    review = {"do": "review", "entry": entry.pk, "approve": "1"}
    assert client.post(url, review).status_code == 403  # a dispatcher does not review
    client.force_login(province_admin)
    assert client.post(url, review).status_code == 302
    entry.refresh_from_db()
    assert entry.state == "approved" and "台账" in client.get(url).content.decode()


def test_cockpit_panel_shows_current_and_full_marks(client, nanguan_dispatcher, scheme, townships):
    client.force_login(nanguan_dispatcher)
    page = client.get("/cockpit/panels/assessment/", {"area": NANGUAN}).content.decode()
    assert "南关区乡镇月度考核" in page and f'data-code="{townships[0].code}"' in page
    assert "55.0" in page and "100.0" in page
    assert "暂无可查看的考核结果" in page  # no department scheme
    cockpit = client.get("/cockpit/").content.decode()
    assert 'id="panel-assessment"' in cockpit
