"""Statements compiled once per shape of jurisdiction (governance/scoping.py Scope,
governance/compiled.py): users with the same roles in different places share a key, and
the statement built from the samples gives, with each user's areas and departments in
the samples' places, exactly the SQL and parameters of restrict() for that user — paths
as LIKE prefixes, departments in arrays and IN lists alike. Jurisdictions whose areas
nest or repeat keep their values in the key; a builder that derives a value from a
sample is refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from collection.models import Person
from events.models import Event
from governance.compiled import SAMPLE_MARK, CompiledQuery
from governance.roles import Role
from governance.scoping import scope_of
from governance.services import department_create
from grids.models import Area, ancestor_paths
from integrations.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NANGUAN, KUANCHENG = "220102000000", "220103000000"
GRID_A, GRID_B = "220102001001001", "220102001001002"


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _same_as_restrict(model, users) -> tuple:
    """Compile once from the first user's scope; each user's statement must be their own
    restrict()'s. Returns the scope key they share."""
    scope = scope_of(model, users[0])
    query = CompiledQuery(
        lambda pk, **_areas: model.objects.restrict(scope.principal).filter(pk__gt=pk),
        optional=tuple(scope.samples),
        pk=987_654_301,
        **scope.samples,
    )
    for user in users:
        own = scope_of(model, user)
        assert own.key == scope.key
        sql, params = model.objects.restrict(user).filter(pk__gt=5).query.sql_with_params()
        _db, kept_sql, kept_params, _c, _i = query._statement(None, own.run_with(pk=5))
        # The same SQL; the same parameters, up to the order of the OR'ed subtrees
        # (restrict() sorts the paths: the samples' order is not the values').
        assert kept_sql == sql, user
        assert sorted(map(str, kept_params)) == sorted(map(str, params)), user
        if len(own.samples) <= 3:  # one role: in the very order
            assert kept_params == list(params), user
        assert {o.pk for o in query.objects(**own.run_with(pk=0))} == set(
            model.objects.restrict(user).values_list("pk", flat=True)
        )
    return scope.key


def test_grid_workers_of_any_grid_share_one_statement(make_user):
    a = _fresh(make_user(Role.GRID_WORKER, GRID_A, "ss_a"))
    b = _fresh(make_user(Role.GRID_WORKER, GRID_B, "ss_b"))
    for model in (Event, Person, Area):
        key = _same_as_restrict(model, [a, b])
        assert key[0] == "shape"


def test_department_handlers_share_one_with_their_department_a_parameter(make_user):
    nanguan, kuancheng = Area.objects.get(code=NANGUAN), Area.objects.get(code=KUANCHENG)
    one = department_create(actor=None, code="SS-D1", name="城管一", area=nanguan)
    two = department_create(actor=None, code="SS-D2", name="城管二", area=kuancheng)
    a = _fresh(make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "ss_h1", department=one))
    b = _fresh(make_user(Role.DEPARTMENT_HANDLER, KUANCHENG, "ss_h2", department=two))
    # `departments && ARRAY[…]` (cases) and `department_id IN (…)` (deliveries).
    for model in (Event, WebhookDelivery):
        _same_as_restrict(model, [a, b])
    assert "dept0" in scope_of(Event, a).samples


def test_two_roles_apart_share_one_statement(make_user):
    from governance.services import role_assign

    # Each a county's dispatcher and a grid worker in the other county: two areas apart.
    a = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ss_two_a")
    role_assign(
        actor=None, user=a, role=Role.GRID_WORKER, area=Area.objects.get(code="220103002001001")
    )
    b = make_user(Role.COUNTY_DISPATCHER, KUANCHENG, "ss_two_b")
    role_assign(actor=None, user=b, role=Role.GRID_WORKER, area=Area.objects.get(code=GRID_A))
    a, b = _fresh(a), _fresh(b)
    assert len(scope_of(Event, a).samples) == 4  # two areas, two paths
    _same_as_restrict(Event, [a, b])


