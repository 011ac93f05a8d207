"""The inbox's four counts come from a statement kept per process for the user's roles and
shared cases, the user's id a parameter (events/selectors.py, governance/compiled.py):
they follow a change of roles at once, and are those of the boxes themselves."""

import pytest
from django.contrib.auth import get_user_model

from events.models import EventCategory
from events.selectors import INBOX_BOXES, inbox, inbox_counts
from events.services import event_report
from governance.roles import Role
from governance.services import role_assign, role_revoke
from grids.models import Area

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"


def _direct(user) -> dict[str, int]:
    return {box: inbox(user=user, box=box).count() for box in INBOX_BOXES if box != "all"}


def _fresh(user):
    """The user as the next request loads it (roles read afresh)."""
    return get_user_model().objects.get(pk=user.pk)


def test_counts_follow_the_users_roles(make_user):
    grids = list(Area.objects.filter(level=6, code__startswith=NANGUAN[:6]).order_by("code")[:2])
    reporter = make_user(Role.GRID_WORKER, grids[1].code, "icm_reporter")
    user = make_user(Role.GRID_WORKER, grids[0].code, "icm_user")
    category = EventCategory.objects.get(code="0601")
    for i in range(3):
        event_report(actor=reporter, title=f"占道经营{i}", category=category, grid=grids[1])

    alone = inbox_counts(user=_fresh(user))
    assert alone == _direct(_fresh(user))
    assert inbox_counts(user=_fresh(user)) == alone  # again, from the kept statement

    role_assign(
        actor=None, user=user, role=Role.COUNTY_DISPATCHER, area=Area.objects.get(code=NANGUAN)
    )
    dispatcher = inbox_counts(user=_fresh(user))
    assert dispatcher == _direct(_fresh(user))
    assert dispatcher["todo"] > alone["todo"]

    role_revoke(actor=None, assignment=user.role_assignments.get(role=Role.COUNTY_DISPATCHER))
    assert inbox_counts(user=_fresh(user)) == alone

    # Another user with the same roles: the same statement, their own id.
    other = make_user(Role.GRID_WORKER, grids[0].code, "icm_other")
    assert inbox_counts(user=_fresh(other)) == _direct(_fresh(other))
