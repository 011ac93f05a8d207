"""Grid workers' duties: the grid task list (网格事务准入清单), extra fields per class,
and verification tasks (核准) for data pushed down from departments."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet


class Dataset(models.TextChoices):
    PEOPLE = "people", _("实有人口")
    HOUSES = "houses", _("实有房屋")
    ORGANISATIONS = "organisations", _("组织")
    PLACES = "places", _("重点场所")


class TaskItem(models.Model):
    """One line of the grid task list, set by a county or township for its grids."""

    class Rule(models.TextChoices):
        TAG_VISIT = "tag_visit", _("重点人员按周期走访")
        RENTAL_TENANTS = "rental_tenants", _("出租房须登记租住人员")
        PERSON_PHONE = "person_phone", _("人口须登记联系电话")
        PERSON_HOUSE = "person_house", _("实有人口须关联居住房屋")
        HOUSE_LOCATION = "house_location", _("房屋须标注位置")
        RENTAL_VISIT = "rental_visit", _("出租房按周期走访")

    area = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("设定单位"))
    area_path = models.CharField(max_length=120, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    rule = models.CharField(_("核查规则"), max_length=20, choices=Rule.choices)
    every_days = models.PositiveSmallIntegerField(_("周期(天)"), default=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("网格事务准入清单")
        verbose_name_plural = _("网格事务准入清单")

    def __str__(self):
        return self.title


class ExtraFieldSchema(models.Model):
    """Extra fields of a data class as JSON Schema, validated on save and import. The key
    is a dataset ("people", "houses", …) or a special-group tag ("tag:released", …)."""

    dataset = models.CharField(_("数据类"), max_length=32, unique=True)
    schema = models.JSONField(_("JSON Schema"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("扩展字段")
        verbose_name_plural = _("扩展字段")

    def __str__(self):
        return self.dataset


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
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    note = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
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
