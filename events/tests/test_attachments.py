import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.services import event_report

pytestmark = pytest.mark.django_db


def jpeg_bytes(size=(800, 600)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def report_with(cast, category, upload):
    return event_report(actor=cast.worker, title="井盖破损", category=category("0603"),
                        grid=cast.grid, files=[upload])


def test_photo_is_stored_with_a_thumbnail(cast, category, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    e = report_with(cast, category, SimpleUploadedFile("a.jpg", jpeg_bytes(),
                                                       content_type="image/jpeg"))
    att = e.attachments.get()
    assert att.content_type == "image/jpeg" and att.size > 0
    from PIL import Image

    with Image.open(att.thumbnail.path) as thumb:
        assert max(thumb.size) <= 320


@pytest.mark.parametrize("upload, code", [
    (SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/x-msdownload"),
     "file_type"),
    (SimpleUploadedFile("fake.jpg", b"not really a jpeg", content_type="image/jpeg"),
     "file_content"),
])
def test_bad_uploads_are_refused_and_nothing_is_saved(cast, category, upload, code, settings,
                                                       tmp_path):
    from django.core.exceptions import ValidationError

    from events.models import Event

    settings.MEDIA_ROOT = str(tmp_path)
    before = Event.objects.count()
    with pytest.raises(ValidationError) as err:
        report_with(cast, category, upload)
    assert err.value.code == code
    assert Event.objects.count() == before


def test_oversized_upload_is_refused(cast, category, settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.MEDIA_ROOT = str(tmp_path)
    settings.EVENT_ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as err:
        report_with(cast, category, SimpleUploadedFile("a.jpg", jpeg_bytes(),
                                                       content_type="image/jpeg"))
    assert err.value.code == "file_size"
