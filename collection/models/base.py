"""What every data class shares: the grid a record belongs to (and so every level above
it), and the list of data classes."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.choices import ChoiceDisplayMixin
from governance.scoping import ScopedQuerySet


class Dataset(models.TextChoices):
    PEOPLE = "people", _("实有人口")
    HOUSES = "houses", _("实有房屋")
    ORGANISATIONS = "organisations", _("组织")
    PLACES = "places", _("重点场所")


def area_path_index(name: str) -> models.Index:
    """The one index on area_path: governance.scoping's `area_path LIKE 'path%'` (every
    restrict()) and the grid's `area_path = path` (collection/duties.py)."""
    return models.Index(fields=["area_path"], opclasses=["varchar_pattern_ops"], name=name)


class GridRecord(ChoiceDisplayMixin, models.Model):
    """Common columns: the grid, its path (denormalised for scoping) and timestamps."""

    grid = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属网格")
    )
    # Indexed per model (area_path_index): scoping filters by prefix (LIKE 'path%'), which
    # a plain btree serves only under the C collation; the pattern_ops index also serves =.
    area_path = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    extra = models.JSONField(_("扩展信息"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        abstract = True
