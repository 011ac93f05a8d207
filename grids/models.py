from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县(区)")
    TOWNSHIP = 4, _("乡镇(街道)")
    VILLAGE = 5, _("村(社区)")
    GRID = 6, _("网格")


PATH_SEPARATOR = "/"

# An area's outlines: tens to hundreds of kB each (a county's ~50 kB, the province's
# ~700 kB), sent by PostgreSQL and decoded by GEOS whenever an area row is loaded whole.
# A page or a write that needs an area's name, path or level defers them.
OUTLINES = ("boundary", "boundary_simple")


def outlines_of(*relations: str) -> list[str]:
    """The outline columns of the areas reached through `relations` (select_related
    paths), for `.defer()`."""
    return [f"{relation}__{field}" for relation in relations for field in OUTLINES]


def ancestor_paths(path: str) -> list[str]:
    """ "a/b/c/" → ["a/", "a/b/", "a/b/c/"]: the paths of the areas containing `path`,
    itself included — for "rules or departments of this area or above" lookups."""
    codes = [c for c in path.split(PATH_SEPARATOR) if c]
    return [PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR for i in range(len(codes))]


class Area(models.Model):
    """One node of the six-level tree (province → … → grid).

    `parent` is the truth; `path` ("220000000000/220100000000/…/<own code>/") is kept
    in step by the services so that "everything under X" is one indexed prefix match
    (`path LIKE 'X.path%'`, served by the varchar_pattern_ops index Django creates).
    """

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=120, unique=True)
    # Functional zones (开发区) are county-level units without territory of their own:
    # they have names, codes and staff but no boundary and no grids (docs/data.md).
    has_territory = models.BooleanField(_("有独立辖区"), default=True)
    boundary = models.MultiPolygonField(_("边界"), srid=4326, null=True, blank=True)
    boundary_simple = models.MultiPolygonField(
        _("简化边界"), srid=4326, null=True, blank=True, spatial_index=False
    )
    centroid = models.PointField(_("中心点"), srid=4326, null=True, blank=True, spatial_index=False)
    area_m2 = models.FloatField(_("面积(平方米)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "path"

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["parent", "code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6), name="area_level_range"
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.code})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("grids:area-detail", args=[self.code])

    @property
    def area_km2(self) -> float | None:
        return None if self.area_m2 is None else self.area_m2 / 1e6

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split(PATH_SEPARATOR) if c]


class LocateCell(models.Model):
    """A grid's boundary cut into small pieces (ST_Subdivide) for fast point lookup.

    Large, detailed polygons make point-in-polygon slow; pieces of at most ~64
    vertices keep each test cheap and the GiST index selective.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    geom = models.PolygonField(srid=4326)

    class Meta:
        verbose_name = _("定位单元")
        verbose_name_plural = _("定位单元")
