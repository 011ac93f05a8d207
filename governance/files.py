"""Serving stored files (uploads, exports) after the caller's own scope check.

There is no public media directory: every file is answered by a view that first finds
the owning object through the user's scoped queryset (404 otherwise) and then calls
`stored_file_response`. Behind a reverse proxy the bytes themselves can be sent by the
proxy (`FILES_ACCEL`): "nginx" answers with `X-Accel-Redirect` to an `internal` location
(`FILES_ACCEL_PREFIX`, mapped to MEDIA_ROOT), "apache" with `X-Sendfile` (mod_xsendfile);
unset, Django streams the file itself. The headers are the same either way.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

ACCEL_MODES = ("nginx", "apache")
# Files under random names never change: a year, in the browser only (personal data).
IMMUTABLE = "private, max-age=31536000, immutable"
NO_STORE = "private, no-store"


def accel_mode() -> str | None:
    mode = (getattr(settings, "FILES_ACCEL", None) or "").strip().lower() or None
    if mode is not None and mode not in ACCEL_MODES:
        raise ImproperlyConfigured(f"FILES_ACCEL must be one of {ACCEL_MODES} or empty")
    return mode


def stored_file_response(
    name: str,
    *,
    content_type: str,
    filename: str,
    inline: bool = False,
    immutable: bool = False,
    storage=None,
) -> HttpResponse:
    """The response for a stored file `name` (relative to the storage root, as in a
    FileField). `immutable` only for derived files under random names (thumbnails):
    originals and exports are `no-store`, so a revoked right is not outlived by a
    cache. A missing file is a 404, never a 500."""
    storage = storage or default_storage
    # The proxy can send only files on its own disk: from an object store Django streams.
    mode = accel_mode() if isinstance(storage, FileSystemStorage) else None
    if not name or ".." in name.split("/"):
        raise Http404
    disposition = content_disposition_header(not inline, filename)
    if mode is None:
        try:
            fh = storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Http404 from None
        response = FileResponse(fh, content_type=content_type)
    else:
        if not storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        if mode == "nginx":
            prefix = settings.FILES_ACCEL_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
        else:
            response["X-Sendfile"] = storage.path(name)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = IMMUTABLE if immutable else NO_STORE
    return response
