"""Bulk import of base data (实有人口, 实有房屋, 组织) from department files (CSV or XLSX).

A job goes pending → validating → ready (preview: creates, updates, rejected rows) →
applying → done, or ends failed / cancelled. Both steps run in Celery
(collection/tasks.py).

- Validating reads the file once, checks every row (collection/importing/), stores the
  rejected rows (encrypted: they hold ID numbers) and COPies the valid ones — protected
  values already encrypted — into the job's staging table; the upload is then deleted.
- Applying merges the staging table in one statement that also writes the change feed
  and the verification tasks, in one transaction with the job's audit row (one per job,
  naming its range of the change feed: the per-record trace), so a failure or a cancel
  leaves nothing half-written. The grid and
  jurisdiction of every row are checked again in that statement (the confirming user's
  jurisdiction, and data that may have changed since the preview).

Merge keys and rules per dataset: collection/importing/specs.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import PurePath

import pandas as pd
from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.access import allowed, require
from governance.audit import audit_record
from governance.roles import Action
from governance.scoping import jurisdiction_paths

from .actions import BASEDATA_CHANGE
from .extra_fields import extra_schema
from .importing import staging
from .importing.checks import extra_columns, required_headers
from .importing.files import MAX_ROWS, ImportFailed, read_table
from .importing.rows import Checked, check_rows
from .importing.sheets import import_report, import_template
from .importing.specs import SPECS, spec_for
from .models import ImportJob, ImportRow

logger = logging.getLogger(__name__)

__all__ = ["MAX_ROWS", "MAX_UPLOAD_BYTES", "ImportFailed", "import_report", "import_template"]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
PREVIEW_ROWS = 20
TASKS = "collection.tasks"  # where the import's tasks live (queued by name)

ACTIVE = (
    ImportJob.Status.PENDING,
    ImportJob.Status.VALIDATING,
    ImportJob.Status.READY,
    ImportJob.Status.APPLYING,
)


class _Cancelled(Exception):
    """The job left the state the worker expects (cancelled meanwhile)."""


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
    if not ImportJob.objects.filter(pk=job_id, status=current).update(
        status=new, progress=0, heartbeat_at=timezone.now()
    ):
        return None
    return ImportJob.objects.select_related("created_by", "applied_by").get(pk=job_id)


def _still(job: ImportJob, status: str) -> bool:
    """Lock the job row; False if it was cancelled meanwhile."""
    return ImportJob.objects.select_for_update().filter(pk=job.pk, status=status).exists()


def _discard_upload(job: ImportJob) -> None:
    """The upload holds ID numbers in plain text: removed as soon as it has been read."""
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
    staging.stage_drop(job.pk)
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


def _verdict(job: ImportJob) -> str:
    """Why the job cannot be applied, or ''."""
    if job.valid == 0:
        return "没有可导入的有效行,未写入任何数据 / No valid rows; nothing was written."
    if job.invalid and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        return (
            f"有 {job.invalid} 行未通过校验;按“全部通过才导入”方式,未写入任何数据。"
            f"请下载错误报告,修正后重新上传 / {job.invalid} rows were rejected; in "
            "all-or-nothing mode nothing was written. Download the report, fix the rows "
            "and upload again."
        )
    return ""


# --- validating -----------------------------------------------------------------------


def _check_file(job: ImportJob) -> Checked:
    spec, schema = spec_for(job.dataset), extra_schema(job.dataset)
    extra = tuple(h for h in extra_columns(schema) if h not in spec.headers)
    table = read_table(
        _file_bytes(job),
        job.original_name,
        columns=spec.headers + extra,
        required=required_headers(spec, schema),
    )
    return check_rows(
        spec, table, actor=job.created_by, schema=schema, progress=_progress_writer(job, 5, 40)
    )


def _store_rejected(job: ImportJob, checked: Checked) -> None:
    job.rows.all().delete()
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                job=job,
                row_number=number,
                errors=reasons,
                data=json.dumps(cells, ensure_ascii=False),
            )
            for number, cells, reasons in checked.rejected_rows()
        ],
        batch_size=1000,
    )


def _stage(job: ImportJob, checked: Checked) -> set[int]:
    """COPY the valid rows; reject those that would update a record outside the
    jurisdiction. Returns the row numbers that update a stored record."""
    spec = checked.spec
    staging.stage_create(spec, job.pk)
    staging.stage_copy(spec, job.pk, checked.values[checked.valid])
    existing = staging.stage_existing(spec, job.pk, _prefixes(job.created_by))
    outside = [n for n, mine in existing.items() if not mine]
    if outside:
        checked.reject(
            spec.key_header,
            pd.Series(
                _("该记录已在您的管辖范围以外登记,不能通过导入修改。"), index=outside, dtype=object
            ),
        )
        staging.stage_delete(job.pk, outside)
    return {n for n, mine in existing.items() if mine}


def _text_or_empty(value) -> str:
    """A cell for JSON: not-given cells (None, or NaN in a numeric column) as ""."""
    return "" if value is None or pd.isna(value) else str(value)


def _plan(checked: Checked, updating: set[int]) -> list[dict]:
    """The first PREVIEW_ROWS records to be created and to be updated, as the preview
    shows them: row, record, key (masked), grid, create or update."""
    label, key, mask = checked.spec.preview
    values = checked.values[checked.valid]
    is_update = values.index.isin(list(updating))
    out = []
    for op, rows in (("create", values[~is_update]), ("update", values[is_update])):
        for number, row in rows.head(PREVIEW_ROWS // 2).iterrows():
            shown = _text_or_empty(row.get(key))
            out.append(
                {
                    "row": int(number),
                    "op": op,
                    "label": _text_or_empty(row.get(label)),
                    "key": mask(shown) if mask and shown else shown,
                    "grid": _text_or_empty(row.get("grid_code")),
                }
            )
    return sorted(out, key=lambda r: r["row"])


def _prefixes(user) -> list[str]:
    return [p + "%" for p in jurisdiction_paths(user, Action.CHANGE)]


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check every row, stage the valid ones and compute the preview. None if the job was
    not pending (already handled, or cancelled)."""
    job = _claim(job_id, ImportJob.Status.PENDING, ImportJob.Status.VALIDATING)
    if job is None:
        return None
    try:
        checked = _check_file(job)
        return _store_preview(job, checked)
    except ImportFailed as exc:
        return _end(job, ImportJob.Status.FAILED, str(exc))
    except _Cancelled:
        return None
    except Exception:
        # Never left "validating" with the plain-text upload on disk.
        logger.exception("import job %s failed while validating", job.pk)
        _end(
            job,
            ImportJob.Status.FAILED,
            "校验出错,未写入任何数据,请检查文件后重新上传 / "
            "The check failed; nothing was written. Check the file and upload again.",
        )
        raise


