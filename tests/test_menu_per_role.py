"""Issue 11: the menu offers each role what it may actually use, and every page in it
answers that user; a page left out of a role's menu refuses that role (one rule, shared by
menu and page: governance.navigation.page_rule)."""

import pytest

from governance.navigation import menu_for
from governance.roles import Role

pytestmark = pytest.mark.django_db

GRID = "220102001001001"
COUNTY = "220102000000"
PROVINCE = "220000000000"

ROLES = {
    Role.GRID_WORKER: GRID,
    Role.VILLAGE_STAFF: GRID[:12],
    Role.COUNTY_DISPATCHER: COUNTY,
    Role.DEPARTMENT_HANDLER: COUNTY,
    Role.CITY_LEADER: "220100000000",
    Role.PROVINCE_LEADER: PROVINCE,
    Role.ADMIN: PROVINCE,
    Role.SECURITY_ADMIN: COUNTY,
    Role.AUDITOR: COUNTY,
}
# url name → the roles that see it (the others must not).
EXPECTED = {
    "events:report": {
        Role.GRID_WORKER,
        Role.VILLAGE_STAFF,
        Role.COUNTY_DISPATCHER,
        Role.DEPARTMENT_HANDLER,
    },
    "collection:my-grid": {Role.GRID_WORKER},
    "collection:imports": {
        Role.VILLAGE_STAFF,
        Role.COUNTY_DISPATCHER,
        Role.DEPARTMENT_HANDLER,
        Role.ADMIN,
    },
    "collection:transfers": {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.COUNTY_DISPATCHER},
    "swagger-ui": {Role.ADMIN},
    "audit-log": {Role.AUDITOR},
    # 三员分立: configuration and accounts under 管理后台, the trail for the auditor only.
    "manage:home": {Role.ADMIN, Role.SECURITY_ADMIN},
    "two-factor-reset": {Role.SECURITY_ADMIN},
    # Command and dispatch (command/): recipients, issuers, the command map, plans.
    "command:mine": {Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.DEPARTMENT_HANDLER},
    "command:list": {
        Role.VILLAGE_STAFF,
        Role.COUNTY_DISPATCHER,
        Role.CITY_LEADER,
        Role.PROVINCE_LEADER,
    },
    "command:map": {Role.COUNTY_DISPATCHER, Role.CITY_LEADER, Role.PROVINCE_LEADER},
    "command:plans": {Role.ADMIN},
}
# Pages whose rule is enforced by the page itself: a role without the entry gets 403.
ENFORCED = {
    "events:report": "/events/report/",
    "collection:my-grid": "/collection/",
    "collection:imports": "/collection/imports/",
    "collection:transfers": "/collection/transfers/",
    "swagger-ui": "/api/docs/",
    "command:list": "/command/",
    "command:map": "/command/map/",
}


@pytest.fixture
def users(make_user):
    return {role: make_user(role, area, f"menu_{role}") for role, area in ROLES.items()}


@pytest.mark.parametrize("role", list(ROLES))
def test_menu_per_role_and_every_entry_answers(client, users, role):
    user = users[role]
    names = {item["name"] for item in menu_for(user)}
    assert "home" in names
    for name, roles in EXPECTED.items():
        assert (name in names) == (role in roles), (role, name)
    client.force_login(user)
    for item in menu_for(user):
        r = client.get(item["url"], follow=True)
        assert r.status_code == 200, (role, item["url"], r.status_code)
    for name, url in ENFORCED.items():
        if name not in names:
            assert client.get(url).status_code == 403, (role, url)


def test_the_inbox_offers_reporting_only_to_who_may_report(client, users):
    client.force_login(users[Role.PROVINCE_LEADER])
    assert "/events/report/" not in client.get("/events/").content.decode()
    client.force_login(users[Role.GRID_WORKER])
    assert "/events/report/" in client.get("/events/").content.decode()


def test_the_menu_is_kept_per_role_mix(make_user):
    """Every menu rule reads only the user's role rows, so the menu is worked out once per
    role mix; a changed role (role_assign clears the user's role cache) gives the new
    menu at once, and users with other roles never get a kept one."""
    from governance import navigation
    from governance.services import role_assign
    from grids.models import Area

    assert all(rule.reads_only_roles for *_entry, rule in navigation._MENU)
    navigation._KEPT.clear()
    a = make_user(Role.GRID_WORKER, GRID)
    b = make_user(Role.GRID_WORKER, GRID)
    auditor = make_user(Role.AUDITOR, COUNTY)
    assert menu_for(a) is menu_for(b)  # one object: the layout's memo keeps one copy
    assert "audit-log" not in {i["name"] for i in menu_for(a)}
    assert "audit-log" in {i["name"] for i in menu_for(auditor)}
    role_assign(actor=None, user=a, role=Role.AUDITOR, area=Area.objects.get(code=COUNTY))
    assert "audit-log" in {i["name"] for i in menu_for(a)}
    assert "audit-log" not in {i["name"] for i in menu_for(b)}


def test_a_rule_that_reads_more_than_roles_is_asked_on_every_page(make_user, monkeypatch):
    from governance import navigation

    asked = []

    def by_name(user):  # reads the user's name, not only their roles
        asked.append(user.username)
        return user.username.endswith("x")

    monkeypatch.setattr(navigation, "_MENU", [*navigation._MENU, (999, "home", "按名", by_name)])
    navigation._KEPT.clear()
    a = make_user(Role.GRID_WORKER, GRID)
    menu_for(a)
    menu_for(a)
    assert len(asked) == 2
