"""Checking uploads and making thumbnails."""

from __future__ import annotations

import io
import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

THUMBNAIL_SIZE = (320, 320)

# Magic numbers: the declared type must match what the file really is.
SIGNATURES = {
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/webp": [b"RIFF"],
    "application/pdf": [b"%PDF"],
}


def check_upload(upload) -> str:
    """Return the content type of a valid upload, or raise a clear ValidationError."""
    content_type = getattr(upload, "content_type", None) or (
        mimetypes.guess_type(upload.name)[0] or "application/octet-stream")
    if content_type not in settings.EVENT_ATTACHMENT_TYPES:
        raise ValidationError(
            _("不支持的文件类型:%(t)s(允许图片、PDF、音视频)") % {"t": content_type},
            code="file_type")
    if upload.size > settings.EVENT_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("文件过大:%(n).1f MB,上限 %(m)d MB") % {
                "n": upload.size / 1e6, "m": settings.EVENT_ATTACHMENT_MAX_BYTES // 2**20},
            code="file_size")
    head = upload.read(16)
    upload.seek(0)
    if content_type in SIGNATURES and not any(head.startswith(s) for s in
                                              SIGNATURES[content_type]):
        raise ValidationError(_("文件内容与类型不符:%(name)s") % {"name": upload.name},
                              code="file_content")
    return content_type


def make_thumbnail(upload, content_type: str) -> ContentFile | None:
    if not content_type.startswith("image/"):
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as img:
            img = img.convert("RGB")
            img.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError):
        raise ValidationError(_("图片无法识别:%(name)s") % {"name": upload.name},
                              code="file_content") from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")
