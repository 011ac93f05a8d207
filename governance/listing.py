"""Sorting of server-rendered lists by a column the user clicked (`?sort=key`, `-key`
for the reverse). Only the keys a view whitelists are honoured: a user never chooses
a database field by name."""

from __future__ import annotations


def sort_queryset(qs, sort: str, sorts: dict[str, tuple[str, ...]]):
    """Order `qs` by the fields `sorts[key]` names, reversed for `-key`; an unknown or
    empty key leaves the selector's own order."""
    key = (sort or "").removeprefix("-")
    fields = sorts.get(key)
    if not fields:
        return qs
    if sort.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return qs.order_by(*fields)
