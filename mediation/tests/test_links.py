"""诉调/警调/访调对接: a linked department's system sends disputes with its department token
and reads the ones it sent or that were referred to it; other departments and counties
see nothing; bad payloads are refused with a message."""

import pytest
from rest_framework.test import APIClient

from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from integrations.services import department_token_issue
from mediation import services
from mediation.models import Dispute
from mediation.tests.factories import GRID, dispute_make, org_make, parties

pytestmark = pytest.mark.django_db
URL = "/api/v1/dispute-links/"


def _department(code, name, area_code, kind=None, admin=None):
    department = department_create(
        actor=None, code=code, name=name, area=Area.objects.get(code=area_code)
    )
    if kind:
        services.link_set(actor=admin, department=department, kind=kind)
    return department


def _client(department) -> APIClient:
    _token, key = department_token_issue(actor=None, department=department, name="对接系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Department {key}")
    return client


@pytest.fixture
def links(admin):
    return {
        "court": _department("NG-FY", "南关区人民法院", "220102000000", "court", admin),
        "petition": _department("NG-XF", "南关区信访局", "220102000000", "petition", admin),
        "police": _department("NG-GA", "南关区公安分局", "220102000000", "police", admin),
        "kc_court": _department("KC-FY", "宽城区人民法院", "220103000000", "court", admin),
        "plain": _department("NG-CGJ", "南关区城管局", "220102000000"),
    }


def _payload(**kw):
    return {
        "grid": GRID,
        "title": "诉前调解:货款纠纷",
        "type": "contract",
        "amount": "30000",
        "parties": parties(2, start=300),
        **kw,
    }


def test_the_court_sends_a_dispute_and_follows_it(links, clerk, township):
    court = _client(links["court"])
    r = court.post(URL, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="court-1")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["source"] == "court" and data["status"] == "registered"
    assert len(data["parties"]) == 2 and "*" in data["parties"][0]["id_number"]
    dispute = Dispute.objects.get(pk=data["id"])
    assert dispute.linked_department == links["court"]
    assert AuditLog.objects.filter(action="mediation.dispute_register", object_id=str(dispute.pk))
    again = court.post(URL, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="court-1")
    assert again.status_code == 201 and again.json()["id"] == dispute.pk  # applied once
    assert Dispute.objects.count() == 1
    # The centre mediates it; the court reads the status.
    d = services.dispute_assign(actor=clerk, dispute=dispute, org=org_make(township))
    services.dispute_succeed(actor=clerk, dispute=d, terms="分期付款")
    listed = court.get(URL).json()
    assert [(x["number"], x["status"]) for x in listed["results"]] == [
        (dispute.number, "succeeded")
    ]
    assert court.get(f"{URL}{dispute.pk}/").json()["linked_department"] == "NG-FY"
    # The petition office did not send it and nothing was referred to it.
    assert _client(links["petition"]).get(URL).json()["count"] == 0
    assert _client(links["petition"]).get(f"{URL}{dispute.pk}/").status_code == 404


def test_a_failed_mediation_is_referred_to_the_linked_department(links, clerk, grid):
    to_court = dispute_make(actor=clerk, grid=grid, start=10)
    to_petition = dispute_make(actor=clerk, grid=grid, start=20)
    to_arbitration = dispute_make(actor=clerk, grid=grid, start=30)
    services.dispute_fail(actor=clerk, dispute=to_court, referral="litigation", note="起诉")
    services.dispute_fail(actor=clerk, dispute=to_petition, referral="petition", note="信访")
    services.dispute_fail(actor=clerk, dispute=to_arbitration, referral="arbitration", note="仲裁")
    numbers = {
        key: [x["number"] for x in _client(links[key]).get(URL).json()["results"]]
        for key in ("court", "petition", "police", "kc_court")
    }
    assert numbers == {
        "court": [to_court.number],
        "petition": [to_petition.number],
        "police": [],
        "kc_court": [],  # another county's court: not the nearest above the dispute
    }
    r = _client(links["court"]).get(f"{URL}{to_court.pk}/").json()
    assert (r["status"], r["referral"], r["referred_department"]) == (
        "failed",
        "litigation",
        "NG-FY",
    )


def test_outsiders_see_and_send_nothing(links, clerk, grid, make_user):
    dispute = dispute_make(actor=clerk, grid=grid, start=40)
    services.dispute_fail(actor=clerk, dispute=dispute, referral="litigation", note="起诉")
    kc = _client(links["kc_court"])
    assert kc.get(URL).json()["count"] == 0
    assert kc.get(f"{URL}{dispute.pk}/").status_code == 404
    r = kc.post(URL, _payload(), format="json")  # a grid of another county
    assert r.status_code in (403, 404)
    # A department that is no link: refused with a message, as its staff signed in.
    plain = _client(links["plain"])
    r = plain.get(URL)
    assert r.status_code == 403 and "对接部门" in r.json()["detail"]
    assert plain.post(URL, _payload(), format="json").status_code == 403
    handler = make_user(Role.DEPARTMENT_HANDLER, "220102000000", "m_cgj", links["plain"])
    signed_in = APIClient()
    signed_in.force_authenticate(handler)
    assert signed_in.get(URL).status_code == 403
    court_staff = make_user(Role.DEPARTMENT_HANDLER, "220102000000", "m_fy", links["court"])
    signed_in.force_authenticate(court_staff)
    assert [x["number"] for x in signed_in.get(URL).json()["results"]] == [dispute.number]
    assert APIClient(HTTP_AUTHORIZATION="Department gdt_wrong").get(URL).status_code == 401
    assert Dispute.objects.count() == 1


def test_bad_payloads_are_refused_with_a_message(links):
    court = _client(links["court"])
    r = court.post(URL, _payload(type="nonsense"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_type"
    assert "纠纷类型" in r.json()["detail"]
    r = court.post(URL, _payload(parties=[]), format="json")
    assert r.status_code == 400
    r = court.post(URL, _payload(grid="999"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_grid"
    bad = parties(1, start=320)
    bad[0]["id_number"] = bad[0]["id_number"][:17] + "Y"
    r = court.post(URL, _payload(parties=bad), format="json")
    assert r.status_code == 400 and "身份证" in r.json()["detail"]
    assert not Dispute.objects.exists()


def test_only_the_province_administrator_sets_links(clerk):
    from governance.errors import Forbidden

    department = _department("NG-FY2", "南关区法院二", "220102000000")
    with pytest.raises(Forbidden):
        services.link_set(actor=clerk, department=department, kind="court")
