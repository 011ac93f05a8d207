"""Bulk imports of base data (people, houses, organisations) from department files
(see collection/imports.py)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.fields import EncryptedTextField
from governance.scoping import ScopedQuerySet

from .base import Dataset

IMPORT_ROW_CONTEXT = "collection.importrow.data"


def import_upload_path(instance, filename: str) -> str:
    # The original (often Chinese) name is kept on the job; on disk a random name.
    return f"imports/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ImportJob(models.Model):
    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("全部通过才导入")
        VALID_ONLY = "valid_only", _("只导入有效行")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        VALIDATING = "validating", _("校验中")
        READY = "ready", _("待确认")
        APPLYING = "applying", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    # Removed once the job ends: the upload holds ID numbers in plain text.
    file = models.FileField(_("文件"), upload_to=import_upload_path, blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    dataset = models.CharField(
        _("数据类"), max_length=16, choices=Dataset.choices, default=Dataset.PEOPLE
    )
    mode = models.CharField(
        _("导入方式"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(_("总行数"), default=0)
    valid = models.PositiveIntegerField(_("有效行数"), default=0)
    invalid = models.PositiveIntegerField(_("错误行数"), default=0)
    creates = models.PositiveIntegerField(_("新增"), default=0)
    updates = models.PositiveIntegerField(_("更新"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    # The first records to be created and updated, for the preview (masked keys only).
    plan = models.JSONField(_("预览"), default=list, blank=True)
    error_message = models.TextField(_("错误信息"), blank=True)
    # The importer's widest jurisdiction: who else may see the job.
    area_path = models.CharField(max_length=120, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the worker that validates or applies the job
    # (governance/jobs.py); an old one means the worker died (import_jobs_recover).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker died under the job (it is failed after JOB_MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name


class ImportRow(models.Model):
    """A rejected row: its cells as read (encrypted, they hold ID numbers) and the reason
    per column. Valid rows are not stored; the file is read again when applying."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    data = EncryptedTextField(_("原始内容"), context=IMPORT_ROW_CONTEXT)  # JSON text
    errors = models.JSONField(_("错误原因"), default=dict)

    class Meta:
        verbose_name = _("导入错误行")
        verbose_name_plural = _("导入错误行")
        ordering = ["row_number"]

    def __str__(self):
        return f"{self.job_id}:{self.row_number}"
