"""Special groups and key youth (特殊人群 · 重点青少年) as tags on people: validation of
a tag's extra fields ("专项信息") against its schema (collection/tag_schemas.py, checked
by collection/extra_fields.py), reads, and the services that set, end and configure tags.

A tag is ended (解除矫正, 帮教期满 …), not deleted: ended tags stay as history and at
most one tag of a kind is active per person.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record, snapshot
from governance.changes import record_change
from governance.figures import figures_count, figures_retract
from governance.roles import Action, Role
from governance.versions import StaleVersion, row_version
from grids.models import ancestor_paths

from .actions import BASEDATA_CHANGE
from .extra_fields import extra_errors, extra_schema_set, schema_fields
from .figures import GROUP_FIGURES
from .models import ExtraFieldSchema, Person, PersonTag
from .tag_schemas import (  # noqa: F401 (re-exported: the tags API of the app)
    MAX_VISIT_EVERY_DAYS,
    PHONE_PATTERN,
    SCHEMA_PREFIX,
    _check_tag,
    default_tag_schemas,
    default_visit_every_days,
    tag_schema,
    tag_schema_overridden,
    tag_schemas,
)

UNSET: Any = object()  # "not given": keep the current value on update, default on create

# Who may be made responsible for a tagged person: the staff doing the work on the
# ground in an area containing the person's grid (not leaders, auditors or admins).
RESPONSIBLE_ROLES = (
    Role.GRID_WORKER,
    Role.VILLAGE_STAFF,
    Role.TOWNSHIP_STAFF,
    Role.COUNTY_DISPATCHER,
    Role.DEPARTMENT_HANDLER,
)

# Fields of the tag itself worth a before/after in the trail.
TAG_AUDITED = [
    "tag",
    "start_date",
    "responsible_id",
    "visit_every_days",
    "end_date",
    "ended_reason",
]


# -- validation -------------------------------------------------------------------------


class TagExtraInvalid(ValidationError):
    """The extra fields do not fit the tag's schema; `field_errors` maps each field key
    to its Chinese message (forms show them inline, the API returns them)."""

    def __init__(self, field_errors: dict[str, str], message: str):
        super().__init__(message, code="extra_invalid")
        self.field_errors = field_errors


def _clean_extra(extra: dict | None) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise TagExtraInvalid({}, _("专项信息须为键值对象。"))
    out = {}
    for key, value in extra.items():
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None, []):
            continue  # not filled in: let "required" speak
        out[key] = value
    return out


def validate_tag_extra(tag: str, extra: dict | None, schema: dict | None = None) -> dict:
    """The cleaned extra (empty values dropped), or TagExtraInvalid."""
    schema = schema if schema is not None else tag_schema(tag)
    extra = _clean_extra(extra)
    errors = extra_errors(schema, extra)
    if errors:
        order = [f["key"] for f in schema_fields(schema)]
        first = min(errors, key=lambda k: order.index(k) if k in order else len(order))
        raise TagExtraInvalid(errors, _("专项信息有误:%(m)s") % {"m": errors[first]})
    return extra


# -- reads ------------------------------------------------------------------------------


def tag_responsible_candidates(person: Person):
    """Active users holding a work role in the person's grid or an area above it."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role__in=RESPONSIBLE_ROLES,
            role_assignments__area__path__in=ancestor_paths(person.area_path),
        )
        .distinct()
        .order_by("full_name", "username")
    )


def person_tag_list(*, user, person_pk, include_ended: bool = False):
    """Tags of a person the user may see (Person.DoesNotExist outside the jurisdiction)."""
    person = Person.objects.restrict(user).get(pk=person_pk)
    qs = person.tags.select_related("responsible")
    if not include_ended:
        qs = qs.filter(end_date__isnull=True)
    return qs.order_by(F("end_date").desc(nulls_first=True), "tag", "-id")


