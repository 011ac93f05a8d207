"""A person moving between jurisdictions (迁入申请): the county where the person now lives
asks the county that holds the record to hand it over. The requesting side never reads the
held record; the holding side decides (accept: the record moves with its history; refuse:
it stays). See docs/personal-data.md, "Moving between counties"."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class PersonTransfer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待原登记地确认")
        ACCEPTED = "accepted", _("已同意迁入")
        REFUSED = "refused", _("未同意迁入")
        CANCELLED = "cancelled", _("已撤回")

    person = models.ForeignKey(
        "collection.Person", on_delete=models.CASCADE, related_name="transfers"
    )
    # The holding side: where the record was when the request was made (it decides).
    from_area_path = models.CharField(max_length=120, db_index=True)
    # The requesting side: the grid the person is to move to.
    to_grid = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("迁入网格")
    )
    area_path = models.CharField(max_length=120, db_index=True)
    # What the requester typed, so they recognise their request without reading the record.
    name = models.CharField(_("姓名"), max_length=50)
    id_number_masked = models.CharField(_("证件号码"), max_length=40)
    residence_address = models.CharField(_("居住地址"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    reason = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("迁入申请")
        verbose_name_plural = _("迁入申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per person and grid: asking twice returns the same request.
            models.UniqueConstraint(
                fields=["person", "to_grid"],
                condition=models.Q(status="pending"),
                name="uniq_pending_person_transfer",
            ),
        ]

    def __str__(self):
        return f"{self.id_number_masked} → {self.to_grid_id}"
