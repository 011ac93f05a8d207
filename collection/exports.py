"""Exports of scoped lists (XLSX or CSV), masked by the same field policy as every
page and API. Small exports are answered at once; large ones are written by Celery
and the user is notified with a signed, personal download link."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.notifications import notify
from governance.scoping import jurisdiction_paths

from . import policy, selectors

EXPORT_SALT = "collection.export"
EXPORT_LINK_MAX_AGE = 24 * 3600

PEOPLE_COLUMNS = [
    ("name", "姓名"), ("id_number", "证件号码"), ("gender", "性别"), ("birth_date", "出生日期"),
    ("phone", "联系电话"), ("kind", "人口类型"), ("residence_address", "居住地址"),
    ("grid", "所属网格"),
]


def _people_rows(user, filters: dict):
    qs = selectors.person_list(user=user, **filters)
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.name, policy.present(user, "id_number", p.id_number) or "",
            {"male": "男", "female": "女"}.get(p.gender, ""),
            p.birth_date.isoformat() if p.birth_date else "",
            policy.present(user, "phone", p.phone) or "", p.get_kind_display(),
            p.residence_address, p.grid.code,
        ]


def _as_text(ws, value):
    """A value that looks like a formula (=, +, -, @) stays text in Excel: exports must
    never carry a live formula a resident typed into a name or address."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def people_export(*, user, fmt: str = "xlsx", filters: dict | None = None) -> tuple[bytes, int]:
    """The export file's bytes and its row count; audited as a read of personal data."""
    headers = [label for _f, label in PEOPLE_COLUMNS]
    rows = list(_people_rows(user, filters or {}))
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # BOM: Excel opens UTF-8 CSV with Chinese correctly
        writer = csv.writer(buf)
        writer.writerow(headers)
        # The same protection for CSV: a leading apostrophe keeps it text in Excel.
        writer.writerows([[f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v
                           for v in row] for row in rows])
        data = buf.getvalue().encode("utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("实有人口")
        ws.append(headers)
        for row in rows:
            ws.append([_as_text(ws, v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    paths = jurisdiction_paths(user)
    audit_record(actor=user, action="person.export", object_type="collection.person",
                 changes={"rows": [None, len(rows)], "format": [None, fmt],
                          "filters": [None, filters or {}]},
                 area_path=paths[0] if paths else "")
    return data, len(rows)


def people_export_count(*, user, filters: dict | None = None) -> int:
    return selectors.person_list(user=user, **(filters or {})).count()


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def people_export_to_file(*, user, fmt: str, filters: dict) -> str:
    """Background part: write the file, notify the user with a signed link."""
    data, count = people_export(user=user, fmt=fmt, filters=filters)
    name = f"{uuid.uuid4().hex}.{fmt}"
    (export_dir() / name).write_bytes(data)
    token = signing.dumps({"user": user.pk, "file": name}, salt=EXPORT_SALT)
    url = reverse("collection:export-download", args=[token])
    notify(users=[user], kind="export.ready", url=url,
           title=_("导出已完成:实有人口 %(n)d 条") % {"n": count})
    return url


def resolve_download(token: str, user) -> Path | None:
    """The file a signed link points to, if the link is valid and belongs to `user`."""
    try:
        data = signing.loads(token, salt=EXPORT_SALT, max_age=EXPORT_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("user") != user.pk:
        return None
    path = export_dir() / Path(data["file"]).name
    return path if path.exists() else None
