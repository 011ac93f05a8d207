"""Every read of disputes, scoped by `Dispute.objects.restrict` (404 outside), and of the
linked departments (to configure: in the administrator's jurisdiction)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from collection.models import Person
from collection.services import id_lookup_index
from collection.validators import validate_id_number
from governance.errors import NotFound
from governance.masking import mask_id_number
from governance.models import Department
from governance.roles import Action
from governance.scoping import jurisdiction_q
from grids.models import Area

from .models import (
    CODE_BY_KEY,
    OPEN_STATUSES,
    Dispute,
    MediationLink,
    MediationOrg,
    Party,
    Status,
)

AREA_CODE = re.compile(r"^\d{6,15}$")


def area_get(*, user, code) -> Area:
    """An area of the user's jurisdiction by its code (404 otherwise)."""
    if not code or not AREA_CODE.match(str(code)):
        raise ValidationError(_("区域编码无效。"), code="invalid_area")
    area = Area.objects.restrict(user).filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    return area


def overdue(qs):
    """最超期: the open disputes past their deadline, the longest overdue first."""
    return qs.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.now()).order_by(
        "deadline", "id"
    )


def dispute_list(*, user, area=None, code=None, status=None, overdue_only=False):
    qs = Dispute.objects.restrict(user).select_related("grid", "org")
    if area:
        qs = qs.filter(area_path__startswith=area_get(user=user, code=area).path)
    if code:
        if code not in CODE_BY_KEY:
            raise ValidationError(_("调解码无效。"), code="invalid_code")
        qs = qs.filter(code=CODE_BY_KEY[code])
    if status:
        if status not in Status.values:
            raise ValidationError(_("纠纷状态无效。"), code="invalid_status")
        qs = qs.filter(status=status)
    return overdue(qs) if overdue_only else qs


def dispute_get(*, user, pk) -> Dispute:
    try:
        return (
            Dispute.objects.restrict(user)
            .select_related("grid", "org", "mediator", "event")
            .prefetch_related("parties", "sessions", "agreements", "follow_ups", "code_changes")
            .get(pk=int(pk))
        )
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("纠纷不存在或不在您的管辖范围内。")) from None


def org_list(*, user):
    return MediationOrg.objects.restrict(user).select_related("area")


LOOKUP_LIMIT = 10


def party_lookup(*, user, id_number: str) -> dict:
    """Who an ID number typed at intake is, as far as the clerk may see: people of the
    base data (through the blind index, never decrypting), parties of earlier disputes
    and the open disputes of that party (the duplicate check, before saving). Names and
    masked numbers only. A number failing GB 11643 raises its ValidationError."""
    from .services import duplicates_find, id_index

    number = validate_id_number(id_number).number
    people = (
        Person.objects.restrict(user)
        .filter(id_number_index=id_lookup_index(number))
        .select_related("grid")[:LOOKUP_LIMIT]
    )
    index = id_index(number)
    parties = (
        Party.objects.filter(id_number_index=index, dispute__in=Dispute.objects.restrict(user))
        .select_related("dispute")
        .order_by("-dispute__registered_at")[:LOOKUP_LIMIT]
    )
    duplicates = duplicates_find(actor=user, parties=[Party(id_number_index=index)])
    return {
        "masked": mask_id_number(number),
        "people": [
            {"id": p.pk, "name": p.name, "id_number": mask_id_number(number), "grid": p.grid.name}
            for p in people
        ],
        "parties": [
            {
                "name": p.name,
                "role": p.get_role_display(),
                "number": p.dispute.number,
                "status": p.dispute.get_status_display(),
            }
            for p in parties
        ],
        "duplicates": list(duplicates.order_by("registered_at")[:LOOKUP_LIMIT]),
    }


# -- 诉调/警调/访调 links (the province administrator's page) -----------------------------------


def link_list(*, user):
    """The links whose department lies in the user's jurisdiction (to configure)."""
    return (
        MediationLink.objects.filter(
            jurisdiction_q(user, Action.CONFIGURE, "department__area__path")
        )
        .select_related("department__area")
        .order_by("department__area__path", "kind", "department__code")
    )


def link_get(*, user, pk) -> MediationLink:
    link = link_list(user=user).filter(pk=pk).first()
    if link is None:
        raise NotFound(_("对接部门不存在或不在您的管辖范围内。"))
    return link


def link_department_get(*, user, code: str) -> Department:
    """A department of the user's jurisdiction by its code, for a new link."""
    department = (
        Department.objects.filter(jurisdiction_q(user, Action.CONFIGURE, "area__path"))
        .select_related("area")
        .filter(code=code)
        .first()
    )
    if department is None:
        raise ValidationError(
            _("部门 %(c)s 不存在或不在您的管辖范围内。") % {"c": code}, code="invalid_department"
        )
    return department
