import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.services import event_report
from events.tests.factories import jpeg_bytes, report_with

pytestmark = pytest.mark.django_db


def test_photo_is_stored_with_a_thumbnail(cast, category, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    e = report_with(
        cast, category, SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    )
    att = e.attachments.get()
    assert att.content_type == "image/jpeg" and att.size > 0
    from PIL import Image

    with Image.open(att.thumbnail.path) as thumb:
        assert thumb.size == (320, 240)  # 800×600 shrunk into 320×320, its aspect kept


def test_a_photo_is_decoded_at_about_its_thumbnail_size(monkeypatch):
    """A 1280×960 JPEG is decoded at 1/4 scale (320×240), not at 1/2: both sides of the
    decoded image only need to reach the thumbnail's, not the 320×320 box."""
    from PIL import JpegImagePlugin

    from events.attachments import make_thumbnail, thumbnail_size

    assert thumbnail_size((1280, 960)) == (320, 240)
    assert thumbnail_size((960, 1280)) == (240, 320)
    assert thumbnail_size((100, 50)) == (100, 50)  # never enlarged
    assert thumbnail_size((5000, 10)) == (320, 1)
    drafts = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def recording(self, mode, size):
        result = draft(self, mode, size)
        drafts.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording)
    upload = SimpleUploadedFile("b.jpg", jpeg_bytes((1280, 960)), content_type="image/jpeg")
    thumb = make_thumbnail(upload, "image/jpeg")
    assert drafts == [(320, 240)]
    from PIL import Image

    with Image.open(thumb) as img:
        assert img.size == (320, 240)


@pytest.mark.parametrize(
    "upload, code",
    [
        (
            SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/x-msdownload"),
            "file_type",
        ),
        (
            SimpleUploadedFile("fake.jpg", b"not really a jpeg", content_type="image/jpeg"),
            "file_content",
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(
    cast, category, upload, code, settings, tmp_path
):
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
        report_with(
            cast, category, SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
        )
    assert err.value.code == "file_size"


# -- issue 8 #10: content decides the type, names are random, bombs refused, scoped serving


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 20000))
        + chunk(b"IEND", b"")
    )


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" * 4
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A mp42isom" + b"\x00" * 32
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 400
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + MP3_FRAME
AMR = b"#!AMR\n" + b"\x3c" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 40
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "name, declared, body",
    [
        ("evil.html", "video/mp4", HTML),  # what the probe stored as evil.html
        ("evil.mp4", "video/mp4", HTML),
        ("a.mp3", "audio/mpeg", HTML),
        ("a.mp3", "audio/mpeg", b"\xff\xd8" + HTML),  # not a frame header
        ("a.m4a", "audio/mp4", b"\x00\x00\x00\x18ftyp3gp4" + b"\x00" * 40),  # 3GPP, not accepted
        ("a.mp4", "", b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 40),
        ("x.pdf", "application/pdf", b"%PDx" + HTML),
        ("x.webp", "image/webp", b"RIFF\x00\x00\x00\x00WAVX" + HTML),
        ("x.svg", "application/octet-stream", b"<svg onload=alert(1)>"),
    ],
)
def test_content_that_is_not_what_is_accepted_is_refused(
    cast, category, settings, tmp_path, name, declared, body
):
    from django.core.exceptions import ValidationError

    from events.models import Event

    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(ValidationError) as err:
        report_with(cast, category, SimpleUploadedFile(name, body, content_type=declared))
    assert err.value.code == "file_content"
    assert Event.objects.count() == 0 and _files(tmp_path) == []


