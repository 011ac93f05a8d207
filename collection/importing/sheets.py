"""The spreadsheets an import hands back to the user: the error report of a job (its
rejected rows with the reason per column) and the template of a dataset to fill in."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from openpyxl.styles import Font

from .. import policy
from ..extra_fields import extra_schema
from ..models import ImportJob
from .checks import required_headers
from .files import REASON, ROW_NUMBER
from .specs import Spec, spec_for


def _shown(user, job: ImportJob, spec: Spec, column: str, value: str) -> str:
    """The uploader gets their cells back as sent; anyone else through the field policy."""
    protected = spec.protected.get(column)
    if protected is None or user.pk == job.created_by_id:
        return value
    return policy.present(user, protected, value, area_path=job.area_path) or ""


def _text_cells(ws, first_col: int, last_col: int) -> None:
    for column in ws.iter_cols(min_row=2, min_col=first_col, max_col=last_col):
        for cell in column:
            cell.number_format = "@"  # Excel keeps ID numbers as text when edited
            cell.data_type = "s"  # a cell sent as "=…" comes back as text, not a formula


def _xlsx(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_report(*, user, job: ImportJob) -> bytes | None:
    """XLSX of the rejected rows: 原行号, the file's columns, 错误原因. None if none."""
    rows = list(job.rows.all())
    if not rows:
        return None
    spec = spec_for(job.dataset)
    columns = list(json.loads(rows[0].data))
    order = columns + [c for c in spec.headers if c not in columns]  # jsonb loses the order
    wb = Workbook()
    ws = wb.active
    ws.title = "错误行"
    ws.append([ROW_NUMBER, *columns, REASON])
    for r in rows:
        data = json.loads(r.data)
        reason = ";".join(f"{c}:{r.errors[c]}" for c in order if c in r.errors)
        ws.append(
            [r.row_number, *(_shown(user, job, spec, c, data.get(c, "")) for c in columns), reason]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _text_cells(ws, 2, len(columns) + 1)
    ws.freeze_panes = "A2"
    return _xlsx(wb)


def import_template(*, dataset: str) -> bytes:
    """An XLSX to fill in: the dataset's headers (extra fields included) and an example
    row, text-formatted so ID numbers stay whole, and a sheet explaining each column."""
    spec, schema = spec_for(dataset), extra_schema(dataset)
    props = (schema or {}).get("properties") or {}
    extra = [(str(prop.get("title") or key), key) for key, prop in props.items()]
    headers = [*spec.headers, *(title for title, _k in extra)]
    wb = Workbook()
    ws = wb.active
    ws.title = str(spec.label)
    ws.append(headers)
    ws.append([c.example for c in spec.columns] + ["" for _e in extra])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _text_cells(ws, 1, len(headers))
    for i, header in enumerate(headers):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(12, 2 * len(header) + 4)
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    required = set(required_headers(spec, schema))
    for c in spec.columns:
        notes.append([c.header, "是" if c.header in required else "", str(c.hint)])
    for title, key in extra:
        prop = props.get(key, {})
        hint = "、".join(str(v) for v in prop.get("enum", [])) or prop.get("description", "")
        notes.append([title, "是" if title in required else "", f"扩展字段 {key} {hint}".strip()])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width, notes.column_dimensions["C"].width = 20, 60
    return _xlsx(wb)
