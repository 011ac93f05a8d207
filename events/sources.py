"""Who reported a case, and through what channel: the one rule for `Event.source`.

The page and the API both ask `report_source`; neither spells a role of its own.
Citizens (public page) and Open311 clients set their source where they report.
"""

from __future__ import annotations

from governance.roles import Role
from governance.scoping import user_role_rows

from .models import Source

PAGE = "page"
API = "api"
CHANNELS = (PAGE, API)

_STAFF_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_DISPATCHER})


def report_source(*, actor, channel: str) -> str:
    """A grid worker reports as a grid worker (page or API); a department handler as its
    department; other staff on the page as staff (工作人员上报); any other API client as
    the API."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    roles = {role for role, _area, _path, _dept in user_role_rows(actor)}  # read once a request
    if Role.GRID_WORKER in roles:
        return Source.GRID_WORKER
    if actor.department_id or Role.DEPARTMENT_HANDLER in roles:
        return Source.DEPARTMENT
    if channel == API:
        return Source.API
    # On the page: village, township and county staff (and anyone else allowed to report
    # there, which the service checks) report as staff.
    return Source.STAFF
