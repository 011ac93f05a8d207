"""Sample base data for the demo grid (华阳社区第1网格 of the demo grid worker), made through
the real services — houses with residents, special-group tags, an organisation, a place,
a visit, the county's task list — plus one department import run through the import
path, so that "my grid", the person pages, the import pages and the 核准 list all have
something to show."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from collection import imports
from collection.duties import task_item_create
from collection.models import House, PersonTag
from collection.services import (
    house_create,
    organisation_create,
    person_create,
    place_create,
    visit_create,
)
from collection.tags import person_tag_set
from collection.validators import credit_check_char, id_check_digit
from grids.models import Area

HOUSES = [
    ("华阳小区 1 栋 101", "self", "王建国"),
    ("华阳小区 1 栋 102", "rental", "李秀英"),
    ("华阳小区 2 栋 301", "self", "张伟"),
]
# (name, house index, relation, birth date, sequence, phone, kind)
PEOPLE = [
    ("王建国", 0, "户主", "19650412", "011", "13904310001", "registered"),
    ("刘淑兰", 0, "配偶", "19680903", "022", "13904310002", "registered"),
    ("王磊", 0, "子女", "20080715", "031", "", "registered"),
    ("陈志强", 1, "租户", "19900218", "051", "13604310005", "floating"),
    ("张伟", 2, "户主", "19720630", "071", "13504310007", "registered"),
    ("赵海波", 2, "亲属", "19851111", "091", "13304310009", "registered"),
]


def _id(birth: str, seq: str) -> str:
    body = f"220102{birth}{seq}"
    return body + id_check_digit(body)


def _credit(body17: str) -> str:
    return body17 + credit_check_char(body17)


def _tags(worker, people) -> None:
    today = timezone.localdate()
    person_tag_set(
        actor=worker,
        person=people["赵海波"],
        tag=PersonTag.Tag.RELEASED,
        start_date=today - dt.timedelta(days=200),
        responsible=worker,
        extra={
            "original_charge": "盗窃罪",
            "sentence": "有期徒刑二年",
            "release_date": (today - dt.timedelta(days=200)).isoformat(),
            "resettlement": "flexible",
        },
    )
    person_tag_set(
        actor=worker,
        person=people["王磊"],
        tag=PersonTag.Tag.KEY_YOUTH,
        start_date=today - dt.timedelta(days=60),
        responsible=worker,
        extra={
            "youth_type": "misbehaving",
            "guardian_name": "王建国",
            "guardian_relation": "parent",
            "help_measures": "社区志愿者结对帮扶,每周一次学业辅导",
        },
    )


def _department_import(county_user, grid) -> None:
    """A police-station file of three residents, one of them with a bad ID number, applied
    with "valid rows only": two verification tasks wait for the grid worker."""
    rows = [
        ("孙丽娜", _id("19930305", "122"), "13804310012", "流动人口", "华阳小区 1 栋 102"),
        ("周晓东", _id("19880126", "131"), "13804310013", "户籍人口", "华阳小区 2 栋 302"),
        ("吴敏", _id("19950817", "142")[:-1] + "0", "", "户籍人口", "华阳小区 2 栋 303"),
    ]
    lines = ["姓名,证件号码,联系电话,人口类型,居住地址,所属网格"]
    lines += [",".join([*r, grid.code]) for r in rows]
    upload = SimpleUploadedFile("派出所实有人口.csv", ("\r\n".join(lines) + "\r\n").encode())
    job = imports.import_job_create(
        actor=county_user, file=upload, mode="valid_only", dataset="people"
    )
    # The demo runs the task bodies itself (no worker needs to be running yet).
    transaction.on_commit(lambda: _run_import(job.pk, county_user))


def _run_import(job_id: int, user) -> None:
    job = imports.import_job_validate(job_id=job_id)
    if job is not None and job.status == job.Status.READY:
        imports.import_job_apply_request(actor=user, job=job)
        imports.import_job_apply(job_id=job_id)


def ensure_demo_collection() -> int:
    """Returns how many houses it made (0 if the demo grid already has data)."""
    User = get_user_model()
    worker = User.objects.filter(username="grid_worker").first()
    if worker is None:
        return 0
    grid = worker.role_assignments.get(role="grid_worker").area
    if House.objects.filter(grid=grid).exists():
        return 0
    county_user = User.objects.get(username="county_dispatcher")
    township_user = User.objects.get(username="township_staff")
    with transaction.atomic():
        county = Area.objects.get(code=grid.ancestor_codes[2])
        township = Area.objects.get(code=grid.ancestor_codes[3])
        task_item_create(
            actor=county_user, area=county, title="重点人员按周期走访", rule="tag_visit"
        )
        task_item_create(
            actor=township_user, area=township, title="出租房须登记租住人员", rule="rental_tenants"
        )
        task_item_create(
            actor=township_user, area=township, title="实有人口须登记联系电话", rule="person_phone"
        )
        centre = grid.centroid
        houses = [
            house_create(actor=worker, grid=grid, address=a, use=u, owner_name=o, location=centre)
            for a, u, o in HOUSES
        ]
        people = {}
        for name, house, relation, birth, seq, phone, kind in PEOPLE:
            people[name] = person_create(
                actor=worker,
                grid=grid,
                name=name,
                id_number=_id(birth, seq),
                phone=phone,
                kind=kind,
                house=houses[house],
                relation=relation,
                residence_address=houses[house].address,
            )
        _tags(worker, people)
        organisation_create(
            actor=worker,
            grid=grid,
            name="长春华阳便民超市有限公司",
            kind="non_public",
            credit_code=_credit("91220102MA17XK3Q0"),
            legal_person="李秀英",
            address="华阳小区 3 栋底商",
        )
        place_create(
            actor=worker,
            grid=grid,
            name="华阳小学校门口",
            kind="school_area",
            address="华阳街 12 号",
            location=centre,
        )
        visit_create(
            actor=worker,
            grid=grid,
            visited_at=timezone.now() - dt.timedelta(days=3),
            place="华阳小区 2 栋 301",
            findings="赵海波在家,已在超市灵活就业,情绪稳定。",
            people=[people["赵海波"]],
        )
        _department_import(county_user, grid)
    return len(houses)
