"""Checking, storing and serving uploads.

What a file is comes from its content (magic numbers, and for images a real decode
of the header), never from the name or the Content-Type the client sent: an HTML page
declared as `video/mp4` or named `poly.svg` is refused or stored as what it really is.
Every file is stored under a random name whose extension is derived from the verified
type, so no stored name is predictable or chosen by the uploader; the original name is
kept only as display text. The write itself is `attachments_save` in services.py; this
module knows nothing of the models. Files are served by `attachment_download` (events/views.py)
after the owning case's scope check, never from a public media directory.
"""

from __future__ import annotations

import io
import struct
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

THUMBNAIL_SIZE = (320, 320)

# Verified content type → stored extension. Everything stored gets one of these.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "audio/mp4": ".m4a",
    "audio/mpeg": ".mp3",
    "audio/amr": ".amr",
    "audio/wav": ".wav",
}
# Declared types that say nothing (API clients often send these): the content decides.
UNDECLARED = {"", "application/octet-stream"}
_AUDIO_MP4_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_HEAD = 64


def _mp3_frame(b: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid version, layer, bitrate and
    sampling rate (so a JPEG's FF D8 or random bytes are not taken for audio)."""
    if len(b) < 4 or b[0] != 0xFF or (b[1] & 0xE0) != 0xE0:
        return False
    version, layer = (b[1] >> 3) & 3, (b[1] >> 1) & 3
    bitrate, rate = b[2] >> 4, (b[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _mp3(upload, head: bytes) -> bool:
    if head.startswith(b"ID3"):
        # ID3v2 tag: version 2–4, then a 28-bit "syncsafe" size; audio frames follow it.
        if len(head) < 10 or head[3] not in (2, 3, 4) or any(x & 0x80 for x in head[6:10]):
            return False
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        upload.seek(10 + size + (10 if head[5] & 0x10 else 0))
        frame = upload.read(4)
        upload.seek(0)
        return _mp3_frame(frame)
    return _mp3_frame(head)


def _ftyp(head: bytes) -> str | None:
    """ISO base media (MP4/M4A): the first box is `ftyp` with a plausible size."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    (size,) = struct.unpack(">I", head[:4])
    if not 16 <= size <= 4096:
        return None
    brand = head[8:12]
    if brand in _AUDIO_MP4_BRANDS:
        return "audio/mp4"
    if brand.startswith(b"3g") or brand == b"qt  ":
        return None  # 3GPP / QuickTime: not among the accepted types
    return "video/mp4"


def sniff(upload) -> str | None:
    """The content type the bytes really are, among those GridGov knows; else None."""
    upload.seek(0)
    head = upload.read(_HEAD)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"#!AMR\n") or head.startswith(b"#!AMR-WB\n"):
        return "audio/amr"
    mp4 = _ftyp(head)
    if mp4:
        return mp4
    if _mp3(upload, head):
        return "audio/mpeg"
    return None


def _check_image(upload, content_type: str) -> None:
    """Open the image header: refuse what is not decodable and decompression bombs (a few
    kB that claim 20000×20000 pixels) before anything is decoded or stored."""
    from PIL import Image, UnidentifiedImageError

    fmt, too_large = None, True
    try:
        with Image.open(upload) as img:  # reads the header only
            fmt = img.format
            too_large = img.size[0] * img.size[1] > settings.EVENT_IMAGE_MAX_PIXELS
    except Image.DecompressionBombError:
        pass  # Pillow's own limit (twice MAX_IMAGE_PIXELS): certainly too large
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("图片无法识别:%(name)s") % {"name": display_name(upload)}, code="file_content"
        ) from None
    finally:
        upload.seek(0)
    if too_large:
        raise ValidationError(
            _("图片像素过多(上限 %(m)d 万像素):%(name)s")
            % {"m": settings.EVENT_IMAGE_MAX_PIXELS // 10_000, "name": display_name(upload)},
            code="image_too_large",
        )
    if {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(fmt) != content_type:
        raise ValidationError(
            _("图片无法识别:%(name)s") % {"name": display_name(upload)}, code="file_content"
        )


def display_name(upload) -> str:
    return (getattr(upload, "name", "") or "")[-100:]


def check_upload(upload) -> str:
    """Return the verified content type of a valid upload, or raise a clear ValidationError.

    The client's declared type may only narrow things (a declared type we do not accept is
    refused at once); the stored type is always the one found in the content."""
    declared = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    accepted = settings.EVENT_ATTACHMENT_TYPES
    if declared not in UNDECLARED and declared not in accepted:
        raise ValidationError(
            _("不支持的文件类型:%(t)s(允许图片、PDF、音视频)") % {"t": declared[:100]},
            code="file_type",
        )
    if upload.size > settings.EVENT_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("文件过大:%(n).1f MB,上限 %(m)d MB")
            % {"n": upload.size / 1e6, "m": settings.EVENT_ATTACHMENT_MAX_BYTES // 2**20},
            code="file_size",
        )
    content_type = sniff(upload)
    if content_type is None or content_type not in accepted:
        raise ValidationError(
            _("文件内容与类型不符:%(name)s") % {"name": display_name(upload)}, code="file_content"
        )
    if content_type.startswith("image/"):
        _check_image(upload, content_type)
    return content_type


def stored_name(content_type: str) -> str:
    """A random file name with the extension of the verified type."""
    return f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}"


def thumbnail_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size of an image of `size` shrunk into THUMBNAIL_SIZE, its aspect kept."""
    w, h = size
    scale = min(THUMBNAIL_SIZE[0] / w, THUMBNAIL_SIZE[1] / h, 1.0)
    return max(1, round(w * scale)), max(1, round(h * scale))


def make_thumbnail(upload, content_type: str) -> ContentFile | None:
    """A JPEG re-encoding of an image (checked by `check_upload` first)."""
    if not content_type.startswith("image/"):
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as img:
            # JPEG: decoded straight at about the thumbnail's own size (libjpeg scales by
            # 1/2, 1/4 or 1/8 while decoding). Asking for the box (320×320) kept a 1280×960
            # photo at 640×480 — four times the pixels — since both sides must reach it.
            img.draft("RGB", thumbnail_size(img.size))
            img = img.convert("RGB")
            img.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationError(
            _("图片无法识别:%(name)s") % {"name": display_name(upload)}, code="file_content"
        ) from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=stored_name("image/jpeg"))


# How a served file is presented: media the browser only displays may be inline;
# anything else (PDF) is downloaded.
INLINE_TYPES = ("image/", "audio/", "video/")


def serve_headers(content_type: str) -> dict[str, str]:
    """Headers on top of those of `governance.files.stored_file_response` (nosniff,
    Content-Disposition, Cache-Control)."""
    return {
        "X-Content-Type-Options": "nosniff",
        # Even opened directly, the file is a sandboxed document that can run nothing.
        "Content-Security-Policy": "default-src 'none'; media-src 'self'; img-src 'self'; "
        "style-src 'unsafe-inline'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