def person_tag_get(*, user, person_pk, tag: str) -> PersonTag:
    """The active tag of a kind (PersonTag.DoesNotExist if none or out of reach)."""
    if tag not in PersonTag.Tag.values:
        raise PersonTag.DoesNotExist
    return (
        PersonTag.objects.select_related("person", "person__grid", "responsible")
        .filter(
            person__in=Person.objects.restrict(user),
            person_id=person_pk,
            tag=tag,
            end_date__isnull=True,
        )
        .get()
    )


# -- writes -----------------------------------------------------------------------------


def _require_change(actor, person: Person) -> None:
    require(actor, person.area_path, BASEDATA_CHANGE, message=_("该人员不在您的管辖范围内。"))


def _audit_state(tag_obj: PersonTag, schema: dict) -> tuple[dict, set[str]]:
    protected = {f["key"] for f in schema_fields(schema) if f["protected"]}
    state = snapshot(tag_obj, TAG_AUDITED)
    for key, value in (tag_obj.extra or {}).items():
        state[f"extra.{key}"] = value
    return state, {f"extra.{k}" for k in protected}


def _audit_changes(before: dict, after: dict, protected: set[str]) -> dict:
    """{field: [before, after]}; a protected value changed is logged as "***" only."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = (
                [None if old is None else "***", None if new is None else "***"]
                if key in protected
                else [old, new]
            )
    return changes


@transaction.atomic
def person_tag_set(
    *,
    actor,
    person: Person,
    tag: str,
    start_date=UNSET,
    responsible=UNSET,
    visit_every_days=UNSET,
    extra=UNSET,
    version: str | None = None,
) -> tuple[PersonTag, bool]:
    """Create the person's active tag of this kind, or update it; (tag, created).

    Arguments left UNSET keep their value on update and take the default on create;
    `extra` replaces the whole extra object and is validated against the tag's schema
    (always on create, on update only when given).

    With `version` (the tag as the writer read it): refused with StaleVersion (409) if the
    tag changed or ended meanwhile."""
    _check_tag(tag)
    _require_change(actor, person)
    # Lock the person: tag writes of one person are serialised, so the "one active tag
    # of a kind" check below cannot race.
    person = Person.objects.select_for_update().get(pk=person.pk)
    schema = tag_schema(tag)
    tag_obj = PersonTag.objects.filter(person=person, tag=tag, end_date__isnull=True).first()
    created = tag_obj is None
    _tag_version_check(person, tag, tag_obj, version)
    if created:
        tag_obj = PersonTag(
            person=person, tag=tag, visit_every_days=default_visit_every_days(tag, schema)
        )
        before, protected = {}, set()
    else:
        before, protected = _audit_state(tag_obj, schema)
    if start_date is not UNSET:
        if isinstance(start_date, datetime.datetime) or (
            start_date is not None and not isinstance(start_date, datetime.date)
        ):
            raise ValidationError(_("起始日期无效。"), code="invalid")
        if start_date and start_date > timezone.localdate():
            raise ValidationError(_("起始日期不能晚于今天。"), code="invalid")
        tag_obj.start_date = start_date
    if visit_every_days is not UNSET:
        if (
            isinstance(visit_every_days, bool)
            or not isinstance(visit_every_days, int)
            or not 1 <= visit_every_days <= MAX_VISIT_EVERY_DAYS
        ):
            raise ValidationError(
                _("走访周期须为 1 至 %(n)s 天。") % {"n": MAX_VISIT_EVERY_DAYS}, code="invalid"
            )
        tag_obj.visit_every_days = visit_every_days
    if responsible is not UNSET:
        if (
            responsible is not None
            and not tag_responsible_candidates(person).filter(pk=responsible.pk).exists()
        ):
            raise ValidationError(
                _("责任人须在该人员所在网格或其上级区域任职。"), code="invalid_responsible"
            )
        tag_obj.responsible = responsible
    if created or extra is not UNSET:
        tag_obj.extra = validate_tag_extra(tag, None if extra is UNSET else extra, schema)
    if created:  # the person's group cells are re-counted with the new tag
        figures_retract("people", [person.pk], figures=GROUP_FIGURES)
    tag_obj.save()
    if created:
        figures_count("people", [person.pk], figures=GROUP_FIGURES)
    after, protected_after = _audit_state(tag_obj, schema)
    audit_record(
        actor=actor,
        action="person_tag.create" if created else "person_tag.update",
        obj=tag_obj,
        area_path=person.area_path,
        changes=_audit_changes(before, after, protected | protected_after),
    )
    record_change(dataset="people", obj=person, op="update", area_path=person.area_path)
    return tag_obj, created


@transaction.atomic
def person_tag_end(
    *,
    actor,
    tag_obj: PersonTag,
    end_date: datetime.date | None = None,
    reason: str,
    version: str | None = None,
) -> PersonTag:
    """End an active tag (解除矫正, 帮教期满, 登记有误 …); the record stays as history.
    With `version`: refused with StaleVersion (409) if the tag changed meanwhile."""
    person = tag_obj.person
    _require_change(actor, person)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    tag_obj = PersonTag.objects.get(pk=tag_obj.pk)
    _tag_version_check(person, tag_obj.tag, tag_obj, version)
    if tag_obj.end_date is not None:
        raise ValidationError(_("该标签已结束。"), code="invalid_state")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写结束原因。"), code="required")
    if len(reason) > 200:
        raise ValidationError(_("结束原因不能超过 200 个字。"), code="invalid")
    end_date = end_date or timezone.localdate()
    if end_date > timezone.localdate():
        raise ValidationError(_("结束日期不能晚于今天。"), code="invalid")
    if tag_obj.start_date and end_date < tag_obj.start_date:
        raise ValidationError(_("结束日期不能早于起始日期。"), code="invalid")
    figures_retract("people", [person.pk], figures=GROUP_FIGURES)
    tag_obj.end_date, tag_obj.ended_reason = end_date, reason
    tag_obj.save(update_fields=["end_date", "ended_reason", "updated_at"])
    figures_count("people", [person.pk], figures=GROUP_FIGURES)
    audit_record(
        actor=actor,
        action="person_tag.end",
        obj=tag_obj,
        area_path=person.area_path,
        changes={"end_date": [None, end_date.isoformat()], "ended_reason": [None, reason]},
    )
    record_change(dataset="people", obj=person, op="update", area_path=person.area_path)
    return tag_obj


def _tag_version_check(person: Person, tag: str, tag_obj: PersonTag | None, version) -> None:
    """The person is locked by the caller, so the tag cannot move while compared. A tag
    ended meanwhile is the server's version (the latest of its kind)."""
    if version is None:
        return
    current = tag_obj or (
        PersonTag.objects.filter(person=person, tag=tag).order_by("-end_date", "-id").first()
    )
    if current is not None and row_version(current) != str(version).strip():
        raise StaleVersion(current)


