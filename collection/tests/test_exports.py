import csv
import io
import os
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from collection.exports import dataset_export_to_file, export_files_purge
from collection.models import ExportFile
from collection.services import person_create
from collection.tasks import purge_expired_exports_task
from collection.tests.factories import GRID, PHONE, valid_id
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "e_worker")
    grid = Area.objects.get(code=GRID)
    for i, name in enumerate(["甲", "乙", "丙"]):
        person_create(
            actor=worker,
            grid=grid,
            name=name,
            phone=PHONE,
            id_number=valid_id(f"2201021990010100{i}"),
        )
    return worker


def test_xlsx_export_is_masked_for_a_leader(api_client, people, make_user):
    leader = make_user(Role.CITY_LEADER, "220100000000")
    r = api_client(leader).get("/api/v1/people/export/")
    assert r.status_code == 200 and r["Content-Disposition"].endswith('people.xlsx"')
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "证件号码") and len(rows) == 4
    assert all("********" in row[1] and row[4] == "138****5678" for row in rows[1:])
    assert AuditLog.objects.filter(action="person.export", actor=leader).exists()


def test_csv_export_opens_in_excel_and_keeps_policy(api_client, people):
    r = api_client(people).get("/api/v1/people/export/", {"fmt": "csv"})
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM for Excel
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][4] == PHONE  # grid workers see phones in full
    assert "********" in rows[1][1]  # and ID numbers masked


def test_outsider_exports_nothing(api_client, people, make_user):
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    r = api_client(outsider).get("/api/v1/people/export/", {"fmt": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 1  # headers only


def test_large_export_goes_to_the_background_with_a_personal_link(
    api_client, client, people, settings, tmp_path, make_user
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EXPORT_SYNC_LIMIT = 1
    r = api_client(people).get("/api/v1/people/export/")
    assert r.status_code == 202 and r.json()["code"] == "queued"
    # What the task runs:
    url = dataset_export_to_file(user=people, dataset="people", fmt="xlsx", filters={})
    note = people.notifications.get(kind="export.ready")
    assert note.url == url and "3" in note.title
    client.force_login(people)
    got = client.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content)[:2] == b"PK"
    assert got["Cache-Control"] == "private, no-store"
    other = make_user(Role.GRID_WORKER, GRID, "e_other")
    client.force_login(other)
    assert client.get(url).status_code == 404  # the link is personal
    client.force_login(people)
    assert client.get(f"/collection/exports/{uuid.uuid4()}/").status_code == 404


def test_download_link_carries_no_secret(client, people, settings, tmp_path):
    """The link in the notification (and so in access logs) holds only the row's id: a
    log reader without the owner's session gets nothing, the owner gets it until it
    expires. (It used to be a bearer-like signed token in the path.)"""
    settings.MEDIA_ROOT = str(tmp_path)
    url = dataset_export_to_file(user=people, dataset="people", fmt="csv", filters={})
    export = ExportFile.objects.get(user=people)
    assert url == f"/collection/exports/{export.pk}/"
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    client.force_login(people)
    assert client.get(url).status_code == 200
    export.refresh_from_db()
    assert export.downloaded_at is not None
    ExportFile.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert client.get(url).status_code == 404  # expired, even before the purge ran


def test_expired_export_files_and_rows_are_deleted(people, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EXPORT_FILE_HOURS = 24
    dataset_export_to_file(user=people, dataset="people", fmt="csv", filters={})
    dataset_export_to_file(user=people, dataset="houses", fmt="xlsx", filters={})
    old, fresh = ExportFile.objects.order_by("created_at")
    ExportFile.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    folder = tmp_path / "exports"
    # A file no row knows (written, then the transaction failed), older than the lifetime:
    orphan = folder / "0123456789abcdef.csv"
    orphan.write_bytes(b"x")
    stale = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(orphan, (stale, stale))
    young_orphan = folder / "fedcba9876543210.csv"  # may belong to a running export
    young_orphan.write_bytes(b"x")

    purge_expired_exports_task.apply()

    assert sorted(p.name for p in folder.iterdir()) == sorted([fresh.file_name, young_orphan.name])
    assert list(ExportFile.objects.values_list("pk", flat=True)) == [fresh.pk]
    # Run again: nothing left to do, nothing fails.
    assert export_files_purge() == 0


def test_purge_is_scheduled():
    from django.conf import settings

    tasks = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "collection.tasks.purge_expired_exports_task" in tasks


def test_catalogue_lists_datasets_with_scoped_counts(api_client, people, make_user):
    from collection.models import Person
    from collection.tags import person_tag_set

    person_tag_set(
        actor=people,
        person=Person.objects.get(name="甲"),
        tag="petition",
        extra={
            "reason": "征地补偿",
            "petition_count": 2,
            "last_date": "2026-10-01",
            "measures": "包案化解",
        },
    )
    rows = {d["code"]: d for d in api_client(people).get("/api/v1/catalogue/").json()}
    assert rows["people"]["records"] == 3 and rows["people"]["sharing"]
    assert rows["special_groups"]["records"] == 1
    fields = {f["name"]: f for f in rows["people"]["fields"]}
    assert fields["id_number"]["protected"] and "id_number_index" not in fields
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    rows = {d["code"]: d for d in api_client(outsider).get("/api/v1/catalogue/").json()}
    assert rows["people"]["records"] == 0 and rows["special_groups"]["records"] == 0


def test_formula_like_values_stay_text(api_client, make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "e_formula")
    person_create(
        actor=worker,
        grid=Area.objects.get(code=GRID),
        name='=HYPERLINK("x")',
        id_number=valid_id("22010219950505005"),
    )
    r = api_client(worker).get("/api/v1/people/export/")
    ws = load_workbook(io.BytesIO(r.content)).active
    cell = next(c for c in ws["A"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"
    text = api_client(worker).get("/api/v1/people/export/", {"fmt": "csv"}).content.decode()
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize(
    "dataset, first_header",
    [("houses", "地址"), ("organisations", "名称"), ("places", "名称"), ("visits", "走访时间")],
)
def test_every_base_data_list_exports_within_the_jurisdiction(
    api_client, make_user, dataset, first_header
):
    from django.utils import timezone

    from collection.services import (
        house_create,
        organisation_create,
        place_create,
        visit_create,
    )

    worker = make_user(Role.GRID_WORKER, GRID, f"x_{dataset}")
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", f"xo_{dataset}")
    grid = Area.objects.get(code=GRID)
    house_create(actor=worker, grid=grid, address="=HYPERLINK(1)", use="rental")
    organisation_create(
        actor=worker, grid=grid, name="导出公司", kind="social", credit_code="91350100M000100Y43"
    )
    place_create(actor=worker, grid=grid, name="校门口", kind="school_area")
    visit_create(actor=worker, grid=grid, visited_at=timezone.now(), place="1 栋", findings="正常")
    r = api_client(worker).get(f"/api/v1/{dataset}/export/")
    assert r.status_code == 200 and r["Content-Disposition"].endswith(f'{dataset}.xlsx"')
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == first_header and len(rows) == 2
    if dataset == "houses":
        assert rows[1][:2] == ("=HYPERLINK(1)", "出租")  # text, not a live formula
    assert AuditLog.objects.filter(action__endswith=".export", actor=worker).exists()
    csv_rows = list(
        csv.reader(
            io.StringIO(
                api_client(outsider)
                .get(f"/api/v1/{dataset}/export/", {"fmt": "csv"})
                .content.decode("utf-8-sig")
            )
        )
    )
    assert csv_rows == [[h for h in csv_rows[0]]] and csv_rows[0][0] == first_header
