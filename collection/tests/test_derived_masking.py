"""Issue 8, item 6: the ID mask hides exactly the birth date (digits 7-14), so wherever the
number is masked the birth date is coarsened with it (decade only) — API, change feed,
exports, the person page and the audit trail. Together they must never give the number
back."""

import csv
import io

import pytest
from openpyxl import load_workbook

from collection.policy import present
from collection.tests.factories import GRID, valid_id
from governance.masking import mask_birth_date, mask_id_number
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db

NUMBER = valid_id("22010219900307123")
FULL_DATES = ("1990-03-07", "19900307", "1990/03/07", "1990年3月7日")


def _leaks(text: str) -> list[str]:
    return [d for d in (*FULL_DATES, NUMBER) if d in text]


def test_birth_date_mask_keeps_the_decade_only():
    import datetime as dt

    assert mask_birth_date(dt.date(1990, 3, 7)) == "199*-**-**"
    assert mask_birth_date("2003-12-31") == "200*-**-**"
    assert mask_birth_date("199*-**-**") == "199*-**-**"  # idempotent
    assert mask_birth_date(None) == "" and mask_birth_date("x") == "***"


def test_gender_is_from_a_digit_the_mask_shows():
    """Why gender is not masked: digit 17 is among the four the mask keeps."""
    masked = mask_id_number(NUMBER)
    assert masked[16] == NUMBER[16] and masked[6:14] == "*" * 8


def test_policy_treats_the_birth_date_as_its_id_number(person, worker, make_user):
    leader = make_user(Role.CITY_LEADER, "220100000000", "dm_leader")
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "dm_outsider")
    for user in (worker, leader):
        assert (
            present(user, "birth_date", person.birth_date, area_path=person.area_path)
            == "199*-**-**"
        )
    assert present(outsider, "birth_date", person.birth_date, area_path=person.area_path) is None


@pytest.mark.parametrize(
    "role,area",
    [
        (Role.GRID_WORKER, GRID),
        (Role.COUNTY_DISPATCHER, "220102000000"),
        (Role.CITY_LEADER, "220100000000"),
        (Role.AUDITOR, "220100000000"),
    ],
)
def test_api_detail_list_and_change_feed_coarsen_the_birth_date(
    api_client, person, make_user, role, area
):
    c = api_client(make_user(role, area, f"dm_{role}"))
    detail = c.get(f"/api/v1/people/{person.pk}/")
    assert detail.status_code == 200
    assert detail.json()["birth_date"] == "199*-**-**"
    assert "*" in (detail.json()["id_number"] or "*")
    listing = c.get("/api/v1/people/")
    feed = c.get("/api/v1/changes/", {"dataset": "people"})
    for r in (detail, listing, feed):
        assert r.status_code == 200 and not _leaks(r.content.decode()), r.content


def test_exports_coarsen_the_birth_date(api_client, person, worker):
    r = api_client(worker).get("/api/v1/people/export/", {"fmt": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][3] == "出生日期" and rows[1][3] == "199*-**-**"
    assert not _leaks(r.content.decode("utf-8-sig"))
    r = api_client(worker).get("/api/v1/people/export/")
    values = [
        v
        for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
        for v in row
    ]
    assert "199*-**-**" in values and not _leaks(" ".join(str(v) for v in values))


def test_person_page_coarsens_until_the_number_is_revealed(client, person, worker):
    client.force_login(worker)
    page = client.get(f"/collection/people/{person.pk}/").content.decode()
    assert "199*-**-**" in page and not _leaks(page)
    revealed = client.post(f"/collection/people/{person.pk}/", {"reveal": "id_number"})
    text = revealed.content.decode()
    assert NUMBER in text and "1990年3月7日" in text  # revealed (audited): whole
    assert AuditLog.objects.filter(action="person.reveal", object_id=str(person.pk)).exists()


def test_audit_rows_of_person_create_and_update_hold_no_birth_date(person, worker):
    from collection.services import person_update

    person_update(actor=worker, person=person, id_number=valid_id("22010219851111002"))
    for log in AuditLog.objects.filter(object_type="collection.person", object_id=str(person.pk)):
        text = str(log.changes) + log.object_repr
        assert not _leaks(text) and "1985-11-11" not in text, (log.action, log.changes)
    create = AuditLog.objects.get(action="person.create", object_id=str(person.pk))
    assert create.changes["birth_date"] == [None, "199*-**-**"]
