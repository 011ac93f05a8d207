"""What the phone's outbox needs from the server (issue 17, docs/offline.md): the writes it
makes offline — a located house, a visit with photos — applied once when resent; the
409 contract for special-group tags; the sealing key and the kept outlines only for
grid workers."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collection.models import House, PersonTag, Visit
from collection.tests.factories import GRID
from events.models import Attachment, Event
from events.tests.factories import jpeg_bytes
from governance.roles import Role

pytestmark = pytest.mark.django_db

CORRECTION = {
    "correction_type": "probation",
    "correction_start": "2024-01-01",
    "correction_end": "2026-12-31",
    "original_charge": "危险驾驶罪",
}


def test_a_house_placed_on_the_phone_map_keeps_its_point(api_client, worker, grid):
    client = api_client(worker)
    lng, lat = grid.centroid.x, grid.centroid.y
    body = {"grid": GRID, "address": "幸福村 8 号", "lng": lng, "lat": lat}
    r = client.post("/api/v1/houses/", body, format="json", HTTP_IDEMPOTENCY_KEY="h-1")
    assert r.status_code == 201, r.content
    again = client.post("/api/v1/houses/", body, format="json", HTTP_IDEMPOTENCY_KEY="h-1")
    assert again.json() == r.json() and again["Idempotent-Replayed"] == "true"
    house = House.objects.get()
    assert (round(house.location.x, 6), round(house.location.y, 6)) == (
        round(lng, 6),
        round(lat, 6),
    )
    # Moved on the map later (a change carrying the version read).
    r = client.patch(
        f"/api/v1/houses/{house.pk}/",
        {"lng": lng + 0.001, "lat": lat, "version": r.json()["version"]},
        format="json",
    )
    assert r.status_code == 200
    house.refresh_from_db()
    assert round(house.location.x, 6) == round(lng + 0.001, 6)
    bad = client.post(
        "/api/v1/houses/",
        {"grid": GRID, "address": "幸福村 9 号", "lng": 500, "lat": lat},
        format="json",
    )
    assert bad.status_code == 400 and House.objects.count() == 1


def test_a_visit_with_a_photo_resent_is_one_visit_one_case_one_photo(api_client, worker, person):
    client = api_client(worker)

    def body():
        return {
            "grid": GRID,
            "visited_at": "2026-03-01T10:00:00+08:00",
            "place": "院里",
            "findings": "院墙开裂",
            "people": [str(person.pk)],
            "report_category": "0603",
            "files": [SimpleUploadedFile("wall.jpg", jpeg_bytes(), content_type="image/jpeg")],
        }

    first = client.post("/api/v1/visits/", body(), format="multipart", HTTP_IDEMPOTENCY_KEY="v-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/visits/", body(), format="multipart", HTTP_IDEMPOTENCY_KEY="v-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    visit = Visit.objects.get()
    assert list(visit.people.all()) == [person]
    assert Event.objects.count() == 1 and visit.event.attachments.count() == 1
    # A photo without an event to keep it with: refused, nothing written.
    lone = body()
    del lone["report_category"]
    r = client.post("/api/v1/visits/", lone, format="multipart", HTTP_IDEMPOTENCY_KEY="v-2")
    assert r.status_code == 400 and "上报事件" in r.json()["detail"]
    assert Visit.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_stale_tag_change_is_refused_with_both_versions(api_client, worker, make_user, person):
    partner = make_user(Role.GRID_WORKER, GRID, "t_partner")
    url = f"/api/v1/people/{person.pk}/tags/"
    created = api_client(worker).post(
        url, {"tag": "correction", "extra": CORRECTION}, format="json"
    )
    assert created.status_code == 201 and created.json()["version"]
    read = created.json()["version"]  # the phone read it, then lost signal
    moved = api_client(partner).patch(f"{url}correction/", {"visit_every_days": 7}, format="json")
    assert moved.status_code == 200 and moved.json()["version"] != read
    stale = api_client(worker).patch(
        f"{url}correction/", {"visit_every_days": 14, "version": read}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and body["version"] == moved.json()["version"]
    assert body["server"]["visit_every_days"] == 7 and body["yours"]["visit_every_days"] == 14
    assert PersonTag.objects.get().visit_every_days == 7
    # Ending it on a stale read: refused too; with the server's version: done.
    end = {"reason": "解除矫正", "version": read}
    assert api_client(worker).delete(f"{url}correction/", end, format="json").status_code == 409
    merged = api_client(worker).patch(
        f"{url}correction/", {"visit_every_days": 14, "version": body["version"]}, format="json"
    )
    assert merged.status_code == 200 and PersonTag.objects.get().visit_every_days == 14
    end["version"] = merged.json()["version"]
    assert api_client(worker).delete(f"{url}correction/", end, format="json").status_code == 200
    # A change to a tag ended meanwhile: the ended tag is the server's version.
    late = api_client(partner).post(
        url, {"tag": "correction", "visit_every_days": 3, "version": read}, format="json"
    )
    assert late.status_code == 409 and late.json()["server"]["active"] is False
    assert PersonTag.objects.count() == 1


def test_the_sealing_key_and_the_kept_outlines_are_for_grid_workers(
    client, worker, make_user, grid
):
    assert client.get("/collection/offline/key/").status_code == 401
    client.force_login(worker)
    r = client.get("/collection/offline/key/")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    key = base64.b64decode(r.json()["key"])
    assert len(key) == 32
    # The same worker gets the same key in the next session: items queued before a
    # session expired can still be read and sent after signing in again.
    client.logout()
    client.force_login(worker)
    assert base64.b64decode(client.get("/collection/offline/key/").json()["key"]) == key
    data = client.get("/collection/offline/data/").json()
    assert [f["properties"]["code"] for f in data["grids"]["features"]] == [GRID]
    assert data["grids"]["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert all(f["id"] != GRID for f in data["neighbours"]["features"])
    assert any(c["code"] == "0603" for c in data["categories"])
    assert {x["url"] for x in data["lists"]} == {"/api/v1/people/", "/api/v1/houses/"}
    assert client.get("/collection/sync/").status_code == 200
    # Someone who is not (or no longer) a grid worker: refused, and the phone wipes.
    other = make_user(Role.COUNTY_DISPATCHER, "220102000000", "t_disp")
    client.force_login(other)
    for url in ("/collection/offline/key/", "/collection/offline/data/"):
        r = client.get(url)
        assert r.status_code == 403 and r.json()["code"] == "not_grid_worker"


def _keys(client) -> dict:
    r = client.get("/collection/offline/key/")
    assert r.status_code == 200, r.content
    return r.json()


def test_the_outbox_key_changes_with_the_password_and_the_grid_role(client, worker, grid):
    """The outbox key is the same in every session of the worker (a queue saved before a
    session expired is sent after signing in again) until what should end the phone's
    access changes: the password, the grid worker role."""
    from governance.models import RoleAssignment
    from governance.services import role_assign, role_revoke

    client.force_login(worker)
    first = _keys(client)
    assert len(base64.b64decode(first["key"])) == 32 and first["key_id"]
    client.logout()
    client.force_login(worker)
    assert _keys(client)["key"] == first["key"]

    worker.set_password("a new password 2026")  # a reset by the administrator
    worker.save()
    client.force_login(worker)
    after_reset = _keys(client)
    assert after_reset["key"] != first["key"] and after_reset["key_id"] != first["key_id"]

    role_revoke(
        actor=None, assignment=RoleAssignment.objects.get(user=worker, role=Role.GRID_WORKER)
    )
    assert client.get("/collection/offline/key/").json()["code"] == "not_grid_worker"
    role_assign(actor=None, user=worker, role=Role.GRID_WORKER, area=grid)  # given back
    restored = _keys(client)
    assert restored["key"] not in (first["key"], after_reset["key"])
    assert _keys(client)["key"] == restored["key"]  # stable while nothing changes


def test_the_lists_key_lives_in_the_session(client, worker):
    """The kept lists (server data) are sealed under a random key of the session: the same
    for every tab of the session, another after signing in again, none without one."""
    client.force_login(worker)
    one = _keys(client)
    assert len(base64.b64decode(one["lists_key"])) == 32 and one["lists_key"] != one["key"]
    again = _keys(client)
    assert (again["lists_key"], again["lists_key_id"]) == (one["lists_key"], one["lists_key_id"])
    client.logout()
    assert client.get("/collection/offline/key/").status_code == 401
    client.force_login(worker)
    other = _keys(client)
    assert other["lists_key"] != one["lists_key"] and other["key"] == one["key"]


def test_the_kept_pages_are_shells_without_personal_data(client, worker, person):
    """What the service worker keeps (header X-GridGov-Shell): 我的网格 and the visit form
    without the people they list, nor the worker's name; asked for without the header,
    the pages are as they always were."""
    client.force_login(worker)
    for url in ("/collection/", "/collection/visits/new/"):
        online = client.get(url).content.decode()
        assert "李四" in online and "data-offline-list" not in online
        shell = client.get(url, HTTP_X_GRIDGOV_SHELL="1").content.decode()
        assert "李四" not in shell and 'data-offline-list="people"' in shell
        assert str(worker) not in shell  # the worker's name in the top bar neither
    shell = client.get("/collection/", HTTP_X_GRIDGOV_SHELL="1").content.decode()
    assert 'data-offline-list="houses"' in shell
    # What the phone keeps of each list row: what those pages show offline.
    lists = {x["name"]: x for x in client.get("/collection/offline/data/").json()["lists"]}
    assert "birth_date" not in lists["people"]["fields"] and "name" in lists["people"]["fields"]
    assert lists["people"]["choices"]["kind"]["registered"]
    assert lists["houses"]["fields"] == ["id", "address", "use", "owner_name"]


def test_the_verification_form_carries_the_version_and_a_stale_one_is_refused(
    client, api_client, worker, make_user, person, grid
):
    """核准 corrections from the phone carry the record's version as the page read it; the
    record changed meanwhile: 409 with both versions, nothing decided."""
    import re

    from collection.models import Person, VerificationTask
    from collection.services import person_update
    from collection.verification import verification_tasks_create
    from governance.versions import row_version

    verification_tasks_create(
        dataset="people", rows=[(str(person.pk), grid.pk, grid.path)], source="公安人口库"
    )
    task = VerificationTask.objects.get()
    client.force_login(worker)
    html = client.get("/collection/verifications/").content.decode()
    (read,) = re.findall(r'name="version" value="(\d+)"', html)
    assert read == row_version(person)
    partner = make_user(Role.GRID_WORKER, GRID, "v_partner")
    person_update(actor=partner, person=person, residence_address="甲")
    r = api_client(worker).post(
        f"/api/v1/verifications/{task.pk}/decide/",
        {"decision": "corrected", "corrections": {"residence_address": "乙"}, "version": read},
        format="json",
        HTTP_IDEMPOTENCY_KEY="verify-1",
    )
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    body = r.json()
    assert body["server"]["residence_address"] == "甲"
    assert body["yours"]["corrections"] == {"residence_address": "乙"}
    assert body["version"] == row_version(Person.objects.get(pk=person.pk)) != read
    task.refresh_from_db()
    assert task.status == "pending"
    # Merged on the phone and sent with the server's version (same key: a refusal stores
    # nothing): decided once.
    body2 = {
        "decision": "corrected",
        "corrections": {"residence_address": "乙"},
        "version": body["version"],
    }
    for _ in range(2):
        r = api_client(worker).post(
            f"/api/v1/verifications/{task.pk}/decide/",
            body2,
            format="json",
            HTTP_IDEMPOTENCY_KEY="verify-1",
        )
        assert r.status_code == 200, r.content
    task.refresh_from_db()
    assert task.status == "corrected"
    assert Person.objects.get(pk=person.pk).residence_address == "乙"
