"""Evidence files of the 处置 (handle) step: checked like an event's attachments (type from
the content, random stored name, a bad file refuses the whole step and stores nothing),
served only to users who may see the warning (404 otherwise). API and page."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.tests.factories import jpeg_bytes
from risk.models import Warning, WarningEvidence
from risk.tasks import evaluate_rules_task
from risk.tests.factories import person_make, rule_make, tag_make

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def warning(worker, grid):
    p = person_make(actor=worker, grid=grid, name="赵六")
    tag_make(p, "drug")
    tag_make(p, "mental", risk_level=3)
    rule = rule_make(
        factors=[{"code": "tag", "weight": 10}, {"code": "mental_risk", "weight": 5}],
        unit_level=6,
    )
    evaluate_rules_task()
    return Warning.objects.get(rule=rule, subject_id=p.pk)


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def test_api_handle_with_files_and_scoped_download(
    warning, api_client, client, worker, kc_worker, media
):
    c = api_client(worker)
    r = c.post(
        f"/api/v1/warnings/{warning.pk}/actions/handle/",
        {
            "note": "已上门谈话",
            "evidence": "谈话记录见附件",
            "files": [
                SimpleUploadedFile("现场照片.jpg", jpeg_bytes(), content_type="image/jpeg"),
                # declared as nothing in particular: the content decides
                SimpleUploadedFile("记录", PDF, content_type="application/octet-stream"),
            ],
        },
        format="multipart",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "handled"
    assert [(f["name"], f["content_type"]) for f in body["files"]] == [
        ("现场照片.jpg", "image/jpeg"),
        ("记录", "application/pdf"),
    ]
    photo, pdf = WarningEvidence.objects.filter(warning=warning).order_by("id")
    # Random stored names with the verified type's extension, never the uploader's name.
    assert photo.file.name.startswith("risk/") and photo.file.name.endswith(".jpg")
    assert pdf.file.name.endswith(".pdf") and "记录" not in pdf.file.name
    assert len(_stored(media)) == 2

    client.force_login(worker)
    r = client.get(body["files"][0]["url"])
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == jpeg_bytes()
    r = client.get(pdf.get_absolute_url())
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")  # a PDF is downloaded

    # Another county: neither the warning nor its files exist.
    client.force_login(kc_worker)
    assert client.get(photo.get_absolute_url()).status_code == 404
    assert client.get(pdf.get_absolute_url()).status_code == 404
    assert client.get("/warnings/files/999999/").status_code == 404


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("x.html", b"<script>alert(1)</script>", "text/html"), "file_type"),
        (SimpleUploadedFile("poly.jpg", b"<html><script>1</script>", "image/jpeg"), "file_content"),
    ],
)
def test_a_bad_file_refuses_the_step_and_stores_nothing(
    warning, api_client, worker, media, upload, code
):
    r = api_client(worker).post(
        f"/api/v1/warnings/{warning.pk}/actions/handle/",
        {"note": "已处置", "files": [upload]},
        format="multipart",
    )
    assert r.status_code == 400 and r.json()["code"] == code
    warning.refresh_from_db()
    assert warning.status == "issued" and not warning.note
    assert not WarningEvidence.objects.exists() and _stored(media) == []


def test_too_many_files_are_refused(warning, worker, media):
    from django.core.exceptions import ValidationError

    from events.evidence import MAX_EVIDENCE_FILES
    from risk.services import warning_handle

    files = [
        SimpleUploadedFile(f"{i}.pdf", PDF, content_type="application/pdf")
        for i in range(MAX_EVIDENCE_FILES + 1)
    ]
    with pytest.raises(ValidationError) as err:
        warning_handle(actor=worker, warning=warning, note="已处置", files=files)
    assert err.value.code == "too_many_files"
    assert not WarningEvidence.objects.exists() and _stored(media) == []


def test_an_outsider_cannot_hand_in_files(warning, api_client, kc_worker, make_user, media):
    from governance.roles import Role

    auditor = make_user(Role.AUDITOR, "220102000000", "r_ev_auditor")
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    r = api_client(kc_worker).post(
        f"/api/v1/warnings/{warning.pk}/actions/handle/",
        {"note": "x", "files": [photo]},
        format="multipart",
    )
    assert r.status_code == 404
    # The county's auditor sees the warning but may not act on it.
    photo.seek(0)
    r = api_client(auditor).post(
        f"/api/v1/warnings/{warning.pk}/actions/handle/",
        {"note": "x", "files": [photo]},
        format="multipart",
    )
    assert r.status_code == 403
    assert not WarningEvidence.objects.exists() and _stored(media) == []


def test_page_handle_form_uploads_and_lists_the_files(warning, client, worker, media):
    client.force_login(worker)
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    r = client.post(
        f"/warnings/{warning.pk}/",
        {
            "action": "handle",
            "note": "已落实稳控措施",
            "files": [SimpleUploadedFile("照片.png", _png(), content_type="image/png")],
        },
    )
    assert r.status_code == 302
    item = WarningEvidence.objects.get(warning=warning)
    assert item.content_type == "image/png" and item.uploaded_by == worker
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert item.get_absolute_url() in page and "照片.png" in page
    # A bad file on the page: 400 with the message, the warning unchanged.
    other = Warning.objects.filter(pk=warning.pk)
    other.update(status="acknowledged")
    r = client.post(
        f"/warnings/{warning.pk}/",
        {"action": "handle", "note": "x", "files": [SimpleUploadedFile("a.pdf", b"no pdf")]},
    )
    assert r.status_code == 400
    assert other.get().status == "acknowledged"
    assert WarningEvidence.objects.filter(warning=warning).count() == 1


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()
