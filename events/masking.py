"""Phone numbers are masked except for the roles that must call the reporter."""

from governance.roles import Role

from . import permissions as perm

FULL_PHONE_ROLES = {Role.COUNTY_DISPATCHER, Role.TOWNSHIP_STAFF, Role.VILLAGE_STAFF,
                    Role.GRID_WORKER}


def mask_phone(phone: str) -> str:
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def phone_for(user, event) -> str:
    """Full number for the holder's staff and the reporter's grid worker; masked for
    everyone else (leaders, departments, auditors)."""
    if not event.reporter_phone:
        return ""
    roles = {r for r, _a, _p, _d in perm._roles(user)}
    if roles & FULL_PHONE_ROLES and (perm.holds_case(user, event) or perm.can_verify(user, event)):
        return event.reporter_phone
    return mask_phone(event.reporter_phone)