def _require_configure(actor) -> None:
    require(actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以配置扩展字段。"))


def tag_schema_override(*, actor, tag: str, schema: dict):
    """An administrator's schema for a tag (stored as ExtraFieldSchema "tag:<tag>")."""
    _check_tag(tag)
    _require_configure(actor)
    if (
        not isinstance(schema, dict)
        or schema.get("type") != "object"
        or not isinstance(schema.get("properties"), dict)
        or not schema["properties"]
    ):
        raise ValidationError(_("专项信息的 Schema 须为含 properties 的 object。"), code="invalid")
    if any(not isinstance(p, dict) for p in schema["properties"].values()):
        raise ValidationError(_("每个字段须为对象。"), code="invalid")
    return extra_schema_set(actor=actor, dataset=SCHEMA_PREFIX + tag, schema=schema)


@transaction.atomic
def tag_schema_reset(*, actor, tag: str) -> bool:
    """Drop the override: the default schema applies again. True if there was one."""
    _check_tag(tag)
    _require_configure(actor)
    obj = ExtraFieldSchema.objects.filter(dataset=SCHEMA_PREFIX + tag).first()
    if obj is None:
        return False
    audit_record(
        actor=actor, action="extra_schema.reset", obj=obj, changes={"dataset": [obj.dataset, None]}
    )
    obj.delete()
    return True
