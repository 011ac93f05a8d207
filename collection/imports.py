"""Bulk import of people (实有人口) from department files (CSV or XLSX).

A job goes pending → validating → ready (preview: creates, updates, rejected rows) →
applying → done, or ends failed / cancelled. Validation and applying run in Celery
(collection/tasks.py); both read the uploaded file again, so nothing but the rejected
rows is kept between the two steps and the apply step re-checks against the current
data and the confirming user's jurisdiction.

Applying is set-based: the valid rows, with ID and phone numbers encrypted in Python,
are COPied into a temporary table and merged into collection_person by one
INSERT … ON CONFLICT (id_number_index) DO UPDATE, in one transaction with the audit
rows and the change feed, so a failure or a cancel leaves nothing half-written.

Merge rules: a row whose ID number is already registered updates that person's name,
gender and birth date (from the number), phone, kind, residence address and grid; an
empty optional cell (联系电话, 人口类型, 居住地址) keeps the stored value. Every row sharing
an ID number with another row of the file is rejected (the file does not say which one
is right). A person registered outside the importer's jurisdiction is not touched: the
row is rejected.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import PurePath

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from governance.audit import audit_entry, audit_record, audit_records
from governance.changes import record_changes_bulk
from governance.roles import Action
from governance.scoping import jurisdiction_paths, path_in_jurisdiction
from grids.models import Area

from . import policy
from .crypto import blind_index, encrypt
from .duties import verification_tasks_create
from .import_models import ImportJob, ImportRow
from .models import ID_CONTEXT, PHONE_CONTEXT, Person
from .services import id_lookup_index
from .validators import validate_id_number, validate_mobile

logger = logging.getLogger(__name__)

# --- the file format ------------------------------------------------------------------

NAME, ID_NUMBER, PHONE, KIND, ADDRESS, GRID = (
    "姓名", "证件号码", "联系电话", "人口类型", "居住地址", "所属网格")
COLUMNS = (NAME, ID_NUMBER, PHONE, KIND, ADDRESS, GRID)
REQUIRED = (NAME, ID_NUMBER, GRID)
ROW_NUMBER, REASON = "原行号", "错误原因"
# The error report's own columns: a corrected report can be uploaded as it is.
IGNORED = (ROW_NUMBER, REASON)
KINDS = {"户籍人口": Person.Kind.REGISTERED, "流动人口": Person.Kind.FLOATING,
         "境外人员": Person.Kind.FOREIGN, "留守人员": Person.Kind.LEFT_BEHIND}
KINDS.update({k.value: k.value for k in Person.Kind})
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
EXTENSIONS = (".csv", ".xlsx")
PREVIEW_ROWS = 20

_GRID_CODE = re.compile(r"\d{15}")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)
_BLANKS = re.compile(r"\s+")

ACTIVE = (ImportJob.Status.PENDING, ImportJob.Status.VALIDATING, ImportJob.Status.READY,
          ImportJob.Status.APPLYING)


class ImportFailed(Exception):
    """The job as a whole cannot go on; the message (Chinese / English) says why."""


class _Cancelled(Exception):
    """The job left the state the worker expects (cancelled meanwhile)."""


# --- reading --------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportFailed("无法识别文件编码,请将 CSV 另存为 UTF-8 或 GBK 编码 / "
                       "Unrecognised encoding: save the CSV as UTF-8 or GBK.")


def _cell_text(value) -> str:
    """Excel cells as text. A number too long for Excel (an ID number typed as a
    number) keeps its scientific form so the check can say what happened."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    return str(value)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_excel(io.BytesIO(data), header=None, dtype=object)
    except (zipfile.BadZipFile, InvalidFileException, ValueError, KeyError, OSError) as exc:
        raise ImportFailed(f"无法读取该 XLSX 文件 / Cannot read the XLSX file: {exc}") from None
    return frame.map(_cell_text)


