"""Routing rules: which department a dispatcher should send a case to."""

from __future__ import annotations

from governance.compiled import CompiledQueries
from grids.models import ancestor_paths

from .models import Event, RoutingRule


def suggested_department(event: Event):
    """The department of the most specific rule for the case's category (or the
    nearest parent category) among the rules of the case's area and its ancestors."""
    paths = ancestor_paths(event.area_path)
    codes = [event.category.code[:i] for i in range(len(event.category.code), 0, -2)]
    values = {
        **{f"path{i}": p for i, p in enumerate(paths)},
        **{f"code{i}": c for i, c in enumerate(codes)},
    }
    query = _RULES.get(
        (len(paths), len(codes)),
        lambda **s: _best_rule(
            [s[f"code{i}"] for i in range(len(codes))], [s[f"path{i}"] for i in range(len(paths))]
        ),
        **{name: f"\x1fsample {name}" for name in values},
    )
    rules = query.objects(**values)
    return rules[0].department if rules else None


def _best_rule(codes: list[str], paths: list[str]):
    return (
        RoutingRule.objects.filter(category__code__in=codes, area__path__in=paths)
        .select_related("department")  # the rule's area and category only order it
        # Deepest area first; then the most specific category ("0601" > "06").
        .order_by("-area__level", "-category__code")[:1]
    )


# Compiled once per process and number of areas above the case and of category levels
# (both IN lists): asked on every case page that may dispatch (governance/compiled.py).
_RULES = CompiledQueries(size=64)
