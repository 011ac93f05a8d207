"""The audit log as a spreadsheet (XLSX, Chinese headers, opens in Excel/WPS).

Scoped by the caller's selector, masked and labelled like the page, capped, and itself
audited (`audit.export`, with the filters used and the number of rows)."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record, scrub, scrub_text
from .audit_labels import label_rows
from .roles import Action
from .scoping import jurisdiction_paths

MAX_ROWS = 100_000
_CHUNK = 2_000


def _headers() -> list[str]:
    return [
        _("时间"),
        _("操作人"),
        _("操作"),
        _("对象类型"),
        _("对象"),
        _("对象标识"),
        _("变更内容"),
        _("区域路径"),
        _("来源地址"),
    ]


def audit_log_xlsx(*, actor, rows, filters: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("审计日志"))
    for i, width in enumerate((20, 22, 22, 14, 30, 12, 60, 24, 16), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(_headers())
    written = 0
    rows = rows[:MAX_ROWS]
    batch = []
    for row in rows.iterator(chunk_size=_CHUNK):
        batch.append(row)
        if len(batch) == _CHUNK:
            written += _write(ws, batch)
            batch = []
    written += _write(ws, batch)
    out = io.BytesIO()
    wb.save(out)
    paths = jurisdiction_paths(actor, Action.AUDIT)
    # The rows were read outside a transaction of the primary (one statement, one
    # snapshot), so that inside lag_tolerant() they come from the replica. The row saying
    # who exported what is written to the primary once the file is built, before it is
    # handed out: no file without its row, and no row for a file that failed.
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="audit.export",
            object_type="governance.auditlog",
            object_repr=_("审计日志导出"),
            changes={"filters": filters, "rows": written},
            area_path=paths[0] if len(paths) == 1 else "",
        )
    return out.getvalue()


def _write(ws, batch) -> int:
    for row in batch:
        row.changes, row.object_repr = scrub(row.changes), scrub_text(row.object_repr)
    for row in label_rows(batch):
        ws.append(
            [
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.actor_label,
                row.action_label,
                row.object_type_label,
                row.object_repr,
                row.object_id,
                row.changes_text,
                row.area_path,
                row.ip or "",
            ]
        )
    return len(batch)
