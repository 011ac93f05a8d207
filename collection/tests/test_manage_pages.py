"""Base data's configuration pages (/manage/collection/): schemas through the services
with an audit row, the field policy shown read-only; province settings refuse a county
administrator."""

import json

import pytest

from collection.extra_fields import extra_schema
from collection.tag_schemas import tag_schema
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db
SCHEMA = {"type": "object", "properties": {"note": {"type": "string", "title": "备注"}}}


def test_extra_field_schema_saved_and_deleted(client, make_user):
    admin = make_user(Role.ADMIN, "220000000000", "mc_admin")
    client.force_login(admin)
    assert "数据类" in client.get("/manage/collection/schemas/").content.decode()
    r = client.post("/manage/collection/schemas/places/", {"schema": json.dumps(SCHEMA)})
    assert r.status_code == 302 and extra_schema("places") == SCHEMA
    bad = client.post("/manage/collection/schemas/places/", {"schema": "{nope"})
    assert bad.status_code == 400 and "不是有效的 JSON" in bad.content.decode()
    wrong = client.post("/manage/collection/schemas/places/", {"schema": '{"type": "array"}'})
    assert wrong.status_code == 400 and "properties" in wrong.content.decode()
    assert "确定删除" in client.get("/manage/collection/schemas/places/delete/").content.decode()
    client.post("/manage/collection/schemas/places/delete/")
    assert extra_schema("places") == {}
    done = list(AuditLog.objects.filter(actor=admin).values_list("action", flat=True))
    assert sorted(done) == ["extra_schema.delete", "extra_schema.set"]


def test_tag_schema_override_and_reset(client, make_user):
    admin = make_user(Role.ADMIN, "220000000000", "mc_admin2")
    client.force_login(admin)
    schema = {**tag_schema("petition"), "title": "重点上访(改)"}
    r = client.post("/manage/collection/schemas/tag:petition/", {"schema": json.dumps(schema)})
    assert r.status_code == 302 and tag_schema("petition")["title"] == "重点上访(改)"
    client.post("/manage/collection/schemas/tag:petition/delete/")
    assert tag_schema("petition")["title"] != "重点上访(改)"
    assert AuditLog.objects.filter(actor=admin, action="extra_schema.reset").exists()
    assert client.get("/manage/collection/schemas/tag:nothing/").status_code == 404


def test_county_administrator_reads_but_cannot_write(client, make_user):
    client.force_login(make_user(Role.ADMIN, "220102000000", "mc_county"))
    r = client.post("/manage/collection/schemas/places/", {"schema": json.dumps(SCHEMA)})
    assert r.status_code == 403 and extra_schema("places") == {}


def test_field_policy_is_shown_per_role(client, make_user):
    client.force_login(make_user(Role.ADMIN, "220000000000", "mc_pol"))
    html = client.get("/manage/collection/field-policy/").content.decode()
    assert "身份证号" in html and "网格员" in html and "脱敏" in html
    client.force_login(make_user(Role.GRID_WORKER, "220102001001001", "mc_worker"))
    assert client.get("/manage/collection/field-policy/").status_code == 404


def test_the_schema_read_gives_the_stored_json_or_nothing():
    """extra_schema runs a statement compiled once per process (collection/extra_fields.py):
    the stored schema as a dict, {} for a data class without one, per data class."""
    from collection.models import ExtraFieldSchema

    assert extra_schema("people") == {} and extra_schema("houses") == {}
    ExtraFieldSchema.objects.create(dataset="people", schema=SCHEMA)
    assert extra_schema("people") == SCHEMA and isinstance(extra_schema("people"), dict)
    assert extra_schema("houses") == {}
