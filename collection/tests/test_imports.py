"""Bulk import of people on the real database: file formats, whole-file errors, per-row
reasons and the error report, both modes, merge by ID number, encryption at rest,
all-or-nothing writes and the scoped API."""

import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from collection import imports
from collection.models import ID_CONTEXT, ImportJob, ImportRow, Person
from collection.services import house_create, person_create
from collection.tests.factories import (
    GRID,
    HEADER,
    apply,
    csv_bytes,
    good_rows,
    numbered_id,
    upload,
    xlsx_bytes,
)
from governance.crypto import blind_index
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db

S = ImportJob.Status


def report_rows(data: bytes):
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return rows[0], {r[0]: r for r in rows[1:]}


# --- good files ---------------------------------------------------------------------


def test_utf8_csv_previews_then_creates_people(importer):
    rows = good_rows(3)
    rows[1][1] = "".join(chr(ord(c) + 0xFEE0) for c in rows[1][1])  # full-width digits
    rows[2][2] = "+86 138-1234-5672"
    rows[2][3] = "流动人口"
    before = Person.objects.count()
    job = upload(importer, csv_bytes(rows))
    assert (job.status, job.progress) == (S.READY, 100)
    assert (job.total, job.valid, job.invalid, job.creates, job.updates) == (3, 3, 0, 3, 0)
    assert Person.objects.count() == before  # the preview writes nothing
    assert [(p["row"], p["op"], p["label"]) for p in job.plan] == [
        (2, "create", "居民0"),
        (3, "create", "居民1"),
        (4, "create", "居民2"),
    ]
    assert all("*" in p["key"] and p["grid"] == GRID for p in job.plan)  # masked

    job = apply(importer, job)
    assert (job.status, job.creates, job.updates, job.progress) == (S.DONE, 3, 0, 100)
    assert job.applied_by == importer and job.finished_at and not job.file
    people = {p.name: p for p in Person.objects.filter(name__startswith="居民")}
    grid = Area.objects.get(code=GRID)
    assert people["居民1"].id_number == numbered_id(1)
    assert people["居民2"].phone == "13812345672" and people["居民2"].kind == "floating"
    p = people["居民0"]
    assert (p.grid, p.area_path, p.kind, p.residence_address) == (
        grid,
        grid.path,
        "registered",
        "幸福小区0栋",
    )
    assert str(p.birth_date) == "1990-03-07" and p.gender == "female"  # 17th digit 0
    summary = AuditLog.objects.get(action="person.import", object_id=str(job.pk))
    assert summary.actor == importer and summary.changes["creates"] == [None, 3]
    assert summary.changes["original_name"] == [None, "people.csv"]
    # One audit row for the job; the records' trace is the change feed's range it names.
    assert not AuditLog.objects.filter(action="person.create").exists()
    first, last = summary.changes["change_seq"][1]
    records = imports.import_job_records(job=job)
    assert [(c.op, c.seq) for c in records] == [("create", s) for s in range(first, last + 1)]
    assert {c.object_id for c in records} == {str(x.pk) for x in people.values()}
    assert imports.record_import_audit(dataset="people", object_id=p.pk) == [summary]


def test_gbk_csv(importer):
    job = apply(importer, upload(importer, csv_bytes(good_rows(2), encoding="gbk")))
    assert (job.status, job.creates) == (S.DONE, 2)
    assert Person.objects.filter(residence_address="幸福小区1栋").exists()


def test_xlsx_with_numbers_blank_rows_and_an_empty_column(importer):
    rows = good_rows(3)
    rows[0][2] = 13812345670  # a phone typed as a number
    rows.insert(1, [None] * 6)  # a blank row: skipped, later rows keep their numbers
    data = xlsx_bytes([r + [None] for r in rows], header=HEADER + [None])
    job = upload(importer, data, name="人口.xlsx")
    assert (job.status, job.total, job.valid) == (S.READY, 3, 3), job.error_message
    job = apply(importer, job)
    assert Person.objects.get(name="居民0").phone == "13812345670"


