"""Grid workers' visits (走访)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .base import GridRecord, area_path_index
from .people import Person


class Visit(GridRecord):
    """A grid worker's visit (走访)."""

    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
    )
    visited_at = models.DateTimeField(_("走访时间"))
    place = models.CharField(_("地点"), max_length=300)
    people = models.ManyToManyField(
        Person, blank=True, related_name="visits", verbose_name=_("走访对象")
    )
    findings = models.TextField(_("走访情况"))
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上报事件"),
    )

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at"]
        indexes = [area_path_index("coll_visit_area_path")]

    def __str__(self):
        return f"{self.place} {self.visited_at:%Y-%m-%d}"
