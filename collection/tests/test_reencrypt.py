"""reencrypt_personal_data: key rotation over the real database."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from collection.models import ID_CONTEXT, PHONE_CONTEXT, ImportJob, ImportRow, Person
from collection.tests.keys import AES_KEY_2
from governance import crypto
from governance.models import AuditLog
from grids.models import Area

pytestmark = pytest.mark.django_db

PEOPLE = [
    ("张三", "11010519491231002X", "13812345678"),
    ("李四", "220102199003071234", ""),
    ("王五", "220103198512120011", "13900001111"),
]


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def all_raw(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, "{column}" FROM "{table}" ORDER BY id')
        return dict(cursor.fetchall())


def run(*args):
    out = io.StringIO()
    call_command("reencrypt_personal_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_key(settings):
    keys = settings.FIELD_ENCRYPTION_KEYS
    assert keys.startswith("t1:")
    return keys.split(",")[0].partition(":")[2]


@pytest.fixture
def people(old_key):
    grid = Area.objects.filter(level=6).order_by("code").first()
    created = []
    for name, id_number, phone in PEOPLE:
        created.append(
            Person.objects.create(
                grid=grid,
                area_path=grid.path,
                name=name,
                id_number=id_number,
                id_number_index=crypto.blind_index(id_number, context=ID_CONTEXT),
                phone=phone,
                phone_index=crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else "",
            )
        )
    return created


@pytest.fixture
def import_row(old_key):
    user = get_user_model().objects.create_user(username="reencrypt-tester", password="x")
    job = ImportJob.objects.create(created_by=user, original_name="人口.xlsx", area_path="")
    return ImportRow.objects.create(
        job=job,
        row_number=2,
        data=json.dumps({"证件号码": "11010519491231002X"}),
        errors={"证件号码": "校验位错误"},
    )


def rotate_to_t2(settings, old_key):
    settings.FIELD_ENCRYPTION_KEYS = f"t2:{AES_KEY_2},t1:{old_key}"


def test_reencrypts_to_the_current_key(settings, old_key, people, import_row):
    for p in people:
        assert crypto.token_key_id(raw("collection_person", "id_number", p.pk)) == "t1"
    audits = AuditLog.objects.filter(action="crypto.reencrypt").count()

    rotate_to_t2(settings, old_key)
    out = run("--batch", "2")
    assert "/" in out and "re-encrypted" in out and "已重新加密" in out

    for p, (_name, id_number, phone) in zip(people, PEOPLE, strict=True):
        assert crypto.token_key_id(raw("collection_person", "id_number", p.pk)) == "t2"
        if phone:
            assert crypto.token_key_id(raw("collection_person", "phone", p.pk)) == "t2"
        else:
            assert raw("collection_person", "phone", p.pk) == ""  # empty stays as it is
        fresh = Person.objects.get(pk=p.pk)
        assert (fresh.id_number, fresh.phone) == (id_number, phone)
        # blind indexes are untouched and still find the row
        assert (
            Person.objects.get(id_number_index=crypto.blind_index(id_number, context=ID_CONTEXT)).pk
            == p.pk
        )
    assert crypto.token_key_id(raw("collection_importrow", "data", import_row.pk)) == "t2"
    assert json.loads(ImportRow.objects.get(pk=import_row.pk).data) == {
        "证件号码": "11010519491231002X"
    }

    log = AuditLog.objects.filter(action="crypto.reencrypt").order_by("-id").first()
    assert AuditLog.objects.filter(action="crypto.reencrypt").count() == audits + 1
    assert log.object_type == "collection" and log.actor is None
    rows = log.changes["rows"][1]
    assert log.changes["rows"][0] is None and rows >= 2 * len(PEOPLE)  # 3 ids, 2 phones, 1 row

    # a second run finds nothing to do and rewrites nothing
    before = all_raw("collection_person", "id_number"), all_raw("collection_person", "phone")
    run()
    after = all_raw("collection_person", "id_number"), all_raw("collection_person", "phone")
    assert before == after
    log = AuditLog.objects.filter(action="crypto.reencrypt").order_by("-id").first()
    assert log.changes == {"rows": [None, 0]}

    # the old key can now go
    settings.FIELD_ENCRYPTION_KEYS = f"t2:{AES_KEY_2}"
    for p, (_name, id_number, phone) in zip(people, PEOPLE, strict=True):
        fresh = Person.objects.get(pk=p.pk)
        assert (fresh.id_number, fresh.phone) == (id_number, phone)
    assert json.loads(ImportRow.objects.get(pk=import_row.pk).data)["证件号码"]


def test_dry_run_only_counts(settings, old_key, people, import_row):
    rotate_to_t2(settings, old_key)
    before = (
        all_raw("collection_person", "id_number"),
        all_raw("collection_person", "phone"),
        all_raw("collection_importrow", "data"),
    )
    audits = AuditLog.objects.count()

    out = run("--dry-run", "--batch", "2")

    assert "would be re-encrypted" in out and "试运行" in out
    after = (
        all_raw("collection_person", "id_number"),
        all_raw("collection_person", "phone"),
        all_raw("collection_importrow", "data"),
    )
    assert before == after
    assert AuditLog.objects.count() == audits
    for p in people:
        assert crypto.token_key_id(raw("collection_person", "id_number", p.pk)) == "t1"


def test_a_missing_key_is_reported_not_guessed(settings, old_key, people):
    from django.core.management.base import CommandError

    settings.FIELD_ENCRYPTION_KEYS = f"t2:{AES_KEY_2}"  # t1 removed too early
    before = all_raw("collection_person", "id_number")
    with pytest.raises(CommandError, match="t1|could not be decrypted"):
        call_command("reencrypt_personal_data", stdout=io.StringIO(), stderr=io.StringIO())
    assert all_raw("collection_person", "id_number") == before