# --- whole-file errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("random.csv", random.Random(7).randbytes(4000), "无法识别文件编码"),
        ("random.xlsx", random.Random(7).randbytes(4000), "无法读取该 XLSX 文件"),
        ("empty.csv", b"", "文件为空"),
        ("header.csv", csv_bytes([]), "没有数据行"),
        (
            "missing.csv",
            csv_bytes([["张三", GRID]], header=["姓名", "所属网格"]),
            "缺少必填列:证件号码",
        ),
        (
            "unknown.csv",
            csv_bytes([r + ["x", "y"] for r in good_rows(1)], header=HEADER + ["学历", "备注"]),
            "未知的列:学历、备注",
        ),
        ("ragged.csv", csv_bytes([["a"] * 7]), "CSV 格式有误"),
    ],
)
def test_whole_file_errors_fail_the_job_and_write_nothing(importer, name, data, expected):
    before = Person.objects.count()
    job = upload(importer, data, name=name)
    assert job.status == S.FAILED and expected in job.error_message
    assert " / " in job.error_message  # Chinese / English
    assert Person.objects.count() == before and not job.rows.exists()
    with pytest.raises(ValidationError, match="待确认"):
        imports.import_job_apply_request(actor=importer, job=job)


# --- rejected rows --------------------------------------------------------------------


@pytest.fixture
def mixed_file(other_grid):
    good = good_rows(2)
    bad_check = numbered_id(10)[:-1] + ("0" if numbered_id(10)[-1] != "0" else "1")
    return csv_bytes(
        good
        + [
            ["坏校验位", bad_check, "", "", "", GRID],  # row 4
            ["旧号码", "220102900307123", "", "", "", GRID],  # row 5
            ["科学计数", "2.20102199003071E+17", "", "", "", GRID],  # row 6
            ["坏电话", numbered_id(11), "12345", "外星人", "", GRID],  # row 7
            ["无此网格", numbered_id(12), "", "", "", "220102999999999"],  # row 8
            ["外区", numbered_id(13), "", "", "", other_grid.code],  # row 9
            ["重复甲", numbered_id(14), "", "", "", GRID],  # row 10
            ["重复乙", numbered_id(14).lower(), "", "", "", GRID],  # row 11
            ["", numbered_id(15), "", "", "", GRID],  # row 12
        ]
    )


