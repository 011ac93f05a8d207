"""Issue 11: each role's home (工作台) is built around its work, not a table of roles."""

import pytest

from events.models import EventCategory
from events.services import event_report, event_transition
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

GRID = "220102001001001"
VILLAGE = GRID[:12]
COUNTY = "220102000000"


@pytest.fixture
def closed_case(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "home_worker")
    village = make_user(Role.VILLAGE_STAFF, VILLAGE, "home_village")
    e = event_report(
        actor=worker,
        title="楼道堆物",
        category=EventCategory.objects.get(code="0101"),
        grid=Area.objects.get(code=GRID),
    )
    for action in ("accept", "handle"):
        event_transition(actor=village, event=e, action=action)
    event_transition(actor=village, event=e, action="close", note="已清理")
    return worker, village, e


def test_grid_worker_home_shows_what_to_verify_and_confirm(client, closed_case):
    from collection.services import person_create
    from collection.tests.factories import valid_id
    from collection.verification import verification_tasks_create

    worker, _village, e = closed_case
    grid = Area.objects.get(code=GRID)
    p = person_create(actor=worker, grid=grid, name="甲", id_number=valid_id("22010219700101001"))
    verification_tasks_create(dataset="people", source="导入", rows=[(p.pk, grid.pk, grid.path)])
    client.force_login(worker)
    page = client.get("/").content.decode()
    assert 'id="home-grid-worker"' in page and 'id="to-verify-count">1<' in page
    assert 'id="to-confirm-count">1<' in page and e.title in page
    assert "/collection/verifications/" in page and "到期任务" in page
    assert "<table" not in page  # no longer a table of roles


def test_unit_home_has_its_boxes_and_the_most_urgent_cases(client, make_user, closed_case):
    worker, village, e = closed_case
    other = event_report(
        actor=worker,
        title="噪音扰民",
        category=EventCategory.objects.get(code="0101"),
        grid=Area.objects.get(code=GRID),
    )
    client.force_login(village)
    page = client.get("/").content.decode()
    assert 'id="home-cases"' in page and 'id="todo-count">1<' in page
    assert other.title in page and e.title not in page.split('id="urgent-cases"')[1]
    assert 'id="home-grid-worker"' not in page


def test_department_home_is_its_box(client, make_user):
    handler = make_user(Role.DEPARTMENT_HANDLER, COUNTY, "home_dept")
    client.force_login(handler)
    page = client.get("/").content.decode()
    assert "本部门待办" in page and 'id="todo-count">0<' in page
    assert "超期" not in page  # no red 0 badge when nothing is overdue


def test_leader_home_has_key_figures_and_the_cockpit(client, make_user):
    leader = make_user(Role.CITY_LEADER, "220100000000", "home_leader")
    client.force_login(leader)
    page = client.get("/").content.decode()
    assert 'id="home-leader"' in page and "/cockpit/" in page and "实有人口" in page
    assert 'id="home-cases"' not in page


def test_admin_home_links_to_configuration(client, make_user):
    admin = make_user(Role.ADMIN, "220000000000", "home_admin")
    client.force_login(admin)
    page = client.get("/").content.decode()
    assert 'id="home-admin"' in page and "管理后台" in page and "/api/docs/" in page


def test_auditor_home_links_to_the_audit_log(client, make_user):
    auditor = make_user(Role.AUDITOR, COUNTY, "home_auditor")
    client.force_login(auditor)
    page = client.get("/").content.decode()
    assert 'id="home-auditor"' in page and "/audit/" in page