def _read_csv(data: bytes) -> pd.DataFrame:
    try:
        return pd.read_csv(io.StringIO(_decode(data)), header=None, dtype=str,
                           keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ImportFailed("文件为空 / The file is empty.") from None
    except pd.errors.ParserError as exc:
        raise ImportFailed(f"CSV 格式有误(各行列数不一致?) / Malformed CSV: {exc}") from None


def _read_frame(data: bytes, name: str) -> pd.DataFrame:
    if not data.strip():
        raise ImportFailed("文件为空 / The file is empty.")
    if PurePath(name).suffix.lower() == ".xlsx" or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_csv(data)


@dataclass
class Table:
    columns: list[str]  # known columns, in file order
    raw: pd.DataFrame  # cells as read, index = row number in the file
    clean: pd.DataFrame  # NFKC-normalised and trimmed, same shape


def _text(series: pd.Series) -> pd.Series:
    """Full-width to half-width (NFKC, as the validators normalise), blanks collapsed."""
    return (series.astype(str).str.normalize("NFKC")
            .str.replace(_BLANKS, " ", regex=True).str.strip())


def read_table(data: bytes, name: str) -> Table:
    """One read with pandas, every cell as text; rows that are blank throughout dropped."""
    raw = _read_frame(data, name).fillna("").astype(str)
    raw.index = raw.index + 1  # spreadsheet row numbers
    clean = raw.apply(_text)
    filled = (clean != "").any(axis=1)
    raw, clean = raw[filled], clean[filled]
    if raw.empty:
        raise ImportFailed("文件为空 / The file is empty.")
    if len(raw) == 1:
        raise ImportFailed("文件只有表头,没有数据行 / The file has a header but no rows.")
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFailed(f"行数超过上限 {MAX_ROWS} / More than {MAX_ROWS} rows.")
    headers = list(clean.iloc[0])
    keep = _check_headers(headers, clean.iloc[1:])
    names = [headers[i] for i in keep]
    raw, clean = (f.iloc[1:, keep].set_axis(names, axis=1) for f in (raw, clean))
    dropped = [c for c in IGNORED if c in names]
    return Table(columns=[c for c in names if c not in IGNORED],
                 raw=raw.drop(columns=dropped), clean=clean.drop(columns=dropped))


def _check_headers(headers: list[str], body: pd.DataFrame) -> list[int]:
    """Positions of the columns to read; raises on unknown, duplicate or missing ones."""
    keep, unknown = [], []
    for i, header in enumerate(headers):
        if not header:
            if (body.iloc[:, i] != "").any():
                unknown.append(f"第 {i + 1} 列(无列名 / no header)")
            continue
        if header not in COLUMNS and header not in IGNORED:
            unknown.append(header)
        keep.append(i)
    if unknown:
        raise ImportFailed(f"未知的列:{'、'.join(unknown)};可用的列:{'、'.join(COLUMNS)} / "
                           f"Unknown columns: {', '.join(unknown)}")
    names = [headers[i] for i in keep]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportFailed(f"列名重复:{'、'.join(repeated)} / Repeated columns: "
                           f"{', '.join(repeated)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFailed(f"缺少必填列:{'、'.join(missing)} / Missing required columns: "
                           f"{', '.join(missing)}")
    return keep


# --- checking rows --------------------------------------------------------------------


@dataclass
class Row:
    number: int
    raw: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    name: str = ""
    id_number: str = ""
    index: str = ""
    gender: str = ""
    birth_date: date | None = None
    phone: str | None = None  # None: not given, keep the stored value
    phone_index: str | None = None
    kind: str | None = None
    address: str | None = None
    grid_code: str = ""
    exists: bool = False


@dataclass
class Checked:
    columns: list[str]
    rows: list[Row]

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]

    @property
    def rejected(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def _check_name(row: Row, value: str) -> None:
    if not value:
        raise ValidationError(_("请填写姓名。"))
    if len(value) > 50:
        raise ValidationError(_("姓名不能超过 50 个字。"))
    row.name = value


def _check_id_number(row: Row, value: str) -> None:
    if not value:
        raise ValidationError(_("请填写证件号码。"))
    if _SCIENTIFIC.fullmatch(value):
        raise ValidationError(_("证件号码被存成了数字(科学计数法),后几位可能已丢失;"
                                "请把该列设为文本后重新填写。"))
    info = validate_id_number(value)
    row.id_number, row.gender, row.birth_date = info.number, info.gender, info.birth_date
    row.index = id_lookup_index(info.number)


def _check_phone(row: Row, value: str) -> None:
    if value:
        row.phone = validate_mobile(value)
        row.phone_index = blind_index(row.phone, context=PHONE_CONTEXT)


def _check_kind(row: Row, value: str) -> None:
    if value:
        if value not in KINDS:
            raise ValidationError(_("人口类型“%(value)s”无效,应为 %(choices)s 之一。")
                                  % {"value": value, "choices": "、".join(list(KINDS)[:4])})
        row.kind = KINDS[value]


def _check_address(row: Row, value: str) -> None:
    if value:
        if len(value) > 300:
            raise ValidationError(_("居住地址不能超过 300 个字。"))
        row.address = value


def _check_grid_code(row: Row, value: str) -> None:
    if not _GRID_CODE.fullmatch(value):
        raise ValidationError(_("网格编码应为 15 位数字。"))
    row.grid_code = value


CELL_CHECKS: tuple[tuple[str, Callable[[Row, str], None]], ...] = (
    (NAME, _check_name), (ID_NUMBER, _check_id_number), (PHONE, _check_phone),
    (KIND, _check_kind), (ADDRESS, _check_address), (GRID, _check_grid_code))


def _check_cells(number: int, raw: dict, clean: dict) -> Row:
    row = Row(number=number, raw=raw)
    for column, check in CELL_CHECKS:
        try:
            check(row, clean.get(column, ""))
        except ValidationError as exc:
            row.errors[column] = " ".join(exc.messages)
    return row


def _reject_duplicates(rows: list[Row]) -> None:
    """Every row sharing an ID number with another row is rejected."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.id_number:
            groups[row.id_number].append(row)
    for group in (g for g in groups.values() if len(g) > 1):
        for row in group:
            others = "、".join(str(o.number) for o in group if o is not row)
            row.errors.setdefault(ID_NUMBER, _("证件号码与第 %(rows)s 行重复,这些行都未导入。")
                                  % {"rows": others})


def _check_grids(rows: list[Row], actor) -> None:
    """One query for every grid code of the file."""
    codes = sorted({r.grid_code for r in rows if r.grid_code})
    with connection.cursor() as cur:
        cur.execute(f"SELECT code, path FROM {Area._meta.db_table} "
                    "WHERE level = 6 AND code = ANY(%s)", [codes])
        paths = dict(cur.fetchall())
    allowed = {c: path_in_jurisdiction(actor, p, Action.CHANGE) for c, p in paths.items()}
    for row in (r for r in rows if r.grid_code):
        if row.grid_code not in paths:
            row.errors[GRID] = _("网格 %(code)s 不存在。") % {"code": row.grid_code}
        elif not allowed[row.grid_code]:
            row.errors[GRID] = _("网格 %(code)s 不在您的管辖范围内,不能导入到该网格。") % {
                "code": row.grid_code}


def _match_existing(rows: list[Row], actor) -> None:
    """One query by blind index: which rows update a registered person."""
    candidates = [r for r in rows if not r.errors]
    with connection.cursor() as cur:
        cur.execute(f"SELECT id_number_index, area_path FROM {Person._meta.db_table} "
                    "WHERE id_number_index = ANY(%s)", [[r.index for r in candidates]])
        found = dict(cur.fetchall())
    for row in candidates:
        path = found.get(row.index)
        if path is None:
            continue
        if path_in_jurisdiction(actor, path, Action.CHANGE):
            row.exists = True
        else:
            row.errors[ID_NUMBER] = _("该证件号码已在您的管辖范围以外登记,不能通过导入修改。")


def check_table(table: Table, *, actor, progress: Callable[[float], None]) -> Checked:
    columns, total = list(table.clean.columns), len(table.clean)
    cells = zip(table.clean.index.tolist(), table.raw.to_numpy().tolist(),
                table.clean.to_numpy().tolist(), strict=True)
    rows = []
    for i, (number, raw, clean) in enumerate(cells, start=1):
        rows.append(_check_cells(number, dict(zip(columns, raw, strict=True)),
                                 dict(zip(columns, clean, strict=True))))
        progress(i / total)
    _reject_duplicates(rows)
    _check_grids(rows, actor)
    _match_existing(rows, actor)
    return Checked(columns=table.columns, rows=rows)


# --- job state ------------------------------------------------------------------------


def _progress_writer(job: ImportJob, start: int, end: int) -> Callable[[float], None]:
    """Writes the percentage when it changes; raises _Cancelled once the job has left
    its current state (the update then matches no row)."""
    last = {"pct": -1}

    def report(fraction: float) -> None:
        pct = int(start + (end - start) * fraction)
        if pct != last["pct"]:
            last["pct"] = pct
            if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(progress=pct):
                raise _Cancelled

    return report


def _claim(job_id: int, current: str, new: str) -> ImportJob | None:
    if not ImportJob.objects.filter(pk=job_id, status=current).update(status=new, progress=0):
        return None
    return ImportJob.objects.select_related("created_by", "applied_by").get(pk=job_id)


def _still(job: ImportJob, status: str) -> bool:
    """Lock the job row; False if it was cancelled meanwhile."""
    return ImportJob.objects.select_for_update().filter(pk=job.pk, status=status).exists()


def _discard_upload(job: ImportJob) -> None:
    """The upload holds ID numbers in plain text: removed once the job has ended."""
    if job.file:
        storage, name = job.file.storage, job.file.name
        transaction.on_commit(partial(storage.delete, name))
        job.file = ""


@transaction.atomic
def _end(job: ImportJob, status: str, error: str = "") -> ImportJob | None:
    """Final state, unless the job left the state this worker holds (cancelled)."""
    if not _still(job, job.status):
        return None
    job.status, job.error_message = status, error
    job.progress = 100 if status == ImportJob.Status.DONE else job.progress
    job.finished_at = timezone.now()
    _discard_upload(job)
    job.save()
    return job


def _file_bytes(job: ImportJob) -> bytes:
    if not job.file:
        raise ImportFailed("上传的文件已不存在 / The uploaded file is gone.")
    try:
        with job.file.open("rb") as f:
            return f.read()
    except FileNotFoundError:  # removed by a cancel meanwhile
        raise ImportFailed("上传的文件已不存在 / The uploaded file is gone.") from None


def _check_file(job: ImportJob, *, actor, start: int, end: int) -> Checked:
    table = read_table(_file_bytes(job), job.original_name)
    return check_table(table, actor=actor, progress=_progress_writer(job, start, end))


def _store_rejected(job: ImportJob, checked: Checked) -> None:
    job.rows.all().delete()
    ImportRow.objects.bulk_create(
        [ImportRow(job=job, row_number=r.number, errors=r.errors,
                   data=json.dumps({c: r.raw.get(c, "") for c in checked.columns},
                                   ensure_ascii=False))
         for r in checked.rejected], batch_size=1000)


def _count(job: ImportJob, checked: Checked) -> None:
    valid = checked.valid
    job.total, job.valid = len(checked.rows), len(valid)
    job.invalid = job.total - job.valid
    job.updates = sum(r.exists for r in valid)
    job.creates = job.valid - job.updates


def _verdict(job: ImportJob) -> str:
    """Why the job cannot be applied, or ''."""
    if job.valid == 0:
        return "没有可导入的有效行,未写入任何数据 / No valid rows; nothing was written."
    if job.invalid and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        return (f"有 {job.invalid} 行未通过校验;按“全部通过才导入”方式,未写入任何数据。"
                f"请下载错误报告,修正后重新上传 / {job.invalid} rows were rejected; in "
                "all-or-nothing mode nothing was written. Download the report, fix the rows "
                "and upload again.")
    return ""


# --- writing --------------------------------------------------------------------------

STAGING = "collection_import_staging"
_STAGING_COLUMNS = ("row_number", "name", "id_number", "id_number_index", "phone",
                    "phone_index", "kind", "residence_address", "grid_code", "gender",
                    "birth_date")
_CREATE_STAGING = f"""
CREATE TEMP TABLE {STAGING} (
    row_number integer, name text, id_number text, id_number_index text, phone text,
    phone_index text, kind text, residence_address text, grid_code text, gender text,
    birth_date date
) ON COMMIT DROP"""
# An empty optional cell (NULL here) keeps the stored value, else takes the default.
# The WHERE keeps a person moved out of the jurisdiction since the check untouched;
# the caller then sees fewer rows returned than staged and rolls back.
_MERGE = f"""
INSERT INTO {Person._meta.db_table} AS p (
    name, doc_type, id_number, id_number_index, gender, birth_date, ethnicity, phone,
    phone_index, kind, household_address, residence_address, relation, house_id, grid_id,
    area_path, extra, created_at, updated_at)
SELECT s.name, %(doc_type)s, s.id_number, s.id_number_index, s.gender, s.birth_date, '',
    COALESCE(s.phone, old.phone, ''), COALESCE(s.phone_index, old.phone_index, ''),
    COALESCE(s.kind, old.kind, %(kind)s), '',
    COALESCE(s.residence_address, old.residence_address, ''), '', NULL, a.id, a.path,
    '{{}}'::jsonb, now(), now()
FROM {STAGING} s
JOIN {Area._meta.db_table} a ON a.code = s.grid_code AND a.level = 6
LEFT JOIN {Person._meta.db_table} old ON old.id_number_index = s.id_number_index
ON CONFLICT (id_number_index) DO UPDATE SET
    name = EXCLUDED.name, gender = EXCLUDED.gender, birth_date = EXCLUDED.birth_date,
    phone = EXCLUDED.phone, phone_index = EXCLUDED.phone_index, kind = EXCLUDED.kind,
    residence_address = EXCLUDED.residence_address,
    house_id = CASE WHEN p.grid_id = EXCLUDED.grid_id THEN p.house_id END,
    grid_id = EXCLUDED.grid_id, area_path = EXCLUDED.area_path, updated_at = now()
WHERE p.area_path LIKE ANY(%(prefixes)s)
RETURNING p.id, p.name, p.area_path, (p.xmax = 0) AS created"""


def _stage(rows: list[Row], progress: Callable[[float], None]) -> list[tuple]:
    """The staging tuples, ID and phone numbers encrypted (CPU work, no SQL)."""
    staged = []
    for i, r in enumerate(rows, start=1):
        phone = encrypt(r.phone, context=PHONE_CONTEXT) if r.phone else None
        staged.append((r.number, r.name, encrypt(r.id_number, context=ID_CONTEXT), r.index,
                       phone, r.phone_index, r.kind, r.address, r.grid_code, r.gender,
                       r.birth_date))
        progress(i / len(rows))
    return staged


def _merge(staged: list[tuple], actor) -> list[tuple]:
    """COPY into the staging table, then one merge. Returns (id, name, path, created)."""
    prefixes = [p + "%" for p in jurisdiction_paths(actor, Action.CHANGE)]
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cur.execute(_CREATE_STAGING)
        with cur.copy(f"COPY {STAGING} ({', '.join(_STAGING_COLUMNS)}) FROM STDIN") as copy:
            for values in staged:
                copy.write_row(values)
        cur.execute(_MERGE, {"doc_type": Person.DocType.ID_CARD.value,
                             "kind": Person.Kind.REGISTERED.value, "prefixes": prefixes})
        written = cur.fetchall()
        cur.execute(f"DROP TABLE pg_temp.{STAGING}")
    if len(written) != len(staged):
        raise ImportFailed("校验之后数据发生了变化(网格被撤销或人员已移出您的管辖范围),未写入任何"
                           "数据,请重新上传 / The data changed since the check (a grid was "
                           "removed or a person left your jurisdiction); nothing was written, "
                           "please upload again.")
    return written


def _record(job: ImportJob, actor, written: list[tuple]) -> None:
    """One audit row per person (no protected values), the change feed, and one audit
    row for the job."""
    audit_records([
        audit_entry(actor=actor, action="person.create" if created else "person.update",
                    object_type="collection.person", object_id=str(pk),
                    object_repr=name[:200], area_path=path,
                    changes={"import_job": [None, job.pk]})
        for pk, name, path, created in written])
    record_changes_bulk(dataset="people", rows=[
        (str(pk), "create" if created else "update", path)
        for pk, _name, path, created in written])
    # Pushed down to the grid workers of each grid for verification (核准).
    grid_ids = dict(Area.objects.filter(path__in={path for _p, _n, path, _c in written})
                    .values_list("path", "id"))
    verification_tasks_create(dataset="people", source=f"导入 #{job.pk} {job.original_name}",
                              rows=[(pk, grid_ids[path], path) for pk, _n, path, _c in written])
    audit_record(actor=actor, action="person.import", obj=job, area_path=job.area_path,
                 changes={"creates": [None, job.creates], "updates": [None, job.updates],
                          "rejected": [None, job.invalid], "mode": [None, job.mode]})


@transaction.atomic
def _write(job: ImportJob, checked: Checked, staged: list[tuple]) -> ImportJob | None:
    if not _still(job, ImportJob.Status.APPLYING):
        return None
    _store_rejected(job, checked)
    _count(job, checked)
    reason = _verdict(job)
    if reason:
        return _end(job, ImportJob.Status.FAILED, reason)
    written = _merge(staged, job.applied_by)
    job.creates = sum(1 for *_x, created in written if created)
    job.updates = len(written) - job.creates
    _record(job, job.applied_by, written)
    return _end(job, ImportJob.Status.DONE)


# --- services -------------------------------------------------------------------------


def _queue(task_name: str, job_id: int) -> None:
    from . import tasks

    getattr(tasks, task_name).delay(job_id)


def _check_upload(file, mode: str) -> None:
    if mode not in ImportJob.Mode.values:
        raise ValidationError("导入方式应为 all_or_nothing 或 valid_only / mode must be "
                              "all_or_nothing or valid_only.", code="invalid")
    suffix = PurePath(file.name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        hint = ",请在 Excel 中另存为 .xlsx" if suffix == ".xls" else ""
        raise ValidationError(f"只支持 CSV 和 XLSX 文件{hint} / Only CSV and XLSX files are "
                              "accepted.", code="file_type")
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MB / The file is larger "
                              f"than {MAX_UPLOAD_BYTES // 2**20} MB.", code="too_large")


@transaction.atomic
def import_job_create(*, actor, file, mode: str = ImportJob.Mode.ALL_OR_NOTHING) -> ImportJob:
    """Store the upload and queue its validation."""
    paths = jurisdiction_paths(actor, Action.CHANGE)
    if not paths:
        raise ValidationError("您没有可以修改数据的管辖范围,不能导入 / You have no "
                              "jurisdiction in which you may change data.", code="forbidden")
    _check_upload(file, mode)
    widest = min(paths, key=lambda p: p.count("/"))
    job = ImportJob.objects.create(created_by=actor, file=file, mode=mode, area_path=widest,
                                   original_name=PurePath(file.name).name[:255])
    audit_record(actor=actor, action="person_import.create", obj=job, area_path=widest,
                 changes={"mode": [None, mode]})
    transaction.on_commit(partial(_queue, "validate_import_task", job.pk))
    return job


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check every row and compute the preview. None if the job was not pending (already
    handled, or cancelled)."""
    job = _claim(job_id, ImportJob.Status.PENDING, ImportJob.Status.VALIDATING)
    if job is None:
        return None
    try:
        checked = _check_file(job, actor=job.created_by, start=0, end=95)
    except ImportFailed as exc:
        return _end(job, ImportJob.Status.FAILED, str(exc))
    except _Cancelled:
        return None
    return _store_preview(job, checked)


@transaction.atomic
def _store_preview(job: ImportJob, checked: Checked) -> ImportJob | None:
    if not _still(job, ImportJob.Status.VALIDATING):
        return None
    _store_rejected(job, checked)
    _count(job, checked)
    reason = _verdict(job)
    if reason:
        return _end(job, ImportJob.Status.FAILED, reason)
    job.status, job.progress = ImportJob.Status.READY, 100
    job.save()
    return job


@transaction.atomic
def import_job_apply_request(*, actor, job: ImportJob) -> ImportJob:
    """The user confirmed the preview: queue the apply step."""
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
            status=ImportJob.Status.APPLYING, applied_by=actor, progress=0):
        raise ValidationError("只有“待确认”的任务可以导入 / Only a job whose preview is ready "
                              "can be applied.", code="conflict")
    transaction.on_commit(partial(_queue, "apply_import_task", job.pk))
    job.refresh_from_db()
    return job


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Check the file again (data and jurisdiction may have changed since the preview)
    and merge the valid rows, all in one transaction."""
    job = ImportJob.objects.select_related("applied_by").filter(
        pk=job_id, status=ImportJob.Status.APPLYING).first()
    if job is None:
        return None
    try:
        checked = _check_file(job, actor=job.applied_by, start=0, end=40)
        staged = _stage(checked.valid, _progress_writer(job, 40, 90))
        return _write(job, checked, staged)
    except ImportFailed as exc:
        return _end(job, ImportJob.Status.FAILED, str(exc))
    except _Cancelled:
        return None
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.status = ImportJob.Status.APPLYING  # as held before the rolled-back transaction
        _end(job, ImportJob.Status.FAILED, "导入出错,未写入任何数据 / The import failed; "
             "nothing was written.")
        raise


@transaction.atomic
def import_job_cancel(*, actor, job: ImportJob) -> ImportJob:
    """Waits for a running merge's lock, so a job is either cancelled or done."""
    if not ImportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
            status=ImportJob.Status.CANCELLED, finished_at=timezone.now()):
        raise ValidationError("该任务已结束,不能取消 / The job has already ended.",
                              code="conflict")
    job.refresh_from_db()
    _discard_upload(job)
    job.save(update_fields=["file"])
    audit_record(actor=actor, action="person_import.cancel", obj=job, area_path=job.area_path)
    return job


