"""Houses (实有房屋), rental houses among them."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .base import GridRecord, area_path_index


class House(GridRecord):
    class Use(models.TextChoices):
        SELF = "self", _("自住")
        RENTAL = "rental", _("出租")
        BUSINESS = "business", _("经营")
        VACANT = "vacant", _("空置")
        OTHER = "other", _("其他")

    # Not indexed alone: (grid, address) below serves every query by grid.
    grid = models.ForeignKey(
        "grids.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属网格"),
        db_index=False,
    )
    address = models.CharField(_("地址"), max_length=300)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=12, choices=Use.choices, default=Use.SELF)
    owner_name = models.CharField(_("产权人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["address"]
        # One house per address within a grid: the key imports merge on.
        constraints = [
            models.UniqueConstraint(fields=["grid", "address"], name="uniq_house_grid_address")
        ]
        indexes = [area_path_index("coll_house_area_path")]

    def __str__(self):
        return self.address

    @property
    def is_rental(self) -> bool:
        return self.use == self.Use.RENTAL
