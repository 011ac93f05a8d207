"""The audit log reads in words: every registered action, the fields and values of a
change, the actors by name; it filters by display name and exports to XLSX."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from governance.audit import audit_record
from governance.audit_labels import registered_action_labels
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area
from grids.services import area_rename
from tests.fixtures import NANGUAN

pytestmark = pytest.mark.django_db
PROVINCE = "220000000000"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, PROVINCE, "al_auditor")


def test_every_action_code_in_the_source_has_a_label():
    """A literal `action="x.y"` written by a service is registered (or named by a verb
    the kernel knows): no raw code reaches the page."""
    from governance.audit_labels import action_label

    codes = set()
    for app in ("governance", "grids", "workcalendar", "integrations", "events", "collection"):
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            codes |= set(re.findall(r'action="([a-z_0-9]+\.[a-z_0-9.]+)"', path.read_text()))
    assert codes, "the scan found nothing"
    raw = sorted(c for c in codes if action_label(c) == c)
    assert raw == []


def test_known_actions_render_without_raw_codes(client, auditor):
    grid = Area.objects.get(code="220102001001001")
    codes = sorted(registered_action_labels())
    for code in codes:
        audit_record(actor=None, action=code, object_type="grids.area", area_path=grid.path)
    client.force_login(auditor)
    rows = ""
    for page in range(1, len(codes) // 50 + 2):  # 50 rows a page
        html = client.get("/audit/", {"page": page}).content.decode()
        rows += re.findall(r"<tbody>(.*)</tbody>", html, re.S)[0]
    for code in codes:
        assert f">{code}<" not in rows, code
        assert str(registered_action_labels()[code]) in rows, code


def test_fields_values_and_actors_in_words(client, auditor, make_user):
    admin = make_user(Role.ADMIN, PROVINCE, "al_admin")
    admin.full_name = "张建国"
    admin.save()
    township = Area.objects.get(code="220102001000")
    area_rename(actor=admin, area=township, name="南岭街道(新)")
    audit_record(
        actor=admin,
        action="person.update",
        object_type="collection.person",
        changes={"gender": ["male", "female"], "kind": ["registered", "floating"]},
        area_path=township.path,
    )
    client.force_login(auditor)
    html = re.findall(r"<tbody>(.*)</tbody>", client.get("/audit/").content.decode(), re.S)[0]
    assert "区域更名" in html and "area.rename" not in html
    assert "修改人员" in html and "person.update" not in html
    assert "男 → 女" in html and "gender" not in html
    assert "张建国(al_admin)" in html

    # Found by the display name, not only the login name.
    def body(params):
        html = client.get("/audit/", params).content.decode()
        return re.findall(r"<tbody>(.*)</tbody>", html, re.S)[0]

    assert "区域更名" in body({"actor": "张建国"})
    assert "区域更名" not in body({"actor": "没有这个人"})


def test_filters_offer_choices(client, auditor):
    client.force_login(auditor)
    html = client.get("/audit/").content.decode()
    assert '<option value="area.rename">区域更名</option>' in html
    assert f'value="/{PROVINCE}/' in html or "吉林省" in html  # areas as choices
    assert '<datalist id="audit-actors">' in html


def test_export_is_scoped_labelled_masked_and_audited(client, make_user):
    admin = make_user(Role.ADMIN, PROVINCE, "al_admin2")
    area_rename(actor=admin, area=Area.objects.get(code="220102001000"), name="甲街道")
    area_rename(actor=admin, area=Area.objects.get(code="220103002000"), name="乙街道")
    audit_record(
        actor=admin,
        action="person.update",
        object_type="collection.person",
        object_repr="王某 220102198001011234",
        area_path=Area.objects.get(code=NANGUAN).path,
    )
    county_auditor = make_user(Role.AUDITOR, NANGUAN, "al_county")
    client.force_login(county_auditor)
    r = client.get("/audit/export/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    text = "\n".join(" ".join(str(c) for c in row if c) for row in rows[1:])
    assert "甲街道" in text and "乙街道" not in text  # scoped
    assert "区域更名" in text and "area.rename" not in text  # labelled
    assert "220102198001011234" not in text and "220102********1234" in text  # masked
    entry = AuditLog.objects.get(action="audit.export", actor=county_auditor)
    assert entry.changes["rows"] == len(rows) - 1


# The broken save leaves openpyxl's write-only sheet generator unfinished; it is
# collected here (gc.collect below), not in whichever test runs next.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_export_that_fails_leaves_no_audit_row(client, make_user, monkeypatch):
    """The export's own audit row is written once the file is built: a file that could
    not be built is not recorded as handed out."""
    from openpyxl import Workbook

    def broken(self, target):
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken)
    auditor = make_user(Role.AUDITOR, NANGUAN, "al_broken")
    client.force_login(auditor)
    with pytest.raises(OSError):
        client.get("/audit/export/")
    assert not AuditLog.objects.filter(action="audit.export", actor=auditor).exists()
    import gc

    gc.collect()
