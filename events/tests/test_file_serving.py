"""Issue 11: stored files are served through the scoped view, by Django or by the reverse
proxy (FILES_ACCEL), with long-lived private caching for thumbnails only."""

import pytest

from events.tests.factories import photo_upload, report_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(cast, category, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return report_with(cast, category, photo_upload()).attachments.get()


def test_thumbnails_are_cached_privately_originals_never(client, cast, photo):
    client.force_login(cast.worker)
    thumb = client.get(f"/events/files/{photo.pk}/thumbnail/")
    assert thumb.status_code == 200
    assert thumb["Cache-Control"] == "private, max-age=31536000, immutable"
    assert b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"  # a real JPEG
    original = client.get(f"/events/files/{photo.pk}/")
    assert original["Cache-Control"] == "private, no-store"
    for r in (thumb, original):
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Disposition"].startswith("inline; filename=")


def test_nginx_sends_the_bytes_after_the_scope_check(client, cast, photo, settings):
    settings.FILES_ACCEL = "nginx"
    settings.FILES_ACCEL_PREFIX = "/protected-media/"
    client.force_login(cast.outsider)
    r = client.get(f"/events/files/{photo.pk}/")
    assert r.status_code == 404 and "X-Accel-Redirect" not in r
    client.force_login(cast.dispatcher)
    r = client.get(f"/events/files/{photo.pk}/")
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == f"/protected-media/{photo.file.name}"
    assert r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"
    thumb = client.get(f"/events/files/{photo.pk}/thumbnail/")
    assert thumb["X-Accel-Redirect"] == f"/protected-media/{photo.thumbnail.name}"
    assert "immutable" in thumb["Cache-Control"]


def test_apache_sends_the_absolute_path(client, cast, photo, settings):
    settings.FILES_ACCEL = "apache"
    client.force_login(cast.worker)
    r = client.get(f"/events/files/{photo.pk}/")
    assert r.status_code == 200 and r["X-Sendfile"] == photo.file.path
    assert r["Content-Disposition"].startswith("inline")


def test_a_missing_file_is_404_not_500(client, cast, photo, settings):
    photo.file.storage.delete(photo.file.name)
    client.force_login(cast.worker)
    assert client.get(f"/events/files/{photo.pk}/").status_code == 404
    settings.FILES_ACCEL = "nginx"
    assert client.get(f"/events/files/{photo.pk}/").status_code == 404


def test_an_unknown_accel_mode_is_a_configuration_error(client, cast, photo, settings):
    from django.core.exceptions import ImproperlyConfigured

    from governance.files import accel_mode

    settings.FILES_ACCEL = "lighttpd"
    with pytest.raises(ImproperlyConfigured):
        accel_mode()
    settings.FILES_ACCEL = ""
    assert accel_mode() is None


def test_api_links_photos_to_the_scoped_view(api_client, cast, photo):
    r = api_client(cast.worker).get(f"/api/v1/events/{photo.event.number}/")
    assert r.status_code == 200
    text = r.content.decode()
    assert f"/events/files/{photo.pk}/thumbnail/" in text and "/media/" not in text
    other = api_client(cast.outsider).get(f"/api/v1/events/{photo.event.number}/")
    assert other.status_code == 404