@pytest.mark.parametrize(
    "body, expected, ext",
    [
        (MP4, "video/mp4", ".mp4"),
        (M4A, "audio/mp4", ".m4a"),
        (MP3_FRAME, "audio/mpeg", ".mp3"),
        (MP3_ID3, "audio/mpeg", ".mp3"),
        (AMR, "audio/amr", ".amr"),
        (WAV, "audio/wav", ".wav"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", ".pdf"),
    ],
)
def test_audio_video_and_pdf_are_verified_and_named_by_content(
    cast, category, settings, tmp_path, body, expected, ext
):
    settings.MEDIA_ROOT = str(tmp_path)
    # The client's name and type say something else: neither is used.
    e = report_with(
        cast,
        category,
        SimpleUploadedFile("录音 clip.html", body, content_type="application/octet-stream"),
    )
    att = e.attachments.get()
    assert att.content_type == expected and att.original_name == "录音 clip.html"
    assert att.file.name.endswith(ext) and "clip" not in att.file.name
    assert not att.thumbnail


def test_polyglot_is_stored_as_the_image_it_is_under_a_random_name(
    cast, category, settings, tmp_path
):
    """Issue 8 #10: JPEG+HTML polyglots were stored as poly.html / poly.svg."""
    settings.MEDIA_ROOT = str(tmp_path)
    poly = jpeg_bytes() + HTML
    e = event_report(
        actor=cast.worker,
        title="井盖破损",
        category=category("0603"),
        grid=cast.grid,
        files=[
            SimpleUploadedFile("poly.html", poly, content_type="image/jpeg"),
            SimpleUploadedFile("poly.svg", poly, content_type="image/jpeg"),
        ],
    )
    names = [a.file.name for a in e.attachments.order_by("pk")]
    assert len(names) == 2 and len(set(names)) == 2
    for n in names:
        # events/<32 random hex>.jpg: no event number, no client name or extension.
        assert re.fullmatch(r"events/[0-9a-f]{32}\.jpg", n), n
        assert e.number not in n
    assert {a.content_type for a in e.attachments.all()} == {"image/jpeg"}
    stored = {p.suffix for p in _files(tmp_path)}
    assert stored == {".jpg"}


def test_declared_type_outside_the_accepted_list_is_refused(cast, category, settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(ValidationError) as err:
        report_with(
            cast,
            category,
            SimpleUploadedFile("poly.html", jpeg_bytes() + HTML, content_type="text/html"),
        )
    assert err.value.code == "file_type" and _files(tmp_path) == []


def test_decompression_bomb_is_refused_and_nothing_is_kept(cast, category, settings, tmp_path):
    """Issue 8 #10: a 20 kB PNG claiming 20000×20000 pixels gave a 500 and stayed on disk."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from events.models import Event

    settings.MEDIA_ROOT = str(tmp_path)
    bomb = png_header(20000, 20000)
    assert len(bomb) < 20_000
    # A good photo first: a refused second file must not leave the first one behind.
    files = [
        SimpleUploadedFile("ok.jpg", jpeg_bytes(), content_type="image/jpeg"),
        SimpleUploadedFile("bomb.png", bomb, content_type="image/png"),
    ]
    with pytest.raises(ValidationError) as err:
        event_report(
            actor=cast.worker,
            title="井盖破损",
            category=category("0603"),
            grid=cast.grid,
            files=files,
        )
    assert err.value.code == "image_too_large" and "像素过多" in err.value.messages[0]
    assert Event.objects.count() == 0 and _files(tmp_path) == []
    with translation.override("en"):
        with pytest.raises(ValidationError) as err:
            report_with(
                cast, category, SimpleUploadedFile("bomb.png", bomb, content_type="image/png")
            )
        assert "too many pixels" in err.value.messages[0]
    # Below the limit but above Pillow's own bomb threshold is refused the same way.
    settings.EVENT_IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as err:
        report_with(
            cast,
            category,
            SimpleUploadedFile("b.png", png_header(100, 100), content_type="image/png"),
        )
    assert err.value.code == "image_too_large"


def test_decompression_bomb_through_the_api_is_a_clear_400(api_client, cast, settings, tmp_path):
    from events.models import Event

    settings.MEDIA_ROOT = str(tmp_path)
    g = cast.grid
    r = api_client(cast.worker).post(
        "/api/v1/events/",
        {
            "title": "垃圾堆放",
            "category": "0501",
            "lng": g.centroid.x,
            "lat": g.centroid.y,
            "files": [
                SimpleUploadedFile("p.png", png_header(20000, 20000), content_type="image/png")
            ],
        },
        format="multipart",
    )
    assert r.status_code == 400, r.content
    assert "像素过多" in r.json()["detail"]
    assert Event.objects.count() == 0 and _files(tmp_path) == []


def test_uploads_are_served_only_within_the_cases_scope(client, cast, category, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    e = report_with(
        cast,
        category,
        SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
        SimpleUploadedFile("d.pdf", b"%PDF-1.4\n" + HTML, content_type="application/pdf"),
    )
    photo, pdf = e.attachments.order_by("pk")
    url = f"/events/files/{photo.pk}/"
    assert client.get(url).status_code == 302  # login first
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}thumbnail/").status_code == 404
    client.force_login(cast.dispatcher)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert (
        r["Content-Disposition"].startswith("inline")
        and f"{e.number}-{photo.pk}.jpg" in r["Content-Disposition"]
    )
    assert b"".join(r.streaming_content) == photo.file.open("rb").read()
    thumb = client.get(f"{url}thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    r = client.get(f"/events/files/{pdf.pk}/")
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")
    assert client.get(f"/events/files/{pdf.pk}/thumbnail/").status_code == 404
    # The case page and the API link to the scoped view, never to a media URL.
    page = client.get(f"/events/{e.number}/").content.decode()
    assert f"/events/files/{photo.pk}/thumbnail/" in page and "/media/" not in page


def test_media_directory_is_not_served():
    from django.conf import settings
    from django.urls import Resolver404, resolve

    for path in (
        "/media/events/x.jpg",
        f"/{settings.MEDIA_URL.strip('/')}/imports/x.csv",
        "/media/exports/x.csv",
    ):
        with pytest.raises(Resolver404):
            resolve(path)
