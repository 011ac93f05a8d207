"""Exports of scoped lists (XLSX or CSV), masked by the same field policy as every
page and API. Small exports are answered at once; large ones are written by Celery
and the user is notified with a personal download link, which opens only in their own
session and only until the file expires (EXPORT_FILE_HOURS); the file and its row are
then deleted."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from governance.audit import audit_record
from governance.notifications import Text, notify
from governance.replica import lag_tolerant
from governance.scoping import jurisdiction_paths

from . import policy, selectors
from .models import ExportFile


@dataclass(frozen=True)
class ExportSpec:
    """One exportable list: its scoped selector, the filters it takes, its columns."""

    dataset: str
    label: str  # sheet name and notification text
    action: str  # audit action, e.g. "person.export"
    object_type: str
    filters: tuple[str, ...]
    rows: Callable[..., QuerySet]  # (user=…, **filters) -> the scoped queryset
    columns: tuple[tuple[str, Callable], ...]  # (header, (user, obj) -> cell)


def _date(value) -> str:
    """ISO date, or a masked date ('199*-**-**') as the policy gave it."""
    return value.isoformat() if hasattr(value, "isoformat") else (value or "")


def _point(obj) -> str:
    return f"{obj.location.x:.6f},{obj.location.y:.6f}" if obj.location else ""


GENDERS = {"male": "男", "female": "女"}
# The background export (collection/tasks.py, which imports this module): queued by name.
EXPORT_TASK = "collection.tasks.export_dataset_task"


def _protected(user, obj, field: str):
    return policy.present(user, field, getattr(obj, field), area_path=obj.area_path) or ""


EXPORTS = {
    spec.dataset: spec
    for spec in (
        ExportSpec(
            "people",
            "实有人口",
            "person.export",
            "collection.person",
            ("q", "id_number", "tag", "kind", "grid"),
            selectors.person_list,
            (
                ("姓名", lambda u, p: p.name),
                ("证件号码", lambda u, p: _protected(u, p, "id_number")),
                ("性别", lambda u, p: GENDERS.get(p.gender, "")),
                ("出生日期", lambda u, p: _date(_protected(u, p, "birth_date"))),
                ("联系电话", lambda u, p: _protected(u, p, "phone")),
                ("人口类型", lambda u, p: p.get_kind_display()),
                ("居住地址", lambda u, p: p.residence_address),
                ("所属网格", lambda u, p: p.grid.code),
            ),
        ),
        ExportSpec(
            "houses",
            "实有房屋",
            "house.export",
            "collection.house",
            ("q", "use", "grid"),
            selectors.house_list,
            (
                ("地址", lambda u, h: h.address),
                ("用途", lambda u, h: h.get_use_display()),
                ("产权人", lambda u, h: h.owner_name),
                ("居住人数", lambda u, h: h.resident_count),
                ("经纬度", lambda u, h: _point(h)),
                ("所属网格", lambda u, h: h.grid.code),
            ),
        ),
        ExportSpec(
            "organisations",
            "组织",
            "organisation.export",
            "collection.organisation",
            ("q", "kind", "grid"),
            selectors.organisation_list,
            (
                ("名称", lambda u, o: o.name),
                ("统一社会信用代码", lambda u, o: o.credit_code),
                ("类型", lambda u, o: o.get_kind_display()),
                ("法定代表人", lambda u, o: o.legal_person),
                ("地址", lambda u, o: o.address),
                ("经纬度", lambda u, o: _point(o)),
                ("所属网格", lambda u, o: o.grid.code),
            ),
        ),
        ExportSpec(
            "places",
            "重点场所",
            "place.export",
            "collection.place",
            (),
            selectors.place_list,
            (
                ("名称", lambda u, p: p.name),
                ("类型", lambda u, p: p.get_kind_display()),
                ("地址", lambda u, p: p.address),
                ("经纬度", lambda u, p: _point(p)),
                ("所属网格", lambda u, p: p.grid.code),
            ),
        ),
        ExportSpec(
            "visits",
            "走访记录",
            "visit.export",
            "collection.visit",
            (),
            selectors.visit_list,
            (
                (
                    "走访时间",
                    lambda u, v: timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"),
                ),
                ("地点", lambda u, v: v.place),
                ("走访情况", lambda u, v: v.findings),
                ("走访人", lambda u, v: v.visitor.get_full_name() or v.visitor.username),
                ("所属网格", lambda u, v: v.grid.code),
            ),
        ),
    )
}


def _queryset(user, spec: ExportSpec, filters: dict):
    return spec.rows(user=user, **{k: v for k, v in filters.items() if k in spec.filters})


def _rows(user, spec: ExportSpec, filters: dict):
    for obj in _queryset(user, spec, filters).iterator(chunk_size=2000):
        yield [get(user, obj) for _h, get in spec.columns]


def _as_text(ws, value):
    """A value that looks like a formula (=, +, -, @) stays text in Excel: exports must
    never carry a live formula a resident typed into a name or address."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def dataset_export(
    *, user, dataset: str, fmt: str = "xlsx", filters: dict | None = None
) -> tuple[bytes, int]:
    """The export file's bytes and its row count; audited as a read of the data."""
    spec, filters = EXPORTS[dataset], filters or {}
    headers = [h for h, _get in spec.columns]
    rows = list(_rows(user, spec, filters))
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # BOM: Excel opens UTF-8 CSV with Chinese correctly
        writer = csv.writer(buf)
        writer.writerow(headers)
        # The same protection for CSV: a leading apostrophe keeps it text in Excel.
        writer.writerows(
            [
                [f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row]
                for row in rows
            ]
        )
        data = buf.getvalue().encode("utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(spec.label)
        ws.append(headers)
        for row in rows:
            ws.append([_as_text(ws, v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    paths = jurisdiction_paths(user)
    audit_record(
        actor=user,
        action=spec.action,
        object_type=spec.object_type,
        changes={"rows": [None, len(rows)], "format": [None, fmt], "filters": [None, filters]},
        area_path=paths[0] if paths else "",
    )
    return data, len(rows)


def dataset_export_count(*, user, dataset: str, filters: dict | None = None) -> int:
    return _queryset(user, EXPORTS[dataset], filters or {}).count()


@dataclass(frozen=True)
class ExportAnswer:
    """What an export request comes to: the file now (`data`), or `queued` for the
    background when the selection is larger than EXPORT_SYNC_LIMIT rows."""

    queued: bool
    data: bytes = b""
    rows: int = 0


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def dataset_export_request(*, user, dataset: str, fmt: str, filters: dict) -> ExportAnswer:
    """Export a scoped, filtered list: at once when it is small, otherwise queued for
    Celery on commit (the user is notified with a download link). The one decision for
    the API and the pages (which link to the API's export)."""
    if (
        dataset_export_count(user=user, dataset=dataset, filters=filters)
        > settings.EXPORT_SYNC_LIMIT
    ):
        user_id = user.pk
        transaction.on_commit(
            lambda: current_app.tasks[EXPORT_TASK].delay(user_id, dataset, fmt, filters)
        )
        return ExportAnswer(queued=True)
    data, count = dataset_export(user=user, dataset=dataset, fmt=fmt, filters=filters)
    return ExportAnswer(queued=False, data=data, rows=count)


EXPORTS_FOLDER = "exports"


def _export_name(file_name: str) -> str:
    """The storage name of an export file (through the storage API: the local disk or an
    object store, settings STORAGES)."""
    return f"{EXPORTS_FOLDER}/{PurePath(file_name).name}"


def dataset_export_to_file(*, user, dataset: str, fmt: str, filters: dict) -> str:
    """Background part: write the file, notify the user with their download link. The
    rows are read outside the transaction, so that they may come from the read replica
    (governance/replica.py); the read's audit row is written then, like a small export's."""
    with lag_tolerant():
        data, count = dataset_export(user=user, dataset=dataset, fmt=fmt, filters=filters)
    return _export_file_save(user=user, dataset=dataset, fmt=fmt, data=data, count=count)


@transaction.atomic
def _export_file_save(*, user, dataset: str, fmt: str, data: bytes, count: int) -> str:
    name = PurePath(
        default_storage.save(_export_name(f"{uuid.uuid4().hex}.{fmt}"), ContentFile(data))
    ).name
    export = ExportFile.objects.create(
        user=user,
        dataset=dataset,
        fmt=fmt,
        rows=count,
        file_name=name,
        expires_at=timezone.now() + timedelta(hours=settings.EXPORT_FILE_HOURS),
    )
    url = reverse("collection:export-download", args=[export.pk])
    notify(
        users=[user],
        kind="export.ready",
        url=url,
        title=Text(
            gettext_lazy("导出已完成:%(label)s %(n)d 条"), label=EXPORTS[dataset].label, n=count
        ),
    )
    return url


def export_file_get(*, user, pk):
    """The user's own, unexpired export file and its storage name, or None."""
    export = ExportFile.objects.filter(pk=pk, user=user, expires_at__gt=timezone.now()).first()
    if export is None:
        return None
    name = _export_name(export.file_name)
    if not default_storage.exists(name):
        return None
    if export.downloaded_at is None:
        ExportFile.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
    return export, name


def export_files_purge(*, now=None) -> int:
    """Delete expired export files with their rows, and any file in the export folder
    older than the lifetime that no row knows (a crash between writing and committing).
    Returns the number of files removed."""
    now = now or timezone.now()
    removed = 0
    for export in ExportFile.objects.filter(expires_at__lte=now).iterator():
        name = _export_name(export.file_name)
        if default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
        export.delete()
    known = set(ExportFile.objects.values_list("file_name", flat=True))
    cutoff = now - timedelta(hours=settings.EXPORT_FILE_HOURS)
    try:
        _folders, files = default_storage.listdir(EXPORTS_FOLDER)
    except FileNotFoundError:  # nothing exported yet (local disk)
        files = []
    for file_name in files:
        name = _export_name(file_name)
        if file_name not in known and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed += 1
    return removed
