"""Writing the audit trail. Called by services inside their transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models

from .middleware import current_client_ip
from .models import AuditLog


def _plain(value: Any) -> Any:
    """JSON-safe form of a field value for the changes column."""
    if isinstance(value, GEOSGeometry):
        # Whole boundaries would bloat the trail; keep a fingerprint a reader can compare.
        return {"geom_type": value.geom_type, "num_points": value.num_points,
                "extent": [round(v, 6) for v in value.extent]}
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: _plain(getattr(instance, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def audit_record(**kwargs) -> AuditLog:
    entry = audit_entry(**kwargs)
    entry.save()
    return entry


def audit_records(entries: list[AuditLog]) -> list[AuditLog]:
    """Write many entries built with `audit_entry` in one statement."""
    return AuditLog.objects.bulk_create(entries)


def audit_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
    area_path: str = "",
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditLog(
        actor=actor if actor_ok else None,
        actor_name=(actor.get_username() if actor_ok else "system"),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        object_repr=object_repr,
        changes=changes or {},
        area_path=area_path,
        ip=current_client_ip(),
    )
