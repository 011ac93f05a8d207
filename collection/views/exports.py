"""The personal download link of a background export (collection/exports.py)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from ..exports import export_file_get


@login_required
def export_download(request, pk):
    found = export_file_get(user=request.user, pk=pk)
    if found is None:
        raise Http404
    export, path = found
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=f"gridgov-{export.dataset}{path.suffix}"
    )
    response["Cache-Control"] = "private, no-store"  # personal data: no shared caches
    return response
