"""Moving a person between jurisdictions (迁入申请), without disclosing the held record.

A grid worker who registers a person whose ID number is already held outside their
jurisdiction gets neither the record nor where it is: a transfer request goes to the holding
side's staff, who accept (the record, with its history, tags and visits, moves to the
requesting grid) or refuse. Both sides are notified and every step is audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.access import require
from governance.audit import audit_record
from governance.changes import record_change
from governance.figures import figures_count, figures_retract
from governance.masking import mask_id_number
from governance.notifications import Text, notify
from governance.roles import Action, Role
from governance.scoping import jurisdiction_q, path_in_jurisdiction

from .actions import BASEDATA_CHANGE
from .models import Person, PersonTransfer

# Who runs base data on the ground and so decides whether a person moves out.
DECIDING_ROLES = {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_DISPATCHER}


class PersonTransferRequested(ValidationError):
    """Raised by `person_create` after the request is committed: the person was not created
    here; a transfer request went to the holding side. Carries the request."""

    def __init__(self, transfer: PersonTransfer):
        super().__init__(
            _("该证件号码须经原登记地确认后才能登记到本网格,已提交迁入申请,处理结果将通知您。"),
            code="transfer_requested",
        )
        self.transfer = transfer


def _deciders(area_path: str):
    """Active staff with a deciding role over the record's area (its grid up to its county)."""
    from django.contrib.auth import get_user_model

    from governance.models import RoleAssignment
    from grids.models import ancestor_paths

    q = RoleAssignment.objects.filter(
        role__in=DECIDING_ROLES, area__level__gte=3, area__path__in=ancestor_paths(area_path)
    )
    return get_user_model().objects.filter(pk__in=q.values("user_id"), is_active=True)


def _may_decide(actor, area_path: str) -> bool:
    from .policy import user_roles

    return path_in_jurisdiction(actor, area_path, BASEDATA_CHANGE) and any(
        role in DECIDING_ROLES and path and area_path.startswith(path)
        for role, path in user_roles(actor)
    )


@transaction.atomic
def person_transfer_request(
    *,
    actor,
    grid,
    person: Person,
    name: str,
    id_number: str,
    residence_address: str = "",
    note: str = "",
) -> PersonTransfer:
    """Ask the holding side to hand `person` over to `grid`. Called inside
    `person_create`'s transaction once the number is found held elsewhere; asking again for
    the same person and grid returns the open request."""
    existing = PersonTransfer.objects.filter(
        person=person, to_grid=grid, status=PersonTransfer.Status.PENDING
    ).first()
    if existing is not None:
        return existing
    transfer = PersonTransfer.objects.create(
        person=person,
        from_area_path=person.area_path,
        to_grid=grid,
        area_path=grid.path,
        name=(name or "").strip()[:50],
        id_number_masked=mask_id_number(id_number),
        residence_address=(residence_address or "").strip()[:300],
        note=(note or "").strip()[:300],
        requested_by=actor,
    )
    # The requesting side's trail: who asked, for which grid. Nothing about the holder.
    audit_record(
        actor=actor,
        action="person_transfer.request",
        obj=transfer,
        area_path=grid.path,
        changes={"to_grid": [None, grid.code]},
    )
    notify(
        users=list(_deciders(person.area_path)),
        kind="person.transfer",
        title=Text(
            gettext_lazy("迁入申请:%(name)s 申请迁入 %(grid)s"), name=person.name, grid=grid.name
        ),
        body=str(actor),
        url=reverse("collection:transfers"),
    )
    return transfer


