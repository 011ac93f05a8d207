"""Routing rules: which department a dispatcher should send a case to."""

from __future__ import annotations

from governance.compiled import CompiledQueries, run_listed
from grids.models import ancestor_paths

from .models import Event, RoutingRule


def suggested_department(event: Event):
    """The department of the most specific rule for the case's category (or the
    nearest parent category) among the rules of the case's area and its ancestors."""
    codes = [event.category.code[:i] for i in range(len(event.category.code), 0, -2)]
    rules = run_listed(
        _RULES, "best rule", _best_rule, codes=codes, paths=ancestor_paths(event.area_path)
    )
    return rules[0].department if rules else None


def _best_rule(codes: list[str], paths: list[str]):
    return (
        RoutingRule.objects.filter(category__code__in=codes, area__path__in=paths)
        .select_related("department")  # the rule's area and category only order it
        # Deepest area first; then the most specific category ("0601" > "06").
        .order_by("-area__level", "-category__code")[:1]
    )


# Compiled once per process and number of areas above the case and of category levels
# (governance/compiled.py run_listed): asked on every case page that may dispatch.
_RULES = CompiledQueries(size=64)