def test_a_jurisdiction_whose_areas_nest_keeps_them_in_its_key(make_user):
    from governance.services import role_assign

    user = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ss_nested")
    role_assign(actor=None, user=user, role=Role.GRID_WORKER, area=Area.objects.get(code=GRID_A))
    scope = scope_of(Event, _fresh(user))
    assert scope.key[0] == "rows" and scope.samples == {}
    _same_as_restrict(Event, [_fresh(user)])


@pytest.mark.parametrize(
    "derive",
    [
        lambda path: path[:-1],  # cut
        lambda path: path.strip().upper() + "x",  # the mark is no whitespace to strip
        lambda path: path.split("/")[-2],  # a segment
        lambda path: ancestor_paths(path)[0],  # an ancestor
    ],
    ids=["cut", "changed", "segment", "ancestor"],
)
def test_a_value_derived_from_a_sample_is_refused(make_user, derive):
    user = _fresh(make_user(Role.GRID_WORKER, GRID_A, "ss_derived"))
    scope = scope_of(Event, user)

    def build(**_areas):
        path = scope.principal._role_rows[0][2]
        return Event.objects.filter(area_path=derive(path))

    query = CompiledQuery(build, optional=tuple(scope.samples), **scope.samples)
    with pytest.raises(ImproperlyConfigured, match="derived from a sample"):
        query.rows(**scope.values)


def test_a_level_counted_from_a_path_is_the_real_one_for_the_whole_key(make_user):
    """A sample path has the real path's depth, and the depth is in the key: a dispatcher
    of a county (three levels) and one of the city (two) never share a statement."""
    county = scope_of(Event, _fresh(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ss_level_county")))
    city = scope_of(Event, _fresh(make_user(Role.COUNTY_DISPATCHER, "220100000000", "ss_city")))
    assert county.key != city.key
    for scope, depth in ((county, 3), (city, 2)):
        assert scope.principal._role_rows[0][2].count("/") == depth


def test_samples_can_never_be_a_rows_id(make_user):
    """Integer samples are negative, string ones marked: no id kept in a statement (a
    case shared one by one) can be taken for a sample and swapped for the user's area."""
    user = _fresh(make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "ss_ids"))
    scope = scope_of(Event, user)
    assert scope.samples
    for sample in scope.samples.values():
        assert (isinstance(sample, int) and sample < 0) or SAMPLE_MARK in sample


def test_a_case_shared_one_by_one_is_the_only_one_seen_beyond_the_jurisdiction(make_user, client):
    from events.models import EventCategory
    from events.selectors import INBOX_BOXES, inbox, kept_inbox
    from events.services import event_report
    from governance.services import object_share

    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "ss_share_d")
    reporter = make_user(Role.GRID_WORKER, GRID_A, "ss_share_r")
    grid = Area.objects.get(code=GRID_A)
    category = EventCategory.objects.get(code="0601")
    shared, secret = (
        event_report(actor=reporter, title=t, category=category, grid=grid) for t in ("甲", "乙")
    )
    outsider = make_user(Role.GRID_WORKER, "220103002001001", "ss_share_o")
    object_share(actor=dispatcher, obj=shared, user=outsider)
    outsider = _fresh(outsider)
    for box in INBOX_BOXES:
        kept = [e.pk for e in kept_inbox(user=outsider, box=box, per_page=50)[0:50]]
        assert kept == [e.pk for e in inbox(user=outsider, box=box)[:50]]
    client.force_login(outsider)
    assert client.get(f"/events/{shared.number}/").status_code == 200
    assert client.get(f"/events/{secret.number}/").status_code == 404


def test_a_user_with_no_role_has_empty_boxes(make_user, client):
    from governance.services import role_revoke

    user = make_user(Role.GRID_WORKER, GRID_A, "ss_norole")
    role_revoke(actor=None, assignment=user.role_assignments.get())
    client.force_login(user)
    for box in ("todo", "done", "supervised", "overdue", "all"):
        assert client.get("/events/", {"box": box}).status_code == 200
        answer = client.get("/api/v1/events/", {"box": box}).json()
        assert answer["count"] == 0 and answer["results"] == []
    from events.selectors import inbox_counts

    assert inbox_counts(user=_fresh(user)) == dict.fromkeys(
        ("todo", "done", "supervised", "overdue"), 0
    )