# --- selectors and the report ---------------------------------------------------------


def import_job_list(*, user, action: str = Action.VIEW):
    return ImportJob.objects.restrict(user, action).select_related("created_by")


def import_job_get(*, user, pk, action: str = Action.VIEW) -> ImportJob:
    return import_job_list(user=user, action=action).get(pk=pk)


def import_job_preview(*, job: ImportJob) -> list[dict]:
    """The first rejected rows, reasons only (no cell values)."""
    return [{"row": n, "errors": e}
            for n, e in job.rows.values_list("row_number", "errors")[:PREVIEW_ROWS]]


def _shown(user, job: ImportJob, column: str, value: str) -> str:
    """The uploader gets their cells back as sent; anyone else through the field policy."""
    protected = {ID_NUMBER: "id_number", PHONE: "phone"}.get(column)
    if protected is None or user.pk == job.created_by_id:
        return value
    return policy.present(user, protected, value) or ""


def import_report(*, user, job: ImportJob) -> bytes | None:
    """XLSX of the rejected rows: 原行号, the file's columns, 错误原因. None if none."""
    rows = list(job.rows.all())
    if not rows:
        return None
    columns = list(json.loads(rows[0].data))
    order = columns + [c for c in COLUMNS if c not in columns]  # jsonb does not keep it
    wb = Workbook()
    ws = wb.active
    ws.title = "错误行"
    ws.append([ROW_NUMBER, *columns, REASON])
    for r in rows:
        data = json.loads(r.data)
        reason = ";".join(f"{c}:{r.errors[c]}" for c in order if c in r.errors)
        ws.append([r.row_number, *(_shown(user, job, c, data.get(c, "")) for c in columns),
                   reason])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in ws.iter_cols(min_row=2, min_col=2, max_col=len(columns) + 1):
        for cell in column:
            cell.number_format = "@"  # Excel keeps ID numbers as text when edited
            cell.data_type = "s"  # a cell sent as "=…" comes back as text, not a formula
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
