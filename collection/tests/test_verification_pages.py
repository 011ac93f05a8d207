"""The grid worker's 核准 page: imported houses and organisations confirmed, corrected and
rejected from a phone; staff above see progress only; outsiders see nothing. And the
"my grid" page showing what is due and what waits for verification."""

import pytest

from collection.duties import task_item_create
from collection.models import House, Organisation, VerificationTask
from collection.services import house_create, organisation_create, person_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_tasks_create
from governance.models import AuditLog, Change
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db
URL = "/collection/verifications/"


@pytest.fixture
def setup(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "v_worker")
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "v_county")
    outsider = make_user(
        Role.GRID_WORKER,
        Area.objects.filter(level=6, code__startswith="220103").order_by("code").first().code,
        "v_outsider",
    )
    grid = Area.objects.get(code=GRID)
    house = house_create(actor=county, grid=grid, address="核准小区 1 栋", use="rental")
    org = organisation_create(
        actor=county,
        grid=grid,
        name="核准公司",
        kind="non_public",
        credit_code="91350100M000100Y43",
    )
    person = person_create(
        actor=county,
        grid=grid,
        name="核准人",
        id_number=valid_id("22010219900307071"),
        phone="13812345678",
    )
    verification_tasks_create(
        dataset="houses", source="导入 #1 房屋.csv", rows=[(house.pk, grid.pk, grid.path)]
    )
    verification_tasks_create(
        dataset="organisations", source="导入 #2 组织.csv", rows=[(org.pk, grid.pk, grid.path)]
    )
    verification_tasks_create(
        dataset="people", source="导入 #3 人口.csv", rows=[(person.pk, grid.pk, grid.path)]
    )
    tasks = {t.dataset: t for t in VerificationTask.objects.all()}
    return worker, county, outsider, grid, house, org, tasks


def test_grid_worker_confirms_corrects_and_rejects(client, setup):
    worker, county, outsider, grid, house, org, tasks = setup
    client.force_login(worker)
    page = client.get(URL).content.decode()
    assert "核准小区 1 栋" in page and "核准公司" in page and "确认属实" in page
    assert valid_id("22010219900307071") not in page  # masked for a grid worker

    r = client.post(
        URL,
        {
            "task": tasks["houses"].pk,
            "decision": "corrected",
            "use": "self",
            "owner_name": "赵六",
            "note": "已不出租",
        },
    )
    assert r.status_code == 302
    house.refresh_from_db()
    assert (house.use, house.owner_name) == ("self", "赵六")
    assert AuditLog.objects.filter(
        action="house.update", object_id=str(house.pk), actor=worker
    ).exists()
    assert Change.objects.filter(dataset="houses", object_id=str(house.pk), op="update").exists()

    r = client.post(
        URL, {"task": tasks["organisations"].pk, "decision": "rejected", "note": ""}, follow=True
    )
    assert "驳回须说明原因" in r.content.decode()
    client.post(
        URL, {"task": tasks["organisations"].pk, "decision": "rejected", "note": "该公司已迁出"}
    )
    client.post(URL, {"task": tasks["people"].pk, "decision": "confirmed"})
    statuses = dict(VerificationTask.objects.values_list("dataset", "status"))
    assert statuses == {"houses": "corrected", "organisations": "rejected", "people": "confirmed"}
    assert Organisation.objects.get(pk=org.pk).name == "核准公司"  # rejection changes nothing
    assert "没有待核准的数据" in client.get(URL).content.decode()


def test_a_bad_correction_is_refused_with_its_reason(client, setup):
    worker, county, outsider, grid, house, org, tasks = setup
    house_create(actor=county, grid=grid, address="核准小区 2 栋")
    client.force_login(worker)
    r = client.post(
        URL,
        {"task": tasks["houses"].pk, "decision": "corrected", "address": "核准小区 2 栋"},
        follow=True,
    )
    assert "已登记这个地址" in r.content.decode()
    assert VerificationTask.objects.get(pk=tasks["houses"].pk).status == "pending"
    assert House.objects.get(pk=house.pk).address == "核准小区 1 栋"


def test_staff_above_see_progress_and_outsiders_see_nothing(client, setup):
    worker, county, outsider, grid, house, org, tasks = setup
    client.force_login(county)
    page = client.get(URL).content.decode()
    assert "核准进度" in page and "核准公司" in page and "确认属实" not in page
    client.post(URL, {"task": tasks["people"].pk, "decision": "confirmed"})
    assert VerificationTask.objects.get(pk=tasks["people"].pk).status == "pending"

    client.force_login(outsider)
    page = client.get(URL).content.decode()
    assert "核准公司" not in page and "没有待核准的数据" in page
    client.post(URL, {"task": tasks["houses"].pk, "decision": "confirmed"})
    assert VerificationTask.objects.get(pk=tasks["houses"].pk).status == "pending"


def test_my_grid_shows_what_is_due_and_waits_for_verification(client, setup, make_user):
    worker, county, outsider, grid, house, org, tasks = setup
    township = make_user(Role.TOWNSHIP_STAFF, "220102001000", "v_township")
    task_item_create(
        actor=township, area=grid.parent.parent, title="出租房须登记租户", rule="rental_tenants"
    )
    client.force_login(worker)
    page = client.get("/collection/").content.decode()
    assert "待核准 3 条" in page and URL in page
    assert "出租房须登记租户" in page and "核准小区 1 栋" in page


def test_my_grids_pending_count_is_kept_per_jurisdiction_and_follows_decisions(
    client, setup, make_user, second_grid
):
    from collection.views.my_grid import _PEOPLE

    worker, county, outsider, grid, house, org, tasks = setup
    colleague = make_user(Role.GRID_WORKER, GRID, "v_colleague")
    neighbour = make_user(Role.GRID_WORKER, second_grid.code, "v_neighbour")
    client.force_login(worker)
    assert "待核准 3 条" in client.get("/collection/").content.decode()
    kept = len(_PEOPLE._kept)
    client.force_login(colleague)  # the same grid and roles: the same statements
    assert "待核准 3 条" in client.get("/collection/").content.decode()
    assert len(_PEOPLE._kept) == kept

    client.force_login(worker)
    client.post(URL, {"task": tasks["people"].pk, "decision": "confirmed"})
    assert "待核准 2 条" in client.get("/collection/").content.decode()  # the rows, afresh

    client.force_login(neighbour)  # another grid: none of these
    assert 'id="pending-verifications"' not in client.get("/collection/").content.decode()
