"""People (实有人口) of GB/T 31000-2015. ID and phone numbers are encrypted at rest; exact
lookups go through their blind-index columns (collection/crypto.py)."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.fields import EncryptedTextField

from .base import GridRecord, area_path_index
from .houses import House

ID_CONTEXT = "collection.person.id_number"
ID_MASKED_CONTEXT = "collection.person.id_masked"
PHONE_CONTEXT = "collection.person.phone"


class Person(GridRecord):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("户籍人口")
        FLOATING = "floating", _("流动人口")
        FOREIGN = "foreign", _("境外人员")
        LEFT_BEHIND = "left_behind", _("留守人员")

    class DocType(models.TextChoices):
        ID_CARD = "id_card", _("居民身份证")
        FOREIGN = "foreign", _("外国人居留证件/护照")

    # Indexes: each one is there for a query (docs/performance-import.md, "Indexes");
    # every other one costs the import of a province's residents and buys nothing.
    # Not indexed alone: (grid, kind) below serves every query by grid.
    grid = models.ForeignKey(
        "grids.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属网格"),
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=50)
    doc_type = models.CharField(
        _("证件类型"), max_length=10, choices=DocType.choices, default=DocType.ID_CARD
    )
    id_number = EncryptedTextField(_("证件号码"), context=ID_CONTEXT)
    # Unique through Meta.constraints: a unique=True varchar also gets a pattern_ops twin,
    # and no one looks up a keyed hash by prefix.
    id_number_index = models.CharField(max_length=64, editable=False)
    # Keyed hash of the masked form ("220102********1234"): staff who only ever see masked
    # numbers can search by what they see.
    id_masked_index = models.CharField(max_length=64, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=6, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    phone = EncryptedTextField(_("联系电话"), context=PHONE_CONTEXT, blank=True)
    # Not indexed: no query looks a person up by phone (only `phone_index = ''` within a
    # grid, collection/duties.py, which the area_path index serves).
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    kind = models.CharField(
        _("人口类型"), max_length=12, choices=Kind.choices, default=Kind.REGISTERED
    )
    household_address = models.CharField(_("户籍地址"), max_length=300, blank=True)
    residence_address = models.CharField(_("居住地址"), max_length=300, blank=True)
    house = models.ForeignKey(
        House,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        verbose_name=_("居住房屋"),
        db_index=False,  # partial index below: imported people have no house
    )
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        ordering = ["name", "id"]
        constraints = [
            # the import's merge (ON CONFLICT), person_list's exact ID search,
            # person_create/update's duplicate check
            models.UniqueConstraint(fields=["id_number_index"], name="coll_person_id_number_index")
        ]
        indexes = [
            # a grid's people (person_list grid=, figures by grid), the grid's PROTECT check
            models.Index(fields=["grid", "kind"]),
            area_path_index("coll_person_area_path"),
            # search by the masked number (selectors.person_list)
            models.Index(fields=["id_masked_index"], name="coll_person_id_masked"),
            # a house's residents (house page, API), SET_NULL when a house is deleted
            models.Index(
                fields=["house"],
                condition=models.Q(house__isnull=False),
                name="coll_person_house",
            ),
        ]

    def __str__(self):
        return self.name
