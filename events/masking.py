"""Reporters' phone numbers (encrypted at rest, see Event.reporter_phone) and citizens'
names are masked except for the roles that must call the reporter."""

from governance.roles import Role
from governance.scoping import user_role_rows

from . import permissions as perm

FULL_PHONE_ROLES = {
    Role.COUNTY_DISPATCHER,
    Role.TOWNSHIP_STAFF,
    Role.VILLAGE_STAFF,
    Role.GRID_WORKER,
}


def mask_phone(phone: str) -> str:
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def phone_for(user, event) -> str:
    """Full number for the holder's staff and the reporter's grid worker; masked for
    everyone else (leaders, departments, auditors)."""
    if not event.reporter_phone:
        return ""
    if _may_contact(user, event):
        return event.reporter_phone
    return mask_phone(event.reporter_phone)


def _may_contact(user, event) -> bool:
    roles = {r for r, _a, _p, _d in user_role_rows(user)}
    return bool(roles & FULL_PHONE_ROLES) and (
        perm.holds_case(user, event) or perm.can_verify(user, event)
    )


def reporter_name_for(user, event) -> str:
    """A citizen's name (no account: public page, Open311) is personal data and follows the
    phone's rule; a staff reporter's name is their working name and is shown."""
    if not event.reporter_name or event.reporter_id or _may_contact(user, event):
        return event.reporter_name
    from governance.masking import mask_name

    return mask_name(event.reporter_name)