@transaction.atomic
def person_transfer_decide(
    *, actor, transfer: PersonTransfer, accept: bool, reason: str = ""
) -> PersonTransfer:
    """The holding side accepts (the record moves to the requesting grid) or refuses."""
    transfer = PersonTransfer.objects.select_for_update().get(pk=transfer.pk)
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    if transfer.status != PersonTransfer.Status.PENDING:  # both sides see the status anyway
        raise ValidationError(_("该迁入申请已处理。"), code="conflict")
    if not _may_decide(actor, person.area_path):
        raise ValidationError(_("您无权处理该迁入申请。"), code="forbidden")
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError(_("处理意见不能超过 300 个字。"), code="invalid")
    if not accept and not reason:
        raise ValidationError(_("不同意迁入时请填写理由。"), code="required")
    old_grid, old_path = person.grid, person.area_path
    transfer.status = PersonTransfer.Status.ACCEPTED if accept else PersonTransfer.Status.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.reason = actor, timezone.now(), reason
    transfer.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor,
        action=f"person_transfer.{transfer.status}",
        obj=transfer,
        area_path=old_path,
        changes={"status": ["pending", transfer.status], "to_grid": [None, transfer.to_grid.code]},
    )
    if accept:
        new_grid = transfer.to_grid
        person.grid, person.area_path, person.house = new_grid, new_grid.path, None
        if transfer.residence_address:
            person.residence_address = transfer.residence_address
        figures_retract("people", [person.pk])  # the move leaves its old grid
        person.save()
        figures_count("people", [person.pk])
        # The move on the person's own trail, readable on both sides.
        for path in (old_path, new_grid.path):
            audit_record(
                actor=actor,
                action="person.transfer",
                obj=person,
                area_path=path,
                changes={"grid_id": [old_grid.pk, new_grid.pk], "transfer": [None, transfer.pk]},
            )
        record_change(dataset="people", obj=person, op="update", area_path=person.area_path)
        # Other open requests for this person are moot now.
        PersonTransfer.objects.filter(person=person, status=PersonTransfer.Status.PENDING).exclude(
            pk=transfer.pk
        ).update(status=PersonTransfer.Status.CANCELLED, decided_at=timezone.now())
        title = Text(
            gettext_lazy("迁入申请已同意:%(name)s 已迁入 %(grid)s"),
            name=transfer.name,
            grid=new_grid.name,
        )
    else:
        title = Text(
            gettext_lazy("迁入申请未获同意:%(name)s(%(reason)s)"), name=transfer.name, reason=reason
        )
    notify(
        users=[transfer.requested_by],
        kind="person.transfer",
        title=title,
        url=reverse("collection:transfers"),
    )
    return transfer


@transaction.atomic
def person_transfer_cancel(*, actor, transfer: PersonTransfer) -> PersonTransfer:
    """The requesting side withdraws its open request."""
    transfer = PersonTransfer.objects.select_for_update().get(pk=transfer.pk)
    # The requesting grid's staff, not a department of its county (issue 8, item 4:
    # departments do not change base data).
    require(actor, transfer.area_path, BASEDATA_CHANGE, message=_("您无权撤回该迁入申请。"))
    if transfer.status != PersonTransfer.Status.PENDING:
        raise ValidationError(_("该迁入申请已处理。"), code="conflict")
    transfer.status, transfer.decided_by = PersonTransfer.Status.CANCELLED, actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="person_transfer.cancel",
        obj=transfer,
        area_path=transfer.area_path,
        changes={"status": ["pending", "cancelled"]},
    )
    return transfer


def person_transfer_list(*, user):
    """Requests the user's side made (by requesting grid) or must decide (by the holding
    area), each within the user's jurisdiction. The holding side is its staff who
    decide (`basedata.change`): a department of the holding county is no party to it."""
    q = jurisdiction_q(user, Action.VIEW, "area_path") | jurisdiction_q(
        user, BASEDATA_CHANGE, "from_area_path"
    )
    return PersonTransfer.objects.filter(q).select_related("to_grid", "requested_by", "decided_by")


def person_transfer_side(user, transfer: PersonTransfer) -> str:
    """'holder' if the user decides this request, else 'requester'."""
    return "holder" if _may_decide(user, transfer.from_area_path) else "requester"
