"""Field visibility per role, declared once (visible / masked / hidden), and who may
reveal a masked value. Selectors, serializers, forms and exports all go through
`present()`; nothing else decides how a protected field is shown. What counts is the
roles a user holds over the record's area, not their roles elsewhere."""

from __future__ import annotations

from governance.masking import mask_birth_date, mask_id_number, mask_phone
from governance.roles import Role
from governance.scoping import user_role_rows

VISIBLE, MASKED, HIDDEN = "visible", "masked", "hidden"

_WORKERS = {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_DISPATCHER}

# field → role → how the value is shown. Roles not listed: hidden.
FIELD_POLICY: dict[str, dict[str, str]] = {
    "id_number": {
        **{r: MASKED for r in _WORKERS},
        Role.ADMIN: MASKED,
        Role.AUDITOR: MASKED,
        Role.CITY_LEADER: MASKED,
        Role.PROVINCE_LEADER: MASKED,
    },
    "phone": {
        **{r: VISIBLE for r in _WORKERS},
        Role.ADMIN: MASKED,
        Role.AUDITOR: MASKED,
        Role.CITY_LEADER: MASKED,
        Role.PROVINCE_LEADER: MASKED,
    },
    # Health data of special groups (diagnosis, HIV status and route): only the staff who
    # manage and visit the person; leaders, administrators, auditors and departments
    # see that the field exists, not its value.
    "health": {r: VISIBLE for r in _WORKERS},
}
# Roles that may reveal the full value, one record at a time, with an audit row.
REVEAL_ROLES: dict[str, set[str]] = {
    "id_number": set(_WORKERS),
    "phone": set(_WORKERS) | {Role.ADMIN},
}
MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "health": lambda value: "***",
    "birth_date": mask_birth_date,
}
# Fields computed from the digits of another field take that field's treatment, so a mask
# is never undone by what stands beside it. The birth date is digits 7-14 of an 18-digit ID
# number (7-12 of a 15-digit one): exactly the digits its mask hides. Gender comes from
# digit 17 (15), which the mask shows, so it stays as it is; nothing else is derived.
DERIVED_FROM: dict[str, str] = {"birth_date": "id_number"}
# Every field this policy governs, for the audit trail's net (see collection.apps).
PERSONAL_FIELDS = ("id_number", "phone", "birth_date")

_ORDER = {HIDDEN: 0, MASKED: 1, VISIBLE: 2}


def user_roles(user) -> list[tuple[str, str]]:
    """(role, area path) of each of the user's roles (read once per request by the kernel)."""
    return [(role, path) for role, _a, path, _d in user_role_rows(user)]


def _roles_over(user, area_path: str) -> set[str]:
    """The roles the user holds over this area: a grid worker who is also leader of
    another city sees that city's records as a leader, not as a grid worker."""
    return {role for role, path in user_roles(user) if path and area_path.startswith(path)}


def mode_for(user, field: str, *, area_path: str) -> str:
    """The most permissive treatment any of the user's roles over the area grants; a
    derived field is treated as the field it is derived from."""
    policy = FIELD_POLICY[DERIVED_FROM.get(field, field)]
    modes = [policy.get(r, HIDDEN) for r in _roles_over(user, area_path)] or [HIDDEN]
    return max(modes, key=_ORDER.__getitem__)


def can_reveal(user, field: str, *, area_path: str) -> bool:
    return bool(_roles_over(user, area_path) & REVEAL_ROLES.get(field, set()))


def present(user, field: str, value, *, area_path: str):
    """The value as this user may see it for a record of this area: full, masked, or
    None (hidden). A derived field (birth date) follows its source (ID number)."""
    if not value:
        return value
    mode = mode_for(user, field, area_path=area_path)
    if mode == VISIBLE:
        return value
    if mode == MASKED:
        return MASKERS[field](value)
    return None
