"""对接部门 page (/mediation/links/): the province administrator adds, changes and removes
the court / police / petition office links through `link_set` / `link_remove` (audited);
anyone else is refused; a department outside the jurisdiction, a department linked
already and a second link of one kind in one area are refused with a message."""

import pytest

from governance.errors import Forbidden
from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from mediation import services
from mediation.models import MediationLink

pytestmark = pytest.mark.django_db
URL = "/mediation/links/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NANGUAN = "220102000000"


def _department(code, name, area_code=NANGUAN):
    return department_create(
        actor=None, code=code, name=name, area=Area.objects.get(code=area_code)
    )


@pytest.fixture
def court():
    return _department("NG-FY", "南关区人民法院")


@pytest.fixture
def elsewhere():
    """A department of another province: outside the Jilin administrator's jurisdiction."""
    province = Area.objects.create(
        code="990000000000", name="测试省", level=1, path="990000000000/"
    )
    return department_create(actor=None, code="XX-FY", name="测试省法院", area=province)


def test_admin_adds_changes_and_removes_a_link(client, admin, court):
    client.force_login(admin)
    assert URL in client.get("/").content.decode()  # the menu entry
    assert URL in client.get("/mediation/rules/").content.decode()  # and from the rules
    assert "暂无对接部门" in client.get(URL).content.decode()

    r = client.post(URL, {"department": " NG-FY ", "kind": "court"})
    assert r.status_code == 302 and r["Location"] == URL
    link = MediationLink.objects.get(department=court)
    assert link.kind == "court"
    page = client.get(URL).content.decode()
    assert "南关区人民法院" in page and "法院(诉调对接)" in page and "南关区" in page
    assert "已将“南关区人民法院”设为对接部门" in page  # the message after the redirect

    assert client.get(f"{URL}{link.pk}/").status_code == 200
    r = client.post(f"{URL}{link.pk}/", {"kind": "police"})
    assert r.status_code == 302
    link.refresh_from_db()
    assert link.kind == "police"
    sets = AuditLog.objects.filter(action="mediation.link_set", object_id=str(link.pk))
    assert [(a.actor, a.changes["kind"]) for a in sets.order_by("pk")] == [
        (admin, [None, "court"]),
        (admin, ["court", "police"]),
    ]
    assert sets.first().area_path == court.area.path

    confirm = client.get(f"{URL}{link.pk}/remove/")
    assert (
        confirm.status_code == 200
        and "确定移除对接部门“南关区人民法院”" in confirm.content.decode()
    )
    assert MediationLink.objects.filter(pk=link.pk).exists()  # a GET removes nothing
    r = client.post(f"{URL}{link.pk}/remove/")
    assert r.status_code == 302 and r["Location"] == URL
    assert not MediationLink.objects.filter(pk=link.pk).exists()
    removed = AuditLog.objects.get(action="mediation.link_remove", object_id=str(link.pk))
    assert (removed.actor, removed.changes["kind"]) == (admin, ["police", None])
    # Gone: its pages are 404 now.
    assert client.get(f"{URL}{link.pk}/").status_code == 404
    assert client.post(f"{URL}{link.pk}/remove/").status_code == 404


def test_the_page_in_english(client, admin, court):
    link = services.link_set(actor=admin, department=court, kind="petition")
    client.force_login(admin)
    page = client.get(URL, **EN).content.decode()
    assert "<td>Petition office (petition–mediation link)</td>" in page
    assert "Add a linked department" in page and "Link type" in page
    assert "对接" not in page and "移除" not in page
    page = client.get(f"{URL}{link.pk}/remove/", **EN).content.decode()
    assert "Remove the linked department “南关区人民法院”" in page


def test_others_are_refused(client, admin, clerk, court, make_user):
    link = services.link_set(actor=admin, department=court, kind="court")
    other = _department("NG-GA", "南关区公安分局")
    county_admin = make_user(Role.ADMIN, "220103000000", "m_kc_links_admin")
    leader = make_user(Role.PROVINCE_LEADER, "220000000000", "m_links_leader")
    audits = AuditLog.objects.count()
    for user in (clerk, county_admin, leader):
        client.force_login(user)
        assert URL not in client.get("/").content.decode()
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"department": "NG-GA", "kind": "police"}).status_code == 403
        assert client.get(f"{URL}{link.pk}/").status_code == 403
        assert client.post(f"{URL}{link.pk}/", {"kind": "petition"}).status_code == 403
        assert client.post(f"{URL}{link.pk}/remove/").status_code == 403
    link.refresh_from_db()
    assert link.kind == "court" and not MediationLink.objects.filter(department=other).exists()
    assert AuditLog.objects.filter(action__startswith="mediation.link").count() == 1
    assert AuditLog.objects.count() == audits
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page


def test_bad_input_is_refused_with_a_message(client, admin, court, elsewhere):
    client.force_login(admin)
    # A department outside the jurisdiction, or no such department: 400, named.
    r = client.post(URL, {"department": "XX-FY", "kind": "court"})
    assert r.status_code == 400 and "部门 XX-FY 不存在或不在您的管辖范围内" in r.content.decode()
    r = client.post(URL, {"department": "XX-FY", "kind": "court"}, **EN)
    assert r.status_code == 400
    assert "Department XX-FY does not exist or lies outside your jurisdiction" in (
        r.content.decode()
    )
    assert client.post(URL, {"department": "NOPE", "kind": "court"}).status_code == 400
    r = client.post(URL, {"department": "NG-FY", "kind": "army"})
    assert r.status_code == 400 and "对接类型应为法院、公安或信访部门" in r.content.decode()
    assert client.post(URL, {"department": "", "kind": "court"}).status_code == 400
    r = client.post(URL, {})  # an empty form says what is missing
    assert r.status_code == 400 and "field-error" in r.content.decode()
    assert not MediationLink.objects.exists()
    # The service checks the department's area itself too (not only the page's lookup).
    with pytest.raises(Forbidden):
        services.link_set(actor=admin, department=elsewhere, kind="court")

    # A department linked already: 409, and its kind is not changed behind the admin.
    assert client.post(URL, {"department": "NG-FY", "kind": "court"}).status_code == 302
    r = client.post(URL, {"department": "NG-FY", "kind": "police"})
    assert r.status_code == 409
    assert "部门“南关区人民法院”已是对接部门(法院(诉调对接))" in r.content.decode()
    r = client.post(URL, {"department": "NG-FY", "kind": "police"}, **EN)
    assert r.status_code == 409 and "is a linked department already" in r.content.decode()
    # A second court in the same area: the referral would have to guess. 409.
    second = _department("NG-FY2", "南关区第二法院")
    r = client.post(URL, {"department": "NG-FY2", "kind": "court"})
    assert r.status_code == 409
    assert "南关区 已有法院(诉调对接):南关区人民法院" in r.content.decode()
    # … also by changing another link's kind to it.
    police = services.link_set(actor=admin, department=second, kind="police")
    r = client.post(f"{URL}{police.pk}/", {"kind": "court"})
    assert r.status_code == 409
    police.refresh_from_db()
    assert police.kind == "police"
    assert MediationLink.objects.get(department=court).kind == "court"
    assert AuditLog.objects.filter(action="mediation.link_set").count() == 2
    # A court of the city above is another area: allowed (the nearest one is chosen).
    city = _department("CC-FY", "长春市中级人民法院", "220100000000")
    assert client.post(URL, {"department": "CC-FY", "kind": "court"}).status_code == 302
    assert MediationLink.objects.get(department=city).kind == "court"
