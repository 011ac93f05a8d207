"""Imports of houses and organisations, extra fields, foreigners' documents, coordinates,
the template, the single webhook per job, and the re-check when applying."""

import io

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from collection import imports
from collection.duties import extra_schema_set
from collection.importing.staging import stage_name
from collection.models import House, ImportJob, Organisation, Person, VerificationTask
from collection.services import organisation_create
from collection.tests.factories import GRID, apply, csv_bytes, numbered_id
from collection.tests.factories import upload as upload_file
from governance.figures import ALL_TIME, figures_differences
from governance.models import AuditLog, Change, FigureCount
from governance.roles import Role
from grids import crs
from grids.models import Area

pytestmark = pytest.mark.django_db
S = ImportJob.Status

HOUSE_HEADER = ["地址", "用途", "产权人", "经度", "纬度", "坐标系", "所属网格"]
ORG_HEADER = ["名称", "统一社会信用代码", "类型", "法定代表人", "地址", "所属网格"]
TENCENT, HUAWEI = "9144030071526726XG", "914403001922038216"


def upload(user, data, dataset, **options):
    return upload_file(user, data, name="data.csv", dataset=dataset, **options)


def staged_table_exists(job) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [stage_name(job.pk)])
        return cur.fetchone()[0]


def errors_by_row(job):
    return dict(job.rows.values_list("row_number", "errors"))


# --- houses -------------------------------------------------------------------------


def test_houses_create_then_update_by_address_within_the_grid(importer):
    gcj = crs.wgs84_to_gcj02(125.3245, 43.8868)
    rows = [
        ["幸福小区 1 栋 101", "出租", "李四", "125.3245", "43.8868", "", GRID],
        ["幸福小区 1 栋 102", "", "", f"{gcj[0]:.8f}", f"{gcj[1]:.8f}", "高德", GRID],
        ["幸福小区 1 栋 103", "自住", "", "", "", "", GRID],
    ]
    job = upload(importer, csv_bytes(rows, header=HOUSE_HEADER), "houses")
    assert (job.status, job.creates, job.updates) == (S.READY, 3, 0), job.error_message
    assert staged_table_exists(job) and not job.file  # the plain upload is gone already
    job = apply(importer, job)
    assert (job.status, job.creates) == (S.DONE, 3) and not staged_table_exists(job)
    houses = {h.address: h for h in House.objects.filter(address__startswith="幸福小区 1 栋")}
    rented, gaode = houses["幸福小区 1 栋 101"], houses["幸福小区 1 栋 102"]
    assert (rented.use, rented.owner_name, rented.grid.code) == ("rental", "李四", GRID)
    assert rented.location.distance(Point(125.3245, 43.8868)) < 1e-9
    # GCJ-02 converted back to WGS84 (to well under a metre).
    assert gaode.location.distance(Point(125.3245, 43.8868)) < 1e-7 and gaode.use == "self"
    [entry] = imports.record_import_audit(dataset="houses", object_id=rented.pk)
    assert (entry.action, entry.object_id) == ("house.import", str(job.pk))
    assert Change.objects.filter(dataset="houses", object_id=str(rented.pk)).exists()
    assert VerificationTask.objects.filter(
        dataset="houses", object_id=str(rented.pk), grid=rented.grid
    ).exists()

    # The same address in the same grid is the same house: empty cells keep what is stored.
    again = [["幸福小区 1 栋 101", "", "王五", "", "", "", GRID]]
    job = apply(importer, upload(importer, csv_bytes(again, header=HOUSE_HEADER), "houses"))
    assert (job.status, job.creates, job.updates) == (S.DONE, 0, 1)
    rented.refresh_from_db()
    assert (rented.use, rented.owner_name) == ("rental", "王五") and rented.location
    # The merge counted the written houses in the rollups itself (from its RETURNING
    # rows): they equal a GROUP BY over the raw table, at the grid and above.
    assert figures_differences() == []
    cell = FigureCount.objects.get(
        day=ALL_TIME, area_path=rented.area_path, figure="houses.use", key="rental"
    )
    assert cell.n == 1


