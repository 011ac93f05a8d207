"""Verification (核准) of data pushed down from departments to the grids
(collection/verification.py)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet

from .base import Dataset, area_path_index


class VerificationTask(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待核准")
        CONFIRMED = "confirmed", _("已确认")
        CORRECTED = "corrected", _("已更正")
        REJECTED = "rejected", _("已驳回")

    dataset = models.CharField(max_length=16, choices=Dataset.choices)
    object_id = models.CharField(max_length=64)
    # Indexes in Meta, each for a query; an import writes one task per record.
    grid = models.ForeignKey(
        "grids.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    area_path = models.CharField(max_length=120)
    source = models.CharField(_("来源"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    note = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial index below
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("核准任务")
        verbose_name_plural = _("核准任务")
        indexes = [
            # a grid's tasks by status; the CASCADE when a grid is deleted
            models.Index(fields=["grid", "status"]),
            # verification_task_list / verification_progress: restrict() by path prefix
            area_path_index("coll_verification_area_path"),
            # the PROTECT check when a user is deleted (only decided tasks have one)
            models.Index(
                fields=["decided_by"],
                condition=models.Q(decided_by__isnull=False),
                name="coll_verification_decided_by",
            ),
        ]

    def __str__(self):
        return f"{self.dataset}#{self.object_id} {self.status}"
