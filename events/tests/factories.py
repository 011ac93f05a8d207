"""Shared helpers of the events tests (plain functions; the shared fixtures — cast, category,
reported — are in conftest.py)."""

import io


def jpeg_bytes(size=(800, 600), color=(200, 80, 40)) -> bytes:
    """A real JPEG photo of one colour."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def photo_upload(name: str = "p.jpg", color=(200, 80, 40)):
    """A JPEG photo as a browser uploads it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(color=color), content_type="image/jpeg")


def report_with(cast, category, *uploads, code: str = "0603", title: str = "井盖破损"):
    """A case reported by the cast's grid worker at their grid, with these files."""
    from events.services import event_report

    return event_report(
        actor=cast.worker,
        title=title,
        category=category(code),
        grid=cast.grid,
        files=list(uploads),
    )