def test_house_rows_with_bad_cells_are_reported_per_cell(importer):
    other = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    rows = [
        ["", "出租", "", "", "", "", GRID],  # row 2
        ["甲 1 号", "仓库", "", "", "", "", GRID],  # row 3
        ["甲 2 号", "", "", "125.3", "", "", GRID],  # row 4
        ["甲 3 号", "", "", "43.8", "125.3", "", GRID],  # row 5: swapped
        ["甲 4 号", "", "", "125.3", "43.8", "火星", GRID],  # row 6
        ["甲 5 号", "", "", "", "", "", other.code],  # row 7
        ["甲 6 号", "", "", "", "", "", GRID],  # row 8
        ["甲 6 号", "", "", "", "", "", GRID],  # row 9
        ["甲 7 号", "", "", "", "", "", GRID],
    ]  # row 10
    job = upload(
        importer, csv_bytes(rows, header=HOUSE_HEADER), "houses", mode=ImportJob.Mode.VALID_ONLY
    )
    errors = errors_by_row(job)
    assert (job.status, job.valid, job.invalid) == (S.READY, 1, 8)
    assert errors[2] == {"地址": "请填写地址。"}
    assert "用途“仓库”无效" in errors[3]["用途"]
    assert "同时填写纬度" in errors[4]["纬度"]
    assert "73 到 136" in errors[5]["经度"] and "3 到 54" in errors[5]["纬度"]
    assert "坐标系" in errors[6]["坐标系"]
    assert "不在您的管辖范围内" in errors[7]["所属网格"]
    assert "第 9 行重复" in errors[8]["地址"] and "第 8 行重复" in errors[9]["地址"]
    job = apply(importer, job)
    assert job.creates == 1 and House.objects.filter(address="甲 7 号").exists()
    assert not House.objects.filter(address__in=["甲 1 号", "甲 6 号"]).exists()


# --- organisations -------------------------------------------------------------------


def test_organisations_merge_by_credit_code(importer, make_user):
    grid = Area.objects.get(code=GRID)
    organisation_create(
        actor=importer, grid=grid, name="旧名称", kind="non_public", credit_code=HUAWEI
    )
    social = "51220102MJY1234567"
    social = social[:17] + __import__("collection.validators").validators.credit_check_char(
        social[:17]
    )
    rows = [
        ["某某科技有限公司", TENCENT.lower(), "", "马某", "人民大街 1 号", GRID],
        ["新名称", HUAWEI, "", "", "", GRID],
        ["某某协会", social, "", "", "", GRID],
        ["错码公司", TENCENT[:17] + "0", "", "", "", GRID],
        ["短码公司", "91220101", "", "", "", GRID],
        ["类型不对", "91350100M000100Y43", "国有企业", "", "", GRID],
    ]
    job = upload(
        importer,
        csv_bytes(rows, header=ORG_HEADER),
        "organisations",
        mode=ImportJob.Mode.VALID_ONLY,
    )
    errors = errors_by_row(job)
    assert (job.valid, job.creates, job.updates) == (3, 2, 1), errors
    assert "校验码应为" in errors[5]["统一社会信用代码"]
    assert "应为 18 位" in errors[6]["统一社会信用代码"]
    assert "类型“国有企业”无效" in errors[7]["类型"]
    job = apply(importer, job)
    assert (job.status, job.creates, job.updates) == (S.DONE, 2, 1)
    orgs = {o.credit_code: o for o in Organisation.objects.all()}
    assert (orgs[TENCENT].name, orgs[TENCENT].kind, orgs[TENCENT].legal_person) == (
        "某某科技有限公司",
        "non_public",
        "马某",
    )
    assert orgs[HUAWEI].name == "新名称" and orgs[social].kind == "social"  # 5 = 民政
    [entry] = imports.record_import_audit(dataset="organisations", object_id=orgs[HUAWEI].pk)
    assert entry.action == "organisation.import" and entry.changes["updates"] == [None, 1]
    assert figures_differences() == []  # created, updated (retracted, counted), by kind


def test_an_organisation_registered_outside_the_jurisdiction_is_not_touched(importer, make_user):
    other = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "ds_kc")
    organisation_create(
        actor=outsider, grid=other, name="宽城公司", kind="non_public", credit_code=TENCENT
    )
    job = upload(
        importer,
        csv_bytes([["改名", TENCENT, "", "", "", GRID]], header=ORG_HEADER),
        "organisations",
    )
    assert (
        job.status == S.FAILED and "管辖范围以外登记" in errors_by_row(job)[2]["统一社会信用代码"]
    )
    assert Organisation.objects.get(credit_code=TENCENT).name == "宽城公司"


# --- people: documents, extra fields ------------------------------------------------


