"""Every read of disputes, scoped by `Dispute.objects.restrict` (404 outside)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import NotFound
from grids.models import Area

from .models import CODE_BY_KEY, OPEN_STATUSES, Dispute, MediationOrg, Status

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