@transaction.atomic
def _store_preview(job: ImportJob, checked: Checked) -> ImportJob | None:
    """Staging table, rejected rows and counts in one transaction: a cancel meanwhile
    rolls all of it back."""
    if not _still(job, ImportJob.Status.VALIDATING):
        return None
    updating = _stage(job, checked) if checked.valid.any() else set()
    _store_rejected(job, checked)
    valid = checked.valid
    job.total, job.valid = len(valid), int(valid.sum())
    job.invalid, job.updates = job.total - job.valid, len(updating)
    job.plan = _plan(checked, updating)
    job.creates = job.valid - job.updates
    reason = _verdict(job)
    if reason:
        return _end(job, ImportJob.Status.FAILED, reason)
    _discard_upload(job)
    job.status, job.progress = ImportJob.Status.READY, 100
    job.save()
    return job


# --- applying -------------------------------------------------------------------------


def _announce(job: ImportJob, first_seq: int | None, last_seq: int | None) -> None:
    """One announcement for the job (topic `change.<dataset>`, op `import`) addressed to
    every department whose area holds some of its records (a township's too, not only
    those above the importer); the webhooks' subscribers then read the change feed from
    seq_from. Like every announcement it carries no personal data."""
    from governance.models import Change, Department
    from governance.outbox import outbox_emit
    from grids.models import ancestor_paths

    if first_seq is None:
        return
    paths = (
        Change.objects.filter(
            seq__range=(first_seq, last_seq), dataset=job.dataset, import_job=job.pk
        )
        .order_by()
        .values_list("area_path", flat=True)
        .distinct()
    )
    areas = set()
    for path in paths:  # one per grid written, not per record
        areas.update(ancestor_paths(path))
    departments = list(Department.objects.filter(area__path__in=areas))
    outbox_emit(
        topic=f"change.{job.dataset}",
        area_path=job.area_path,
        departments=departments,
        payload={
            "dataset": job.dataset,
            "op": "import",
            "import_job": job.pk,
            "creates": job.creates,
            "updates": job.updates,
            "seq_from": first_seq,
            "seq_to": last_seq,
        },
    )


