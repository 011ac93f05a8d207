"""Searching people by what staff see: a whole ID number, or its masked form as lists
show it, both through keyed hashes (never by decrypting), scoped like everything else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collection import imports
from collection.models import Person
from collection.services import person_create
from collection.tests.factories import GRID, valid_id
from governance.masking import mask_id_number
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "s_worker")
    grid = Area.objects.get(code=GRID)
    a = person_create(actor=worker, grid=grid, name="甲某", id_number=valid_id("22010219800101123"))
    b = person_create(actor=worker, grid=grid, name="乙某", id_number=valid_id("22010219810202456"))
    return worker, a, b


def test_masked_and_full_numbers_find_the_person(client, api_client, people, make_user):
    worker, a, b = people
    leader = make_user(Role.CITY_LEADER, "220100000000", "s_leader")
    masked = mask_id_number(a.id_number)
    assert "*" in masked and a.id_masked_index and a.id_masked_index != b.id_masked_index
    for q in (masked, masked.lower(), a.id_number, a.id_number.lower()):
        names = [
            p["name"] for p in api_client(leader).get("/api/v1/people/", {"q": q}).json()["results"]
        ]
        assert names == ["甲某"], q
    client.force_login(leader)
    page = client.get("/collection/people/", {"q": masked}).content.decode()
    assert "甲某" in page and "乙某" not in page
    client.force_login(worker)
    page = client.get("/collection/", {"q": masked}).content.decode()
    assert "甲某" in page and "乙某" not in page
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000", "s_out")
    assert api_client(outsider).get("/api/v1/people/", {"q": masked}).json()["results"] == []


def test_imported_people_are_found_by_their_masked_number(people, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "s_county")
    number = valid_id("22010219900101789")
    data = f"姓名,证件号码,所属网格\r\n丙某,{number},{GRID}\r\n".encode()
    job = imports.import_job_create(actor=county, file=SimpleUploadedFile("p.csv", data))
    imports.import_job_validate(job_id=job.pk)
    imports.import_job_apply_request(actor=county, job=job)
    imports.import_job_apply(job_id=job.pk)
    from collection.selectors import person_list

    found = person_list(user=county, q=mask_id_number(number))
    assert [p.name for p in found] == ["丙某"]
    assert Person.objects.get(name="丙某").id_masked_index
