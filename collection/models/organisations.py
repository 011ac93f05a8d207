"""Organisations (非公有制经济组织, 社会组织) and key places (重点场所)."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .base import GridRecord, area_path_index


class Organisation(GridRecord):
    class Kind(models.TextChoices):
        NON_PUBLIC = "non_public", _("非公有制经济组织")
        SOCIAL = "social", _("社会组织")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # Unique through Meta.constraints (no pattern_ops twin: looked up by equality only).
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    legal_person = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]
        constraints = [
            # the import's merge (ON CONFLICT), organisation_list's search by code
            models.UniqueConstraint(fields=["credit_code"], name="coll_organisation_credit_code")
        ]
        indexes = [area_path_index("coll_organisation_area_path")]

    def __str__(self):
        return self.name


class Place(GridRecord):
    class Kind(models.TextChoices):
        KEY_PLACE = "key_place", _("重点场所")
        SCHOOL_AREA = "school_area", _("校园周边")
        CROWDED = "crowded", _("人员密集场所")
        HAZARD = "hazard", _("危险品场所")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("重点场所")
        verbose_name_plural = _("重点场所")
        ordering = ["name"]
        indexes = [area_path_index("coll_place_area_path")]

    def __str__(self):
        return self.name
