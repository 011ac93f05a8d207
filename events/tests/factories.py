"""Shared helpers of the events tests (plain functions; the shared fixtures — cast, category,
reported — are in conftest.py)."""

import io


def jpeg_bytes(size=(800, 600), color=(200, 80, 40)) -> bytes:
    """A real JPEG photo of one colour."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()