@transaction.atomic
def _write(job: ImportJob) -> ImportJob | None:
    if not _still(job, ImportJob.Status.APPLYING):
        return None
    spec = spec_for(job.dataset)
    actor = job.applied_by
    creates, written, first_seq, last_seq = staging.merge(
        spec,
        job.pk,
        prefixes=_prefixes(actor),
        source=f"导入 #{job.pk} {job.original_name}",
        creates_only=not job.updates,
    )
    if written != job.valid:
        raise ImportFailed(
            "校验之后数据发生了变化(网格被撤销、记录或网格已不在您的管辖范围内),"
            "未写入任何数据,请重新上传 / The data changed since the check (a "
            "grid was removed, or a record or grid is outside your "
            "jurisdiction); nothing was written, please upload again."
        )
    job.creates, job.updates = creates, written - creates
    _announce(job, first_seq, last_seq)
    # One audit row for the job; the records it wrote are the change feed's rows
    # seq_from..seq_to of the dataset (one per record, create or update; 'removed' rows
    # mark a record's previous area). import_job_records() reads them back.
    audit_record(
        actor=actor,
        action=f"{spec.action}.import",
        obj=job,
        area_path=job.area_path,
        changes={
            "creates": [None, job.creates],
            "updates": [None, job.updates],
            "rejected": [None, job.invalid],
            "mode": [None, job.mode],
            "original_name": [None, job.original_name],
            "change_seq": [None, [first_seq, last_seq]],
        },
    )
    return _end(job, ImportJob.Status.DONE)


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Merge the staged rows, all in one transaction."""
    job = (
        ImportJob.objects.select_related("applied_by")
        .filter(pk=job_id, status=ImportJob.Status.APPLYING)
        .first()
    )
    if job is None:
        return None
    ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        progress=50, heartbeat_at=timezone.now()
    )
    try:
        with transaction.atomic():
            return _write(job)
    except ImportFailed as exc:
        return _end(job, ImportJob.Status.FAILED, str(exc))
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _end(
            job,
            ImportJob.Status.FAILED,
            "导入出错,未写入任何数据 / The import failed; nothing was written.",
        )
        raise


# --- services -------------------------------------------------------------------------


def _queue(task_name: str, job_id: int) -> None:
    """Queue a task of collection/tasks.py by its name (that module imports this one)."""
    current_app.tasks[f"{TASKS}.{task_name}"].delay(job_id)


def _check_upload(file, mode: str, dataset: str) -> None:
    if dataset not in SPECS:
        raise ValidationError(
            f"数据类应为 {'、'.join(SPECS)} 之一 / dataset must be one of {', '.join(SPECS)}.",
            code="invalid",
        )
    if mode not in ImportJob.Mode.values:
        raise ValidationError(
            "导入方式应为 all_or_nothing 或 valid_only / mode must be "
            "all_or_nothing or valid_only.",
            code="invalid",
        )
    if file is None:
        raise ValidationError("请选择要上传的文件 / Choose a file to upload.", code="required")
    suffix = PurePath(file.name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        hint = ",请在 Excel 中另存为 .xlsx" if suffix == ".xls" else ""
        raise ValidationError(
            f"只支持 CSV 和 XLSX 文件{hint} / Only CSV and XLSX files are accepted.",
            code="file_type",
        )
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MB / The file is larger "
            f"than {MAX_UPLOAD_BYTES // 2**20} MB.",
            code="too_large",
        )


@transaction.atomic
def import_job_create(
    *, actor, file, mode: str = ImportJob.Mode.ALL_OR_NOTHING, dataset: str = "people"
) -> ImportJob:
    """Store the upload and queue its validation."""
    paths = jurisdiction_paths(actor, Action.CHANGE)
    if not paths:
        raise ValidationError(
            "您没有可以修改数据的管辖范围,不能导入 / You have no "
            "jurisdiction in which you may change data.",
            code="forbidden",
        )
    _check_upload(file, mode, dataset)
    widest = min(paths, key=lambda p: p.count("/"))
    job = ImportJob.objects.create(
        created_by=actor,
        file=file,
        mode=mode,
        area_path=widest,
        dataset=dataset,
        original_name=PurePath(file.name).name[:255],
    )
    audit_record(
        actor=actor,
        action=f"{spec_for(dataset).action}_import.create",
        obj=job,
        area_path=widest,
        changes={"mode": [None, mode]},
    )
    transaction.on_commit(partial(_queue, "validate_import_task", job.pk))
    return job


def may_control_import_job(user, job: ImportJob) -> bool:
    """Who confirms or cancels a job: its uploader, or the unit staff whose jurisdiction
    covers it (`basedata.change` on the job's area). Another department of the county,
    which sees the job (VIEW), decides nothing about someone else's upload."""
    return job.created_by_id == getattr(user, "pk", None) or allowed(user, job, BASEDATA_CHANGE)


def _require_control(actor, job: ImportJob) -> None:
    if actor is not None and job.created_by_id == actor.pk:
        return
    require(
        actor,
        job,
        BASEDATA_CHANGE,
        message=_("只有上传人或管辖该范围的工作人员可以确认或取消该导入任务。"),
    )


@transaction.atomic
def import_job_apply_request(*, actor, job: ImportJob) -> ImportJob:
    """The user confirmed the preview: queue the apply step."""
    _require_control(actor, job)
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.APPLYING, applied_by=actor, progress=0
    ):
        raise ValidationError(
            "只有“待确认”的任务可以导入 / Only a job whose preview is ready can be applied.",
            code="conflict",
        )
    transaction.on_commit(partial(_queue, "apply_import_task", job.pk))
    job.refresh_from_db()
    return job


