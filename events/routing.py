"""Routing rules: which department a dispatcher should send a case to."""

from __future__ import annotations

from grids.models import ancestor_paths

from .models import Event, RoutingRule


def suggested_department(event: Event):
    """The department of the most specific rule for the case's category (or the
    nearest parent category) among the rules of the case's area and its ancestors."""
    paths = ancestor_paths(event.area_path)
    codes = [event.category.code[:i] for i in range(len(event.category.code), 0, -2)]
    rule = (
        RoutingRule.objects.filter(category__code__in=codes, area__path__in=paths)
        .select_related("department")  # the rule's area and category only order it
        # Deepest area first; then the most specific category ("0601" > "06").
        .order_by("-area__level", "-category__code")
        .first()
    )
    return rule.department if rule else None