def test_foreigners_documents_and_the_document_type_column(importer):
    header = ["姓名", "证件类型", "证件号码", "所属网格"]
    rows = [
        ["JOHN SMITH", "护照", "E12345678", GRID],
        ["本地人", "", numbered_id(5), GRID],
        ["错证", "驾驶证", numbered_id(6), GRID],
        ["短号", "护照", "E1", GRID],
    ]
    job = upload(importer, csv_bytes(rows, header=header), "people", mode=ImportJob.Mode.VALID_ONLY)
    errors = errors_by_row(job)
    assert "证件类型“驾驶证”无效" in errors[4]["证件类型"]
    assert "5 到 20 位" in errors[5]["证件号码"]
    apply(importer, job)
    john = Person.objects.get(name="JOHN SMITH")
    assert (john.doc_type, john.id_number, john.gender, john.birth_date) == (
        "foreign",
        "E12345678",
        "",
        None,
    )
    assert Person.objects.get(name="本地人").doc_type == "id_card"


@pytest.fixture
def education_schema(make_user):
    admin = make_user(Role.ADMIN, "220000000000", "ds_admin")
    return extra_schema_set(
        actor=admin,
        dataset="people",
        schema={
            "type": "object",
            "properties": {
                "education": {"title": "学历", "enum": ["小学", "初中", "高中", "大专", "本科"]},
                "children": {"title": "子女数", "type": "integer", "minimum": 0},
            },
        },
    )


def test_extra_fields_are_columns_validated_by_the_schema(importer, education_schema):
    header = ["姓名", "证件号码", "所属网格", "学历", "子女数"]
    rows = [
        ["甲", numbered_id(11), GRID, "本科", "2"],
        ["乙", numbered_id(12), GRID, "博士后", ""],
        ["丙", numbered_id(13), GRID, "", "两个"],
        ["丁", numbered_id(14), GRID, "", ""],
    ]
    job = upload(importer, csv_bytes(rows, header=header), "people", mode=ImportJob.Mode.VALID_ONLY)
    errors = errors_by_row(job)
    assert set(errors) == {3, 4} and "学历" in errors[3] and "子女数" in errors[4]
    apply(importer, job)
    assert Person.objects.get(name="甲").extra == {"education": "本科", "children": 2}
    assert Person.objects.get(name="丁").extra == {}
    # An update adds to the stored extra fields instead of replacing them.
    job = apply(
        importer,
        upload(
            importer, csv_bytes([["甲", numbered_id(11), GRID, "", "3"]], header=header), "people"
        ),
    )
    assert Person.objects.get(name="甲").extra == {"education": "本科", "children": 3}


def test_a_required_extra_field_is_a_required_column(importer, make_user):
    admin = make_user(Role.ADMIN, "220000000000", "ds_admin2")
    extra_schema_set(
        actor=admin,
        dataset="houses",
        schema={
            "type": "object",
            "required": ["floor"],
            "properties": {"floor": {"title": "楼层", "type": "integer"}},
        },
    )
    job = upload(importer, csv_bytes([["乙 1 号", GRID]], header=["地址", "所属网格"]), "houses")
    assert job.status == S.FAILED and "缺少必填列:楼层" in job.error_message
    data = csv_bytes(
        [["乙 1 号", GRID, "6"], ["乙 2 号", GRID, ""]], header=["地址", "所属网格", "楼层"]
    )
    job = upload(importer, data, "houses", mode=ImportJob.Mode.VALID_ONLY)
    assert errors_by_row(job) == {3: {"楼层": "请填写楼层。"}}
    apply(importer, job)
    assert House.objects.get(address="乙 1 号").extra == {"floor": 6}


# --- the template, the webhook, the re-check ----------------------------------------


