"""A case by its number (`selectors.event_get`: the case page, its steps, a merge target)
comes from a statement compiled once per jurisdiction and process: users of the same
scope share it, a user of another scope gets their own, and a change of roles or a case
shared one by one takes effect at once."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from events.models import Event, EventCategory
from events.selectors import _CASE_BY_NUMBER, event_get
from events.services import event_report
from governance.roles import Role
from governance.services import role_assign, role_revoke
from grids.models import Area

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"
KUANCHENG = "220103000000"


def _fresh(user):
    """The user as the next request loads it (roles read afresh)."""
    return get_user_model().objects.get(pk=user.pk)


def _sees(user, number: str) -> bool:
    try:
        return event_get(user=_fresh(user), number=number).number == number
    except Event.DoesNotExist:
        return False


def _grid(county: str) -> Area:
    return Area.objects.filter(level=6, code__startswith=county[:6]).order_by("code").first()


def test_a_case_by_number_follows_each_users_jurisdiction(make_user):
    category = EventCategory.objects.get(code="0601")
    nanguan_grid, kuancheng_grid = _grid(NANGUAN), _grid(KUANCHENG)
    reporter = make_user(Role.GRID_WORKER, nanguan_grid.code, "cbn_reporter")
    case = event_report(actor=reporter, title="占道经营", category=category, grid=nanguan_grid)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "cbn_nanguan")
    colleague = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "cbn_nanguan_2")
    outsider = make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "cbn_kuancheng")
    stranger = make_user(Role.GRID_WORKER, kuancheng_grid.code, "cbn_stranger")

    assert _sees(dispatcher, case.number)
    kept = len(_CASE_BY_NUMBER._kept)
    # The same jurisdiction: the same compiled statement, one statement run, no other.
    with CaptureQueriesContext(connection) as statements:
        found = event_get(user=colleague, number=case.number)
    assert found.pk == case.pk and found.current_area.code == NANGUAN  # areas come along
    assert len(_CASE_BY_NUMBER._kept) == kept
    # The colleague's roles and shared objects (once per request), then the case.
    assert len(statements) == 3

    # Another county's users see nothing of it, though a statement for Nanguan is kept.
    assert not _sees(outsider, case.number)
    assert not _sees(stranger, case.number)
    assert not _sees(dispatcher, "SJ00000000000000")

    # Roles change: the next request follows them.
    role_assign(
        actor=None, user=outsider, role=Role.COUNTY_DISPATCHER, area=Area.objects.get(code=NANGUAN)
    )
    assert _sees(outsider, case.number)
    role_revoke(
        actor=None,
        assignment=outsider.role_assignments.get(area__code=NANGUAN),
    )
    assert not _sees(outsider, case.number)

    # A case shared with a user one by one is theirs to open, and only that case.
    assign_perm("view_event", stranger, case)
    assert _sees(stranger, case.number)
    other = event_report(actor=reporter, title="占道经营 2", category=category, grid=nanguan_grid)
    assert not _sees(stranger, other.number)

    # Deactivated: no jurisdiction at all.
    dispatcher.is_active = False
    dispatcher.save(update_fields=["is_active"])
    assert not _sees(dispatcher, case.number)


def test_the_statement_is_built_from_the_scope_alone(make_user):
    """Two counties' dispatchers (and a superuser among them) have one scope shape: the
    statement built once from the samples gives, with each one's county in the samples'
    places, the SQL and parameters of each user's own query; and a builder reading more
    than the scope (the user's id, another model's shared rows) fails instead of baking
    one user's SQL into a shared statement."""
    from events.selectors import event_list
    from governance.compiled import CompiledQuery
    from governance.scoping import scope_of, shared_pks

    first = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "cbn_scope_1")
    second = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "cbn_scope_2")
    other = make_user(Role.COUNTY_DISPATCHER, "220103000000", "cbn_scope_3")
    second.is_superuser = second.is_staff = True
    second.save(update_fields=["is_superuser", "is_staff"])
    first, second, other = _fresh(first), _fresh(second), _fresh(other)
    scope = scope_of(Event, first)
    assert scope_of(Event, second).key == scope_of(Event, other).key == scope.key
    query = CompiledQuery(
        lambda number, **_areas: event_list(user=scope.principal).filter(number=number),
        optional=tuple(scope.samples),
        number="\x1fsample number",
        **scope.samples,
    )
    for user in (first, second, other):
        own = event_list(user=user).filter(number="SJ1").query.sql_with_params()
        _db, sql, params, _c, _i = query._statement(
            None, scope_of(Event, user).run_with(number="SJ1")
        )
        assert (sql.replace("%s", "?"), params) == (own[0].replace("%s", "?"), list(own[1]))

    with pytest.raises(AttributeError):
        scope.principal.pk  # noqa: B018
    with pytest.raises(LookupError):
        shared_pks(Area, scope.principal, "view")
