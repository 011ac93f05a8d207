"""The personal download link of a background export (collection/exports.py)."""

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
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
    export, name = found
    suffix = PurePath(name).suffix
    # Personal data: no-store (no shared or browser cache), always a download.
    return stored_file_response(
        name,
        content_type=_TYPES.get(suffix, "application/octet-stream"),
        filename=f"gridgov-{export.dataset}{suffix}",
    )