def test_all_or_nothing_rejects_the_file_with_a_report(importer, mixed_file, api_client):
    before = Person.objects.count()
    job = upload(importer, mixed_file)
    assert job.status == S.FAILED and "全部通过才导入" in job.error_message
    assert (job.total, job.valid, job.invalid) == (11, 2, 9)
    assert Person.objects.count() == before
    errors = {r.row_number: r.errors for r in job.rows.all()}
    assert set(errors) == {4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert "校验位应为" in errors[4]["证件号码"]
    assert "15 位" in errors[5]["证件号码"]
    assert "科学计数法" in errors[6]["证件号码"]
    assert "手机号码" in errors[7]["联系电话"] and "外星人" in errors[7]["人口类型"]
    assert "不存在" in errors[8]["所属网格"]
    assert "不在您的管辖范围内" in errors[9]["所属网格"]
    assert "第 11 行重复" in errors[10]["证件号码"] and "第 10 行" in errors[11]["证件号码"]
    assert "姓名" in errors[12]

    r = api_client(importer).get(f"/api/v1/imports/{job.pk}/report/")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    header, rows = report_rows(b"".join(r.streaming_content))
    assert header == ("原行号", *HEADER, "错误原因")
    assert set(rows) == {4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert rows[6][2] == "2.20102199003071E+17"  # the cell as sent
    assert rows[7][-1].startswith("联系电话:") and "人口类型:" in rows[7][-1]
    assert rows[9][-1] == f"所属网格:{errors[9]['所属网格']}"


def test_valid_only_applies_the_valid_rows(importer, mixed_file):
    job = upload(importer, mixed_file, mode=ImportJob.Mode.VALID_ONLY)
    assert (job.status, job.valid, job.invalid, job.creates) == (S.READY, 2, 9, 2)
    job = apply(importer, job)
    assert (job.status, job.creates) == (S.DONE, 2)
    assert set(
        Person.objects.filter(name__in=["居民0", "居民1", "重复甲", "外区"]).values_list(
            "name", flat=True
        )
    ) == {"居民0", "居民1"}
    assert job.rows.count() == 9  # the report is still there
    assert AuditLog.objects.get(action="person.import").changes["rejected"] == [None, 9]


def test_a_corrected_report_can_be_uploaded_again(importer, mixed_file):
    job = upload(importer, mixed_file)
    wb = load_workbook(io.BytesIO(imports.import_report(user=importer, job=job)))
    ws = wb.active
    ws.delete_rows(3, ws.max_row)  # keep row 4 only, fix its ID number
    ws["C2"] = numbered_id(10)
    out = io.BytesIO()
    wb.save(out)
    again = upload(importer, out.getvalue(), name="fixed.xlsx")
    assert (again.status, again.valid, again.invalid) == (S.READY, 1, 0), again.error_message


# --- merge, encryption, atomicity ------------------------------------------------------


def test_merge_updates_the_registered_person(importer, second_grid):
    grid = Area.objects.get(code=GRID)
    house = house_create(actor=importer, grid=grid, address="老房子")
    person = person_create(
        actor=importer,
        grid=grid,
        name="旧名",
        id_number=numbered_id(1),
        phone="13900000000",
        kind="registered",
        residence_address="旧地址",
        house=house,
    )
    row = ["新名", numbered_id(1).lower(), "", "流动人口", "", second_grid.code]
    job = upload(importer, csv_bytes(good_rows(1) + [row]))
    assert (job.creates, job.updates) == (1, 1)
    assert [(p["op"], p["label"]) for p in job.plan] == [("create", "居民0"), ("update", "新名")]
    job = apply(importer, job)
    assert (job.status, job.creates, job.updates) == (S.DONE, 1, 1)
    assert Person.objects.filter(id_number_index=person.id_number_index).count() == 1
    person.refresh_from_db()
    assert (person.name, person.kind, person.grid) == ("新名", "floating", second_grid)
    assert person.area_path == second_grid.path
    assert person.phone == "13900000000" and person.residence_address == "旧地址"  # kept
    assert person.house is None  # the house is in the old grid
    # The person's own audit rows (its creation) and the import job that updated it.
    assert AuditLog.objects.filter(action="person.create", object_id=str(person.pk)).exists()
    [entry] = imports.record_import_audit(dataset="people", object_id=person.pk)
    assert (entry.action, entry.object_id, entry.actor) == ("person.import", str(job.pk), importer)
    ops = {(c.object_id, c.op) for c in imports.import_job_records(job=job)}
    assert (str(person.pk), "update") in ops and len(ops) == 2


def test_a_job_of_new_records_writes_what_the_full_merge_writes(importer, monkeypatch):
    """A job whose check found nothing to update takes Spec.insert_sql (no join to the
    stored records): the people it stores are those the full merge stores."""
    from collection.importing import staging

    rows = good_rows(3)
    rows[1][2:5] = ["", "", ""]  # blanks take the defaults
    taken = []
    merge = staging.merge

    def spy(*args, **kwargs):
        taken.append(kwargs["creates_only"])
        return merge(*args, **kwargs)

    monkeypatch.setattr(staging, "merge", spy)
    first = apply(importer, upload(importer, csv_bytes(rows)))
    monkeypatch.setattr(staging, "merge", lambda *a, **kw: spy(*a, **{**kw, "creates_only": False}))
    for i, row in enumerate(rows, start=10):
        row[0], row[1] = f"又{row[0]}", numbered_id(i)
    second = apply(importer, upload(importer, csv_bytes(rows)))
    assert taken == [True, False] and first.creates == second.creates == 3

    def stored(prefix):
        return [
            (
                p.name.removeprefix("又"),
                p.phone,
                p.kind,
                p.gender,
                p.birth_date is None,
                p.residence_address,
                p.household_address,
                p.relation,
                p.house_id,
                p.grid_id,
                p.area_path,
                p.extra,
            )
            for p in Person.objects.filter(name__startswith=prefix).order_by("name")
        ]

    assert stored("居民") == stored("又居民") and len(stored("居民")) == 3


def test_a_record_registered_since_the_check_fails_a_job_of_new_records(importer):
    """The preview said 'create' for every row; a person registered meanwhile under one
    of the ID numbers is not overwritten: the job fails and writes nothing."""
    job = upload(importer, csv_bytes(good_rows(3)))
    assert (job.creates, job.updates) == (3, 0)
    grid = Area.objects.get(code=GRID)
    person = person_create(actor=importer, grid=grid, name="刚登记", id_number=numbered_id(1))
    before = Person.objects.count()
    job = apply(importer, job)
    assert job.status == S.FAILED and "发生了变化" in job.error_message
    assert Person.objects.count() == before
    person.refresh_from_db()
    assert person.name == "刚登记"
    assert not AuditLog.objects.filter(action="person.import").exists()


def test_text_with_copy_specials_is_stored_as_written(importer):
    """The staging COPY's text format escapes backslashes; a cell reading \\N is text,
    not NULL, and an empty optional cell is NULL (the default)."""
    rows = good_rows(3)
    rows[0][4] = r"幸福\小区 \N 1栋"
    rows[1][4] = r"\N"
    rows[2][2] = ""  # no phone
    job = apply(importer, upload(importer, csv_bytes(rows)))
    assert (job.status, job.creates) == (S.DONE, 3), job.error_message
    people = {p.name: p for p in Person.objects.filter(name__startswith="居民")}
    assert people["居民0"].residence_address == r"幸福\小区 \N 1栋"
    assert people["居民1"].residence_address == r"\N"
    assert (people["居民2"].phone, people["居民2"].phone_index) == ("", "")


def test_id_and_phone_stay_encrypted_at_rest(importer):
    apply(importer, upload(importer, csv_bytes(good_rows(1))))
    person = Person.objects.get(name="居民0")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_index FROM collection_person WHERE id = %s",
            [person.pk],
        )
        raw_id, raw_phone, index = cur.fetchone()
        cur.execute("SELECT data FROM collection_importrow")
        assert all(numbered_id(0) not in d for (d,) in cur.fetchall())
    assert numbered_id(0) not in raw_id and "13812345670" not in raw_phone
    assert index == blind_index(numbered_id(0), context=ID_CONTEXT)
    assert person.id_number == numbered_id(0)
    assert not AuditLog.objects.filter(changes__icontains=numbered_id(0)).exists()


def test_rejected_rows_are_encrypted_at_rest(importer):
    job = upload(importer, csv_bytes([["甲", numbered_id(1), "123", "", "", GRID]]))
    with connection.cursor() as cur:
        cur.execute("SELECT data FROM collection_importrow WHERE job_id = %s", [job.pk])
        (raw,) = cur.fetchone()
    assert numbered_id(1) not in raw and numbered_id(1) in ImportRow.objects.get(job=job).data


def test_a_person_registered_outside_the_jurisdiction_is_not_touched(
    importer, make_user, other_grid
):
    outsider = make_user(Role.GRID_WORKER, other_grid.code)
    person = person_create(actor=outsider, grid=other_grid, name="宽城人", id_number=numbered_id(5))
    job = upload(
        importer,
        csv_bytes([["改名", numbered_id(5), "", "", "", GRID]]),
        mode=ImportJob.Mode.VALID_ONLY,
    )
    assert job.status == S.FAILED and "没有可导入的有效行" in job.error_message
    assert "管辖范围以外登记" in job.rows.get().errors["证件号码"]
    person.refresh_from_db()
    assert (person.name, person.grid) == ("宽城人", other_grid)


def test_a_failure_while_writing_leaves_nothing_half_written(importer, monkeypatch):
    job = upload(importer, csv_bytes(good_rows(3)))
    before = Person.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_announce", broken)  # after the merge and its trail
    imports.import_job_apply_request(actor=importer, job=job)
    with pytest.raises(RuntimeError):
        imports.import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == S.FAILED and "未写入任何数据" in job.error_message
    assert Person.objects.count() == before
    assert not AuditLog.objects.filter(action__in=["person.create", "person.import"]).exists()


def test_cancel(importer):
    job = imports.import_job_create(
        actor=importer, file=SimpleUploadedFile("p.csv", csv_bytes(good_rows(2)))
    )
    imports.import_job_cancel(actor=importer, job=job)
    assert imports.import_job_validate(job_id=job.pk) is None  # the queued task does nothing
    job.refresh_from_db()
    assert job.status == S.CANCELLED and not job.rows.exists()

    job = upload(importer, csv_bytes(good_rows(2)))
    job = imports.import_job_cancel(actor=importer, job=job)
    assert job.status == S.CANCELLED and not job.file
    assert imports.import_job_apply(job_id=job.pk) is None
    with pytest.raises(ValidationError, match="已结束"):
        imports.import_job_cancel(actor=importer, job=job)
    # A cancel between the request and the worker: the worker writes nothing.
    job = upload(importer, csv_bytes(good_rows(2)))
    imports.import_job_apply_request(actor=importer, job=job)
    imports.import_job_cancel(actor=importer, job=job)
    assert imports.import_job_apply(job_id=job.pk) is None
    assert not Person.objects.filter(name="居民0").exists()


# --- the API ------------------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """Tasks run in the test's process and transaction when queued."""
    from governance.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_api_flow_and_scoping(
    api_client, importer, make_user, eager_celery, django_capture_on_commit_callbacks
):
    c = api_client(importer)
    data = csv_bytes(good_rows(2) + [["", numbered_id(9), "", "", "", GRID]])
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("p.csv", data), "mode": "valid_only"},
            format="multipart",
        )
    assert r.status_code == 202 and r.json()["status"] == "pending"
    pk = r.json()["id"]
    body = c.get(f"/api/v1/imports/{pk}/").json()
    assert (body["status"], body["creates"], body["invalid"]) == ("ready", 2, 1)
    assert body["rejected"] == [{"row": 4, "errors": {"姓名": "请填写姓名。"}}]
    assert body["has_report"] is True

    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    o = api_client(outsider)
    assert o.get("/api/v1/imports/").json()["results"] == []
    for method, url in [("get", ""), ("post", "apply/"), ("post", "cancel/"), ("get", "report/")]:
        r = getattr(o, method)(f"/api/v1/imports/{pk}/{url}")
        assert r.status_code == 404, url
    leader = make_user(Role.CITY_LEADER, "220100000000")  # may view, not change
    assert api_client(leader).get(f"/api/v1/imports/{pk}/").status_code == 200
    assert api_client(leader).post(f"/api/v1/imports/{pk}/apply/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/api/v1/imports/{pk}/apply/")
    assert r.status_code == 202
    body = c.get(f"/api/v1/imports/{pk}/").json()
    assert (body["status"], body["creates"]) == ("done", 2)
    r = c.post(f"/api/v1/imports/{pk}/apply/")
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert c.post(f"/api/v1/imports/{pk}/cancel/").status_code == 409
    assert [j["id"] for j in c.get("/api/v1/imports/").json()["results"]] == [pk]


