"""Verification (核准) of data pushed down from departments to the grids
(collection/verification.py)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet

from .base import Dataset


class VerificationTask(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待核准")
        CONFIRMED = "confirmed", _("已确认")
        CORRECTED = "corrected", _("已更正")
        REJECTED = "rejected", _("已驳回")

    dataset = models.CharField(max_length=16, choices=Dataset.choices)
    object_id = models.CharField(max_length=64)
    grid = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+")
    area_path = models.CharField(max_length=120, db_index=True)
    source = models.CharField(_("来源"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    note = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("核准任务")
        verbose_name_plural = _("核准任务")
        indexes = [models.Index(fields=["grid", "status"])]

    def __str__(self):
        return f"{self.dataset}#{self.object_id} {self.status}"
