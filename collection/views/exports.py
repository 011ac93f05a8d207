"""The personal download link of a background export (collection/exports.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import Http404

from governance.files import stored_file_response

from ..exports import export_file_get

_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def export_download(request, pk):
    found = export_file_get(user=request.user, pk=pk)
    if found is None:
        raise Http404
    export, path = found
    # Personal data: no-store (no shared or browser cache), always a download.
    return stored_file_response(
        f"exports/{path.name}",
        storage=FileSystemStorage(location=settings.MEDIA_ROOT),
        content_type=_TYPES.get(path.suffix, "application/octet-stream"),
        filename=f"gridgov-{export.dataset}{path.suffix}",
    )
