"""Field visibility per role, declared once (visible / masked / hidden), and who may
reveal a masked value. Selectors, serializers, forms and exports all go through
`present()`; nothing else decides how a protected field is shown."""

from __future__ import annotations

from governance.roles import Role

from .masking import mask_id_number, mask_phone

VISIBLE, MASKED, HIDDEN = "visible", "masked", "hidden"

_WORKERS = {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_DISPATCHER}

# field → role → how the value is shown. Roles not listed: hidden.
FIELD_POLICY: dict[str, dict[str, str]] = {
    "id_number": {**{r: MASKED for r in _WORKERS}, Role.ADMIN: MASKED, Role.AUDITOR: MASKED,
                  Role.CITY_LEADER: MASKED, Role.PROVINCE_LEADER: MASKED},
    "phone": {**{r: VISIBLE for r in _WORKERS}, Role.ADMIN: MASKED, Role.AUDITOR: MASKED,
              Role.CITY_LEADER: MASKED, Role.PROVINCE_LEADER: MASKED},
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
MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "health": lambda value: "***"}

_ORDER = {HIDDEN: 0, MASKED: 1, VISIBLE: 2}


def user_roles(user) -> set[str]:
    cache = user.__dict__.get("_collection_roles")
    if cache is None:
        cache = set(user.role_assignments.values_list("role", flat=True)) \
            if getattr(user, "is_authenticated", False) else set()
        user.__dict__["_collection_roles"] = cache
    return cache


def mode_for(user, field: str) -> str:
    """The most permissive treatment any of the user's roles grants."""
    policy = FIELD_POLICY[field]
    modes = [policy.get(r, HIDDEN) for r in user_roles(user)] or [HIDDEN]
    return max(modes, key=_ORDER.__getitem__)


def can_reveal(user, field: str) -> bool:
    return bool(user_roles(user) & REVEAL_ROLES.get(field, set()))


def present(user, field: str, value: str | None) -> str | None:
    """The value as this user may see it: full, masked, or None (hidden)."""
    if not value:
        return value
    mode = mode_for(user, field)
    if mode == VISIBLE:
        return value
    if mode == MASKED:
        return MASKERS[field](value)
    return None
