"""Scores filed by hand (evidence, review) and third-party XLSX imports: a file with an
unknown object or indicator code is refused whole, naming the rows."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from assessment.compute import scheme_compute, score_inputs
from assessment.models import ManualEntry
from assessment.services import indicator_system_create, scheme_create
from assessment.tests.factories import rules_make
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(province_admin):
    rules_make(province_admin)
    from assessment.services import rule_create

    rule_create(
        actor=province_admin,
        name="满意度分档",
        kind="bands",
        params={"bands": [{"bound": 90, "ratio": 1}, {"bound": 80, "ratio": 0.5}]},
    )
    system = indicator_system_create(
        actor=province_admin,
        name="群众满意度",
        rows=[
            {"code": "S", "name": "满意度调查", "weight": 60, "kind": "third_party"}
            | {"source": "import", "rule": "满意度分档"},
            {"code": "P", "name": "工作台账", "weight": 40, "source": "manual"},
        ],
    )
    return scheme_create(
        actor=province_admin,
        name="满意度考核",
        system=system,
        area=Area.objects.get(code="220102000000"),
        period_kind="year",
        period_start=date(2026, 1, 1),
        object_level=4,
    )


def _xlsx(rows):
    wb = Workbook()
    for row in [("对象编码", "指标编码", "得分", "佐证材料"), *rows]:
        wb.active.append(row)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("s.xlsx", out.getvalue())


def test_import_then_compute(scheme, townships, province_admin, api_client):
    client = api_client(province_admin)
    t1, t2 = townships[:2]
    url = f"/api/v1/assessment/schemes/{scheme.pk}/import/"
    file = _xlsx([(t1.code, "S", 93.5, "第三方调查报告"), (t2.code, "S", 85, None)])
    response = client.post(url, {"file": file}, format="multipart")
    assert response.status_code == 201, response.content
    revision = scheme_compute(actor=province_admin, scheme=scheme)
    s1 = revision.results.get(object_code=t1.code).scores.get(indicator__code="S")
    assert (s1.value, s1.score) == (93.5, 60)
    assert score_inputs(s1)["evidence"] == "第三方调查报告"
    assert revision.results.get(object_code=t2.code).score == 30


def test_import_with_unknown_codes_is_refused_whole(scheme, townships, province_admin, api_client):
    client = api_client(province_admin)
    file = _xlsx(
        [
            (townships[0].code, "S", 90, "报告"),
            ("999999999999", "S", 80, ""),
            (townships[1].code, "Z", 1, ""),
        ]
    )
    response = client.post(
        f"/api/v1/assessment/schemes/{scheme.pk}/import/", {"file": file}, format="multipart"
    )
    assert response.status_code == 400
    detail = str(response.json()["detail"])
    assert "第 3 行:对象编码“999999999999”不是本方案的考核对象" in detail
    assert "第 4 行:指标编码“Z”不存在" in detail
    assert not ManualEntry.objects.exists()
    not_xlsx = SimpleUploadedFile("s.xlsx", b"PK not really")
    response = client.post(
        f"/api/v1/assessment/schemes/{scheme.pk}/import/", {"file": not_xlsx}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_file"


def test_filed_score_with_evidence_counts_once_approved(
    scheme, townships, province_admin, make_user, api_client
):
    dispatcher = make_user(Role.COUNTY_DISPATCHER, "220102000000", "e_dispatcher")
    url = f"/api/v1/assessment/schemes/{scheme.pk}/entries/"
    body = {"indicator": "P", "object": townships[0].code, "score": 50, "evidence": "台账"}
    too_high = api_client(dispatcher).post(url, body, format="json")
    assert too_high.status_code == 400 and "超过应得分 40.0" in too_high.json()["detail"]
    entry = api_client(dispatcher).post(url, {**body, "score": 36}, format="json").json()
    assert entry["state"] == "submitted"
    revision = scheme_compute(actor=province_admin, scheme=scheme)
    assert revision.results.get(object_code=townships[0].code).score == 0
    review = f"{url}{entry['id']}/review/"
    assert api_client(dispatcher).post(review, {"approve": True}, format="json").status_code == 403
    assert (
        api_client(province_admin).post(review, {"approve": True}, format="json").status_code == 200
    )
    revision = scheme_compute(actor=province_admin, scheme=scheme)
    assert revision.results.get(object_code=townships[0].code).score == 36
    kc = make_user(Role.COUNTY_DISPATCHER, "220103000000", "e_kc")
    assert api_client(kc).get(url).status_code == 404


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_evidence_files_are_reviewed_and_shown_in_the_score(
    scheme, townships, province_admin, make_user, api_client, client, media
):
    """A score filed with evidence files (no text): the reviewer sees the files on the
    entries page, the computed score's explanation links them, and only the assessors
    and the object's own area may download them."""
    t1 = townships[0]
    filer = make_user(Role.COUNTY_DISPATCHER, "220102000000", "e_filer")
    staff = make_user(Role.TOWNSHIP_STAFF, t1.code, "e_staff")
    url = f"/api/v1/assessment/schemes/{scheme.pk}/entries/"
    upload = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    r = api_client(filer).post(
        url,
        {"indicator": "P", "object": t1.code, "score": 30, "files": [upload]},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    entry = r.json()
    assert entry["evidence"] == "" and entry["files"][0]["name"] == "台账.pdf"
    file_url = entry["files"][0]["url"]

    client.force_login(province_admin)
    page = client.get(f"/assessment/schemes/{scheme.pk}/entries/").content.decode()
    assert f'href="{file_url}"' in page and "台账.pdf" in page
    r = client.get(file_url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    api_client(province_admin).post(f"{url}{entry['id']}/review/", {"approve": True})
    scheme_compute(actor=province_admin, scheme=scheme)
    page = client.get(f"/assessment/schemes/{scheme.pk}/objects/{t1.code}/P/").content.decode()
    evidence = page.split('id="evidence"')[1].split("</dd>")[0]
    assert f'href="{file_url}"' in evidence and "台账.pdf" in evidence

    client.force_login(staff)  # the object's own township (not an assessor)
    assert client.get(file_url).status_code == 200
    for outsider in (
        make_user(Role.TOWNSHIP_STAFF, townships[1].code, "e_other"),
        make_user(Role.COUNTY_DISPATCHER, "220103000000", "e_kc"),
    ):
        client.force_login(outsider)
        assert client.get(file_url).status_code == 404


def test_evidence_of_a_forbidden_type_refuses_the_entry(
    scheme, townships, make_user, api_client, media
):
    staff = make_user(Role.COUNTY_DISPATCHER, "220102000000", "e_filer")
    for upload, code in [
        (SimpleUploadedFile("x.html", b"<script>1</script>", "text/html"), "file_type"),
        (SimpleUploadedFile("x.pdf", b"<html>1</html>", "application/pdf"), "file_content"),
    ]:
        r = api_client(staff).post(
            f"/api/v1/assessment/schemes/{scheme.pk}/entries/",
            {"indicator": "P", "object": townships[0].code, "score": 3, "files": [upload]},
            format="multipart",
        )
        assert r.status_code == 400 and r.json()["code"] == code
    # Neither text nor file: no evidence at all.
    r = api_client(staff).post(
        f"/api/v1/assessment/schemes/{scheme.pk}/entries/",
        {"indicator": "P", "object": townships[0].code, "score": 3},
        format="json",
    )
    assert r.status_code == 400 and "佐证材料" in r.json()["detail"]
    assert not ManualEntry.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []
