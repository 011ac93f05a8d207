"""Writing the audit trail. Called by services inside their transaction.

Nothing personal is stored unmasked: every entry passes through `scrub()` where it is built
(`audit_entry`) and again where entries are written in bulk (`audit_records`), whichever
service wrote it. Two nets:

- by key: a field registered as personal (apps register theirs with
  `register_personal_field`, e.g. collection's ``id_number``, ``phone``, ``birth_date``) is
  replaced by its masked form wherever it appears in ``changes`` — at the top level, inside
  a ``[before, after]`` pair, or nested (export filters);
- by value: any text in ``changes`` or ``object_repr`` that looks like a mainland ID number
  or mobile number is masked, so a number typed into a search box, a title or a note is
  caught even when no key names it.

The kernel knows no app: the registry is filled by the apps' ``ready()``.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models

from .middleware import current_client_ip
from .models import AuditLog


def _plain(value: Any) -> Any:
    """JSON-safe form of a field value for the changes column."""
    if isinstance(value, GEOSGeometry):
        # Whole boundaries would bloat the trail; keep a fingerprint a reader can compare.
        return {
            "geom_type": value.geom_type,
            "num_points": value.num_points,
            "extent": [round(v, 6) for v in value.extent],
        }
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


# key -> masker of one value (never raising; None and "" stay as they are).
_PERSONAL_KEYS: dict[str, Callable[[Any], Any]] = {}

# 18-digit ID numbers (with a plausible birth date) and 11-digit mobiles not glued to other
# digits or letters: event numbers (SJ20261130000123) and 15-digit grid codes stay readable.
# Old 15-digit ID numbers cannot be told from grid codes by shape; they are caught by key.
_ID18 = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12]\d|3[01])(\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def register_personal_field(name: str, masker: Callable[[Any], Any]) -> None:
    """Declare `name` personal: its values reach the trail only as `masker` returns them."""
    _PERSONAL_KEYS[name] = masker


def scrub_text(text: str) -> str:
    """Mask ID and mobile numbers inside free text (same shapes as the field masks)."""
    text = _ID18.sub(lambda m: m[1] + "*" * 8 + m[2], text)
    return _MOBILE.sub(lambda m: m[1] + "****" + m[2], text)


def _mask_value(masker: Callable[[Any], Any], value: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, (list, tuple)):  # a [before, after] pair
        return [_mask_value(masker, v) for v in value]
    if isinstance(value, dict):
        return scrub(value)
    return masker(value if isinstance(value, (str, datetime.date)) else str(value))


def scrub(value: Any, key: str | None = None) -> Any:
    """`value` with every personal field masked and every ID or mobile number in text
    masked; returns a new structure, the argument is left as it is."""
    if key is not None and key in _PERSONAL_KEYS:
        return _mask_value(_PERSONAL_KEYS[key], value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _scrub_entry(entry: AuditLog) -> AuditLog:
    entry.changes = scrub(_plain_tree(entry.changes or {}))
    entry.object_repr = scrub_text(entry.object_repr or "")[:200]
    return entry


def _plain_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v) for v in value]
    return _plain(value)


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
    """Write many entries built with `audit_entry` in one statement (scrubbed again: an
    entry built any other way gets the same treatment)."""
    return AuditLog.objects.bulk_create([_scrub_entry(e) for e in entries])


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
    return _scrub_entry(
        AuditLog(
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
    )
