"""Every read of the risk app, scoped: warnings through `Warning.objects.restrict`, a
person's scorecard only for a person the user may see (404 otherwise)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from governance.errors import NotFound
from grids.models import Area

from .evaluation import rules_active, scorecard
from .models import COLOUR_BY_KEY, KEY_BY_COLOUR, Rule, SubjectKind, Warning, WarningEvidence

AREA_CODE = re.compile(r"^\d{6,15}$")


def warning_list(*, user, area=None, colour=None, status=None, subject_kind=None, open_only=False):
    qs = Warning.objects.restrict(user).select_related("rule", "version")
    if area:
        if not AREA_CODE.match(str(area)):
            raise ValidationError(_("区域编码无效。"), code="invalid_area")
        found = Area.objects.restrict(user).filter(code=area).only("path").first()
        if found is None:
            raise NotFound(_("区域不存在或不在您的管辖范围内。"))
        qs = qs.filter(area_path__startswith=found.path)
    if colour:
        if colour not in COLOUR_BY_KEY:
            raise ValidationError(_("预警等级无效。"), code="invalid_colour")
        qs = qs.filter(colour=COLOUR_BY_KEY[colour])
    if status:
        if status not in Warning.Status.values:
            raise ValidationError(_("预警状态无效。"), code="invalid_status")
        qs = qs.filter(status=status)
    elif open_only:
        qs = qs.filter(status__in=Warning.OPEN)
    if subject_kind:
        if subject_kind not in SubjectKind.values:
            raise ValidationError(_("预警对象类型无效。"), code="invalid_subject_kind")
        qs = qs.filter(subject_kind=subject_kind)
    return qs


def warning_inbox(*, user):
    """预警待办: open warnings addressed to a unit where the user holds a unit role."""
    from governance.roles import UNIT_ROLES
    from governance.scoping import user_role_rows

    units = [path for role, _a, path, _d in user_role_rows(user) if role in UNIT_ROLES]
    return warning_list(user=user).filter(
        unit_path__in=units,
        status__in=[Warning.Status.ISSUED, Warning.Status.ACKNOWLEDGED],
    )


def warning_get(*, user, pk) -> Warning:
    try:
        return Warning.objects.restrict(user).select_related("rule", "version").get(pk=int(pk))
    except (Warning.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("预警不存在或不在您的管辖范围内。")) from None


def evidence_get(*, user, pk) -> WarningEvidence:
    """A file of a warning the user may see (`Warning.objects.restrict`); else NotFound."""
    try:
        return WarningEvidence.objects.select_related("warning").get(
            pk=int(pk), warning__in=Warning.objects.restrict(user)
        )
    except (WarningEvidence.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("文件不存在或不在您的管辖范围内。")) from None


def rule_list():
    return Rule.objects.select_related("version").order_by("name")


def rule_get(*, pk) -> Rule:
    try:
        return Rule.objects.select_related("version").get(pk=int(pk))
    except (Rule.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("规则不存在。")) from None


def person_risk(*, user, pk) -> dict:
    """The person's explainable score: under each active person rule, every factor's
    value, weight and contribution (they sum to the score); the rule giving the highest
    colour (then score) is the headline."""
    from collection.models import Person

    try:
        person = Person.objects.restrict(user).get(pk=int(pk))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("人员不存在或不在您的管辖范围内。")) from None
    rules = []
    for rule in rules_active(SubjectKind.PERSON):
        card = scorecard(SubjectKind.PERSON, rule.version.definition, person.pk)
        rules.append(
            {"rule": {"id": rule.pk, "name": rule.name, "version": rule.version.number}, **card}
        )
    order = {k: c for c, k in KEY_BY_COLOUR.items()}
    rules.sort(key=lambda r: (order.get(r["colour"], 0), r["score"]), reverse=True)
    head = rules[0] if rules else {"score": 0, "colour": None, "factors": [], "rule": None}
    return {
        "person": person,
        "score": head["score"],
        "colour": head["colour"],
        "rule": head["rule"],
        "factors": head["factors"],
        "rules": rules,
    }