@transaction.atomic
def import_job_cancel(*, actor, job: ImportJob) -> ImportJob:
    """Waits for a running merge's lock, so a job is either cancelled or done."""
    _require_control(actor, job)
    if not ImportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=ImportJob.Status.CANCELLED, finished_at=timezone.now()
    ):
        raise ValidationError("该任务已结束,不能取消 / The job has already ended.", code="conflict")
    job.refresh_from_db()
    _discard_upload(job)
    staging.stage_drop(job.pk)
    job.save(update_fields=["file"])
    audit_record(
        actor=actor,
        action=f"{spec_for(job.dataset).action}_import.cancel",
        obj=job,
        area_path=job.area_path,
    )
    return job


def import_jobs_expire(*, now=None) -> int:
    """Cancel jobs left unconfirmed (or stuck) for IMPORT_READY_DAYS: their staging tables
    and uploads are removed. Run hourly by Celery beat."""
    from datetime import timedelta

    from django.conf import settings

    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_READY_DAYS)
    expired = 0
    for job in ImportJob.objects.filter(status__in=ACTIVE, created_at__lt=cutoff):
        with transaction.atomic():
            if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                status=ImportJob.Status.CANCELLED,
                finished_at=timezone.now(),
                error_message="预览超过期限未确认,已自动取消 / Not confirmed in time; cancelled.",
            ):
                continue  # handled meanwhile
            _discard_upload(job)
            staging.stage_drop(job.pk)
            job.save(update_fields=["file"])
            audit_record(
                actor=None,
                action=f"{spec_for(job.dataset).action}_import.expire",
                obj=job,
                area_path=job.area_path,
            )
            expired += 1
    return expired


RUNNING = (ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING)
WORKER_LOST = (
    "处理该任务的后台进程 {n} 次意外终止(文件可能过大,或服务器内存不足),未写入任何数据,"
    "请稍后重新上传或联系管理员 / The background worker processing this job stopped "
    "unexpectedly {n} times (the file may be too large, or the server ran out of memory); "
    "nothing was written. Upload it again later or contact the administrator."
)


