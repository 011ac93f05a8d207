"""Evidence files (佐证材料) of the apps above: a warning's handling (risk), a hand-filed
score and a progress report (assessment), a command's report and a plan (command), all
models on `events.models.EvidenceFileBase`. Checked like a case's attachments
(events/attachments.py: the type from the content, the size, a random stored name) before
anything is written, and served by `evidence_response` only after the caller found the
owning row through a scoped queryset."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from governance.files import stored_file_response

from .attachments import (
    EXTENSIONS,
    INLINE_TYPES,
    check_upload,
    display_name,
    serve_headers,
    stored_name,
)

MAX_EVIDENCE_FILES = 10


def evidence_check(files) -> list[tuple[object, str]]:
    """(upload, verified type) of every file; a bad one refuses them all."""
    files = list(files or [])
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError(
            _("佐证文件最多 %(n)s 个。") % {"n": MAX_EVIDENCE_FILES}, code="too_many_files"
        )
    return [(upload, check_upload(upload)) for upload in files]


def evidence_store(model, *, actor, checked, **owner) -> list:
    """Store the checked uploads as rows of `model` (owner=…); a failure removes the files
    already written (the transaction rolls back the rows, not the files)."""
    out, written = [], []
    try:
        for upload, content_type in checked:
            item = model(
                content_type=content_type,
                size=upload.size,
                uploaded_by=actor,
                original_name=display_name(upload),
                **owner,
            )
            item.file.save(stored_name(content_type), upload, save=False)
            written.append(item.file)
            item.save()
            out.append(item)
    except BaseException:
        for f in written:
            f.storage.delete(f.name)
        raise
    return out


def evidence_response(item, *, filename_stem: str):
    """The stored file as its verified type under a generated name; inline only for
    media a browser just displays."""
    content_type = item.content_type if item.content_type in EXTENSIONS else None
    content_type = content_type or "application/octet-stream"
    response = stored_file_response(
        item.file.name,
        storage=item.file.storage,
        content_type=content_type,
        filename=f"{filename_stem}{EXTENSIONS.get(content_type, '.bin')}",
        inline=content_type.startswith(INLINE_TYPES),
    )
    for header, value in serve_headers(content_type).items():
        response.setdefault(header, value)
    return response
