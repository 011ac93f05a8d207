"""Background export files (collection/exports.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportFile(models.Model):
    """One file written by a background export. The file is the only copy of a masked
    extract of personal data, so it lives `EXPORT_FILE_HOURS` and is then deleted with
    this row (collection.tasks.purge_expired_exports_task).

    The id in the download link is not a credential: the link works only in the owner's
    own logged-in session, so a link read from a proxy or server log gives nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_files"
    )
    dataset = models.CharField(_("数据集"), max_length=32)
    fmt = models.CharField(_("格式"), max_length=8)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    file_name = models.CharField(max_length=64, unique=True)  # random, under exports/
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)
    downloaded_at = models.DateTimeField(_("首次下载时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出文件")
        verbose_name_plural = _("导出文件")

    def __str__(self):
        return f"{self.dataset}.{self.fmt} ({self.rows})"