def import_jobs_recover(*, now=None) -> dict[str, int]:
    """Jobs validating or applying whose worker died — no heartbeat for JOB_STALE_SECONDS
    (governance/jobs.py) — go back to the queue: validating from the start (the upload is
    still there, the staging table was never committed), applying with the staged rows
    (the merge is one transaction, so the dead worker wrote nothing). After
    JOB_MAX_ATTEMPTS lost workers the job fails with the reason. Run every minute by
    Celery beat; a job still being worked on holds its row locked or beats, and is
    skipped. Returns {"requeued": n, "failed": n}."""
    from django.conf import settings

    from governance.jobs import stale_before

    now = now or timezone.now()
    cutoff = stale_before(now)
    counts = {"requeued": 0, "failed": 0}
    stale = ImportJob.objects.filter(status__in=RUNNING, heartbeat_at__lt=cutoff)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = (
                stale.select_for_update(skip_locked=True, of=("self",))
                .select_related("created_by", "applied_by")
                .filter(pk=pk)
                .first()
            )
            if job is None:  # finished meanwhile, or its worker is alive and holds it
                continue
            before, lost = job.status, job.attempts + 1
            if lost >= settings.JOB_MAX_ATTEMPTS:
                job.attempts = lost
                _end(job, ImportJob.Status.FAILED, WORKER_LOST.format(n=lost))
                counts["failed"] += 1
            else:
                task = "apply_import_task"
                if before == ImportJob.Status.VALIDATING:
                    job.status, task = ImportJob.Status.PENDING, "validate_import_task"
                job.attempts, job.heartbeat_at, job.progress = lost, now, 0
                job.save(update_fields=["status", "attempts", "heartbeat_at", "progress"])
                transaction.on_commit(partial(_queue, task, job.pk))
                counts["requeued"] += 1
            audit_record(
                actor=None,
                action=f"{spec_for(job.dataset).action}_import.recover",
                obj=job,
                area_path=job.area_path,
                changes={"status": [before, job.status], "attempts": [lost - 1, lost]},
            )
    return counts


# --- selectors (the report and the template: collection/importing/sheets.py) ---------


def import_job_list(*, user, action: str = Action.VIEW):
    return ImportJob.objects.restrict(user, action).select_related("created_by")


def import_job_get(*, user, pk, action: str = Action.VIEW) -> ImportJob:
    return import_job_list(user=user, action=action).get(pk=pk)


def import_job_preview(*, job: ImportJob) -> list[dict]:
    """The first rejected rows, reasons only (no cell values)."""
    return [
        {"row": n, "errors": e}
        for n, e in job.rows.values_list("row_number", "errors")[:PREVIEW_ROWS]
    ]


def import_job_records(*, job: ImportJob):
    """The change-feed rows of the records a done job wrote (one per record: create or
    update). They carry the job; the range its audit row names only narrows the search
    (another writer's rows may lie in it)."""
    from governance.models import AuditLog, Change

    entry = (
        AuditLog.objects.filter(
            action=f"{spec_for(job.dataset).action}.import",
            object_type=ImportJob._meta.label_lower,
            object_id=str(job.pk),
        )
        .values_list("changes", flat=True)
        .first()
    )
    first, last = ((entry or {}).get("change_seq") or [None, [None, None]])[1]
    if first is None:
        return Change.objects.none()
    return Change.objects.filter(
        dataset=job.dataset,
        seq__range=(first, last),
        import_job=job.pk,
        op__in=["create", "update"],
    ).order_by("seq")


def record_import_audit(*, dataset: str, object_id) -> list:
    """The audit rows of the import jobs that wrote a record (its per-record audit rows,
    if any, are found by object_type and object_id as for every write): the record's
    change-feed rows name the jobs that wrote them."""
    from governance.models import AuditLog, Change

    jobs = set(
        Change.objects.filter(
            dataset=dataset,
            object_id=str(object_id),
            op__in=["create", "update"],
            import_job__isnull=False,
        ).values_list("import_job", flat=True)
    )
    if not jobs:
        return []
    return list(
        AuditLog.objects.filter(
            action=f"{spec_for(dataset).action}.import",
            object_type=ImportJob._meta.label_lower,
            object_id__in=[str(pk) for pk in jobs],
        ).order_by("at", "id")
    )
