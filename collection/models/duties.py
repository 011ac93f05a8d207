"""The grid task list (网格事务准入清单): what counties and townships ask of their grids."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet


class TaskItem(models.Model):
    """One line of the grid task list, set by a county or township for its grids."""

    class Rule(models.TextChoices):
        TAG_VISIT = "tag_visit", _("重点人员按周期走访")
        RENTAL_TENANTS = "rental_tenants", _("出租房须登记租住人员")
        PERSON_PHONE = "person_phone", _("人口须登记联系电话")
        PERSON_HOUSE = "person_house", _("实有人口须关联居住房屋")
        HOUSE_LOCATION = "house_location", _("房屋须标注位置")
        RENTAL_VISIT = "rental_visit", _("出租房按周期走访")

    area = models.ForeignKey(
        "grids.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("设定单位")
    )
    area_path = models.CharField(max_length=120, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    rule = models.CharField(_("核查规则"), max_length=20, choices=Rule.choices)
    every_days = models.PositiveSmallIntegerField(_("周期(天)"), default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("网格事务准入清单")
        verbose_name_plural = _("网格事务准入清单")

    def __str__(self):
        return self.title