def test_template_per_dataset_on_the_page_and_the_api(
    importer, education_schema, api_client, client
):
    client.force_login(importer)
    response = client.get("/collection/imports/?template=people")
    assert response.status_code == 200
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["姓名", "证件类型", "证件号码"]
    assert set(headers[-2:]) == {"学历", "子女数"}
    assert sheet["C2"].number_format == "@"  # ID numbers stay text in Excel
    notes = {r[0]: r for r in book["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert notes["证件号码"][1] == "是" and "本科" in notes["学历"][2]

    api = api_client(importer)
    response = api.get("/api/v1/imports/template/?dataset=organisations")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["名称", "统一社会信用代码"]
    response = api.get("/api/v1/imports/template/?dataset=cars")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert (
        api.post(
            "/api/v1/imports/", {"file": SimpleUploadedFile("a.csv", b"x"), "dataset": "cars"}
        ).status_code
        == 400
    )


def test_one_webhook_per_job_with_the_change_feed_range(importer, make_user):
    from governance.services import department_create
    from integrations.models import WebhookDelivery
    from integrations.services import webhook_subscription_create

    department = department_create(
        actor=None, code="DS-GA", name="南关区公安分局", area=Area.objects.get(code="220102000000")
    )
    webhook_subscription_create(
        actor=None,
        department=department,
        url="http://127.0.0.1:9/",
        event_types=["houses.changed"],
        name="公安",
    )
    # Below the importer (a county user): the township of the grid, and another township.
    township = Area.objects.get(code=GRID).parent.parent
    other_township = (
        Area.objects.filter(level=4, parent=township.parent).exclude(pk=township.pk).first()
    )
    for code, area in (("DS-JD", township), ("DS-OTHER", other_township)):
        sub_department = department_create(actor=None, code=code, name=code, area=area)
        webhook_subscription_create(
            actor=None,
            department=sub_department,
            url="http://127.0.0.1:9/",
            event_types=["houses.changed"],
            name=code,
        )
    rows = [[f"丙 {i} 号", "", "", "", "", "", GRID] for i in range(5)]
    job = apply(importer, upload(importer, csv_bytes(rows, header=HOUSE_HEADER), "houses"))
    deliveries = WebhookDelivery.objects.filter(event_type="houses.changed")
    assert sorted(d.subscription.department.code for d in deliveries) == ["DS-GA", "DS-JD"]
    delivery = deliveries.first()
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    body = payload.get("data", payload)
    assert body["import_job"] == job.pk and body["creates"] == 5
    seqs = list(
        Change.objects.filter(dataset="houses").order_by("seq").values_list("seq", flat=True)
    )
    assert (body["seq_from"], body["seq_to"]) == (seqs[0], seqs[-1]) and len(seqs) == 5
    assert "丙" not in str(payload)  # no record content, only the announcement


def test_apply_rechecks_the_confirming_users_jurisdiction(importer, make_user):
    """Applying checks every row against the confirming user's jurisdiction *now*: here
    the uploader's, which shrank to one village after the upload. (Only the uploader, or
    unit staff covering the whole job, may confirm it at all: a village's staff could
    once confirm a county's job, which is how this test used to reach the re-check.)"""
    from governance.models import RoleAssignment
    from governance.scoping import clear_role_cache
    from governance.services import role_assign, role_revoke

    grid = Area.objects.get(code=GRID)
    elsewhere = (
        Area.objects.filter(level=6, code__startswith="220102")
        .exclude(parent=grid.parent)
        .order_by("code")
        .first()
    )
    rows = [["丁 1 号", "", "", "", "", "", GRID], ["丁 2 号", "", "", "", "", "", elsewhere.code]]
    job = upload(importer, csv_bytes(rows, header=HOUSE_HEADER), "houses")
    assert job.status == S.READY
    role_assign(actor=None, user=importer, role=Role.VILLAGE_STAFF, area=grid.parent)
    role_revoke(
        actor=None,
        assignment=RoleAssignment.objects.get(user=importer, role=Role.COUNTY_DISPATCHER),
    )
    clear_role_cache(importer)
    job = apply(importer, job)  # may confirm, but one row lies outside their village now
    assert job.status == S.FAILED and "未写入任何数据" in job.error_message
    assert not House.objects.filter(address__startswith="丁 ").exists()
    assert not AuditLog.objects.filter(action="house.create").exists()
    assert not staged_table_exists(job)


def test_cancel_drops_the_staging_table(importer):
    job = upload(importer, csv_bytes([["戊 1 号", GRID]], header=["地址", "所属网格"]), "houses")
    assert staged_table_exists(job)
    imports.import_job_cancel(actor=importer, job=job)
    assert not staged_table_exists(job)
    assert imports.import_job_apply(job_id=job.pk) is None


def test_unconfirmed_jobs_expire_with_their_staging_table(importer, settings):
    import datetime as dt

    from django.utils import timezone

    job = upload(importer, csv_bytes([["己 1 号", GRID]], header=["地址", "所属网格"]), "houses")
    assert job.status == S.READY and staged_table_exists(job)
    assert imports.import_jobs_expire() == 0  # fresh
    later = timezone.now() + dt.timedelta(days=settings.IMPORT_READY_DAYS + 1)
    assert imports.import_jobs_expire(now=later) == 1
    job.refresh_from_db()
    assert job.status == S.CANCELLED and not staged_table_exists(job)
    assert AuditLog.objects.filter(action="house_import.expire", object_id=str(job.pk)).exists()
    assert imports.import_job_apply(job_id=job.pk) is None