def test_api_refuses_bad_uploads(api_client, importer, make_user):
    c = api_client(importer)
    r = c.post("/api/v1/imports/", {"file": SimpleUploadedFile("p.xls", b"x")}, format="multipart")
    assert r.status_code == 400 and ".xlsx" in r.json()["detail"]
    r = c.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("p.csv", b"x"), "mode": "some"},
        format="multipart",
    )
    assert r.status_code == 400
    leader = make_user(Role.CITY_LEADER, "220100000000")
    r = api_client(leader).post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("p.csv", csv_bytes(good_rows(1)))},
        format="multipart",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not ImportJob.objects.exists()


def test_report_is_masked_for_anyone_but_the_uploader(api_client, importer, make_user):
    job = upload(importer, csv_bytes([["甲", numbered_id(1), "139", "", "", GRID]]))
    _h, rows = report_rows(imports.import_report(user=importer, job=job))
    assert rows[2][2] == numbered_id(1)
    leader = make_user(Role.CITY_LEADER, "220100000000")
    r = api_client(leader).get(f"/api/v1/imports/{job.pk}/report/")
    _h, rows = report_rows(b"".join(r.streaming_content))
    assert "********" in rows[2][2]


def test_report_of_a_clean_job_is_404(api_client, importer):
    job = upload(importer, csv_bytes(good_rows(1)))
    r = api_client(importer).get(f"/api/v1/imports/{job.pk}/report/")
    assert r.status_code == 404 and r.json()["code"] == "no_report"


