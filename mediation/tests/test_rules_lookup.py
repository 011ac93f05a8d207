"""The administrators' code-rule page (through `code_rule_save`, audited; bad input and
outsiders refused), the most-overdue list of the API, and the intake's party lookup by ID
number (people of the base data and earlier parties, masked; the duplicate check before
saving; GB 11643 failures; scoped)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collection.services import person_create
from collection.tests.factories import numbered_id
from governance.models import AuditLog
from governance.roles import Role
from mediation.models import CodeRule, Dispute, Party
from mediation.services import code_by_rules, code_rule_save
from mediation.tests.factories import dispute_make

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
RULE = {
    "name": "小额邻里",
    "code": "2",
    "types": ["neighbour", "marriage"],
    "min_amount": "",
    "max_amount": "10000",
    "min_people": "",
    "min_parties": "",
    "active": "on",
}


# -- code rules -----------------------------------------------------------------------------


def test_admin_creates_and_edits_a_rule_through_the_page(client, admin, clerk, grid):
    client.force_login(admin)
    assert "/mediation/rules/" in client.get("/").content.decode()  # the menu entry
    assert client.get("/mediation/rules/new/").status_code == 200
    r = client.post("/mediation/rules/new/", RULE)
    assert r.status_code == 302 and r["Location"] == "/mediation/rules/"
    rule = CodeRule.objects.get(name="小额邻里")
    assert (rule.code, rule.types, rule.max_amount, rule.min_amount) == (
        2,
        ["neighbour", "marriage"],
        10000,
        None,
    )
    audit = AuditLog.objects.get(action="mediation.code_rule_save", object_id=str(rule.pk))
    assert audit.actor == admin
    page = client.get("/mediation/rules/").content.decode()
    assert "小额邻里" in page and "蓝码" in page and "邻里纠纷、婚姻家庭" in page
    # The rule applies below the amount only.
    small = dispute_make(actor=clerk, grid=grid, n_parties=1, amount="5000")
    big = dispute_make(actor=clerk, grid=grid, n_parties=1, start=20, amount="10000")
    assert (small.code, big.code) == (2, 1)
    r = client.post(f"/mediation/rules/{rule.pk}/", {**RULE, "code": "3", "active": ""})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.code, rule.active) == (3, False)
    assert AuditLog.objects.filter(action="mediation.code_rule_save").count() == 2
    assert code_by_rules(small) == 1  # inactive rules do not count


def test_bad_rule_input_is_refused_with_a_message(client, admin):
    client.force_login(admin)
    reversed_ = {**RULE, "min_amount": "50000", "max_amount": "1000"}
    r = client.post("/mediation/rules/new/", reversed_)
    assert r.status_code == 400 and "金额上限须高于金额下限" in r.content.decode()
    r = client.post("/mediation/rules/new/", reversed_, **EN)
    assert r.status_code == 400
    assert "The upper amount must be above the lower amount" in r.content.decode()
    r = client.post("/mediation/rules/new/", {**RULE, "types": ["nonsense"]})
    assert r.status_code == 400 and "未知的纠纷类型" in r.content.decode()
    r = client.post("/mediation/rules/new/", {**RULE, "name": " "})
    assert r.status_code == 400
    assert not CodeRule.objects.exists()
    # An edit that reverses the bounds of the stored rule is refused too.
    rule = code_rule_save(actor=admin, data={**RULE, "active": True})
    r = client.post(f"/mediation/rules/{rule.pk}/", {**RULE, "min_amount": "20000"})
    assert r.status_code == 400
    rule.refresh_from_db()
    assert rule.min_amount is None


def test_only_the_province_administrator_configures_rules(client, clerk, make_user):
    rule = CodeRule.objects.create(name="既有规则", code=3, min_parties=2)
    county_admin = make_user(Role.ADMIN, "220103000000", "m_kc_admin")
    for user in (clerk, county_admin):
        client.force_login(user)
        assert "/mediation/rules/" not in client.get("/").content.decode()
        assert client.get("/mediation/rules/").status_code == 403
        assert client.get(f"/mediation/rules/{rule.pk}/").status_code == 403
        r = client.post(f"/mediation/rules/{rule.pk}/", {**RULE, "name": "被改"})
        assert r.status_code == 403
    rule.refresh_from_db()
    assert rule.name == "既有规则"


# -- most overdue ---------------------------------------------------------------------------


def test_api_lists_the_most_overdue_first_and_scoped(api_client, clerk, kc_clerk, grid):
    a = dispute_make(actor=clerk, grid=grid, n_parties=1, start=10)
    b = dispute_make(actor=clerk, grid=grid, n_parties=1, start=20)
    dispute_make(actor=clerk, grid=grid, n_parties=1, start=30)  # within its time limit
    now = timezone.now()
    Dispute.objects.filter(pk=a.pk).update(deadline=now - timedelta(days=2))
    Dispute.objects.filter(pk=b.pk).update(deadline=now - timedelta(days=9))
    r = api_client(clerk).get("/api/v1/disputes/?overdue=1")
    assert r.status_code == 200
    assert [x["number"] for x in r.json()["results"]] == [b.number, a.number]
    assert api_client(kc_clerk).get("/api/v1/disputes/?overdue=1").json()["count"] == 0


# -- party lookup ---------------------------------------------------------------------------

LOOKUP = "/mediation/parties/lookup/"


@pytest.fixture
def known(clerk, grid):
    """A person of the base data who is also a party of an open dispute."""
    number = numbered_id(900)
    person = person_create(
        actor=clerk, grid=grid, name="赵基础", id_number=number, kind="registered"
    )
    dispute = dispute_make(
        actor=clerk,
        grid=grid,
        parties=[{"name": "赵基础", "id_number": number, "phone": "13900000900"}],
    )
    return number, person, dispute


def test_lookup_shows_masked_people_parties_and_duplicates(client, clerk, known):
    number, person, dispute = known
    client.force_login(clerk)
    r = client.get(LOOKUP, {"row": "0", "p0_id": number})
    page = r.content.decode()
    assert r.status_code == 200 and "赵基础" in page
    assert number not in page and number[:6] + "********" + number[-4:] in page
    assert f'name="p0_person" value="{person.pk}"' in page
    assert dispute.number in page and 'data-duplicates="1"' in page
    # Taking the person over at intake links the party to the base data.
    r = client.post(
        "/mediation/new/",
        {
            "grid": "220102001001001",
            "title": "再次纠纷",
            "type": "neighbour",
            "p0_person": str(person.pk),
            "p0_role": "applicant",
            "allow_duplicate": "on",
        },
    )
    assert r.status_code == 302
    party = Party.objects.exclude(dispute=dispute).get()
    assert (party.person, party.name, party.id_number) == (person, "赵基础", number)
    assert Dispute.objects.get(pk=party.dispute_id).repeat


def test_lookup_refuses_a_bad_number_with_its_message(client, clerk):
    client.force_login(clerk)
    good = numbered_id(901)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page = client.get(LOOKUP, {"row": "1", "p1_id": bad}).content.decode()
    assert 'data-lookup="error"' in page and "校验位应为" in page
    page = client.get(LOOKUP, {"id_number": "12345"}, **EN).content.decode()
    assert "18" in page and 'data-lookup="error"' in page
    assert "身份证" not in page  # in English


def test_lookup_of_another_county_finds_nothing(client, kc_clerk, known, make_user):
    number, _person, dispute = known
    client.force_login(kc_clerk)
    page = client.get(LOOKUP, {"id_number": number}).content.decode()
    assert "赵基础" not in page and dispute.number not in page
    assert "data-duplicates" not in page
    auditor = make_user(Role.AUDITOR, "220102000000", "m_lookup_auditor")
    client.force_login(auditor)  # reads, never registers a dispute
    assert client.get(LOOKUP, {"id_number": number}).status_code == 403
