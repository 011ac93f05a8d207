"""Who may act on a case at its current step. Pure reads over the user's roles, which the
kernel reads once per request (`governance.scoping.user_role_rows`)."""

from __future__ import annotations

from governance.roles import UNIT_ROLES, Role
from governance.scoping import user_role_rows


def is_unit_staff(user, area) -> bool:
    """Does the user work for the unit (area) itself?"""
    return any(
        role in UNIT_ROLES and area_id == area.id for role, area_id, _p, _d in user_role_rows(user)
    )


def is_department_handler(user, department) -> bool:
    return department is not None and any(
        role == Role.DEPARTMENT_HANDLER and dept_id == department.id
        for role, _a, _p, dept_id in user_role_rows(user)
    )


def holds_case(user, event) -> bool:
    """The current holder: the department it was dispatched to, or the unit's staff."""
    if event.current_department_id:
        return is_department_handler(user, event.current_department)
    return is_unit_staff(user, event.current_area)


def is_upper_level(user, event) -> bool:
    """Holds a role above the current unit whose jurisdiction covers the case."""
    level = event.current_area.level
    return any(
        event.area_path.startswith(path) and path.count("/") < level
        for role, _a, path, _d in user_role_rows(user)
        if role not in (Role.AUDITOR, Role.DEPARTMENT_HANDLER)
    )


def can_verify(user, event) -> bool:
    """The reporter, or a grid worker of the case's grid."""
    if user is None:
        return False
    if event.reporter_id and event.reporter_id == user.pk:
        return True
    return any(
        role == Role.GRID_WORKER and area_id == event.grid_id
        for role, area_id, _p, _d in user_role_rows(user)
    )


# -- rules of the actions outside the process (supervision) ----------------------------
# The one rule of each: the service checks it and refuses, the page asks it to decide
# whether to show the form at all.


def can_supervise(user, event) -> bool:
    """督办: an upper level over the current unit, while the case is open."""
    from .models import OPEN_STATUSES

    return event.status in OPEN_STATUSES and is_upper_level(user, event)


def can_answer_supervision(user, event) -> bool:
    """督办反馈: only the unit or department holding the case (the supervised one)."""
    return user is not None and holds_case(user, event)