def test_report_cells_are_text_never_formulas(importer):
    job = upload(importer, csv_bytes([['=HYPERLINK("http://x")', "1", "", "", "", GRID]]))
    ws = load_workbook(io.BytesIO(imports.import_report(user=importer, job=job))).active
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"


def test_only_the_uploader_or_covering_unit_staff_confirm_or_cancel(
    api_client, make_user, settings, tmp_path
):
    """A department sees its county's import jobs but neither applies nor cancels another
    user's job (issue 8, item 4); the uploader, and unit staff whose jurisdiction covers the
    job, do. Refusals change nothing."""
    from governance.services import department_create

    settings.MEDIA_ROOT = str(tmp_path)
    worker = make_user(Role.GRID_WORKER, GRID, "ctl_worker")
    county = Area.objects.get(code="220102000000")
    dept = department_create(actor=None, code="CTL-SCJ", name="市场监管局", area=county)
    handler = make_user(Role.DEPARTMENT_HANDLER, "220102000000", "ctl_handler", department=dept)
    village = make_user(Role.VILLAGE_STAFF, GRID[:12], "ctl_village")
    other_grid = (
        Area.objects.filter(level=6, code__startswith="220102")
        .exclude(code__startswith=GRID[:12])
        .order_by("code")
        .first()
    )
    colleague = make_user(Role.GRID_WORKER, other_grid.code, "ctl_other_worker")

    job = upload(worker, csv_bytes(good_rows(1)))
    assert job.status == S.READY
    d = api_client(handler)
    assert d.get(f"/api/v1/imports/{job.pk}/").status_code == 200  # reads it, by design
    for url in ("apply/", "cancel/"):
        r = d.post(f"/api/v1/imports/{job.pk}/{url}")
        assert r.status_code == 403 and r.json()["code"] == "forbidden", url
        assert api_client(colleague).post(f"/api/v1/imports/{job.pk}/{url}").status_code == 404
    with pytest.raises(ValidationError):
        imports.import_job_cancel(actor=handler, job=job)
    job.refresh_from_db()
    assert job.status == S.READY and job.applied_by is None
    assert not AuditLog.objects.filter(action="person_import.cancel").exists()
    # The department's own upload is its own to confirm; unit staff covering the job may
    # cancel the grid worker's.
    own = upload(handler, csv_bytes(good_rows(1)))
    assert imports.import_job_apply_request(actor=handler, job=own).status == S.APPLYING
    assert imports.import_job_cancel(actor=village, job=job).status == S.CANCELLED
    assert imports.may_control_import_job(village, job)
    assert not imports.may_control_import_job(handler, job)
