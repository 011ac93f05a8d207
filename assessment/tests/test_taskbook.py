"""Self-assessment (自评): task books, tasks with owners, roadmaps and deadlines, progress
reports with evidence files, the states computed from dates and progress (in Python and
in SQL, the same), the 挂图作战 board, and scoping: another county sees nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessment import taskbook
from assessment.models import Milestone, ProgressReport, Task, TaskEvidence, TaskState
from events.tests.factories import jpeg_bytes
from governance.errors import Forbidden
from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TODAY = timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def county_admin(make_user):
    return make_user(Role.ADMIN, NANGUAN, "ng_admin")


@pytest.fixture
def book(county_admin):
    return taskbook.book_create(
        actor=county_admin, area=Area.objects.get(code=NANGUAN), name="南关区自评任务书", year=2026
    )


@pytest.fixture
def task(book, county_admin, townships):
    return taskbook.task_create(
        actor=county_admin,
        book=book,
        title="矛盾纠纷排查全覆盖",
        owner=townships[0].code,
        deadline=TODAY + timedelta(days=30),
        milestones=[
            {"name": "制定方案", "due": TODAY + timedelta(days=5)},
            {"name": "全面排查", "due": TODAY + timedelta(days=20)},
        ],
    )


@pytest.mark.parametrize(
    "progress, deadline_in, milestone_in, done, expected",
    [
        (0, 10, None, False, TaskState.NOT_STARTED),
        (30, 10, None, False, TaskState.IN_PROGRESS),
        (100, -10, -20, False, TaskState.DONE),  # finished late is still finished
        (30, -1, None, False, TaskState.OVERDUE),  # the deadline passed yesterday
        (0, 0, None, False, TaskState.NOT_STARTED),  # due today: not yet late
        (30, 10, -1, False, TaskState.OVERDUE),  # a step of the roadmap is late
        (30, 10, -1, True, TaskState.IN_PROGRESS),  # …unless it was done
        (0, 10, 0, False, TaskState.NOT_STARTED),
    ],
)
def test_state_from_dates_and_progress_in_python_and_sql(
    task, progress, deadline_in, milestone_in, done, expected
):
    deadline = TODAY + timedelta(days=deadline_in)
    Task.objects.filter(pk=task.pk).update(progress=progress, deadline=deadline)
    task.milestones.all().delete()
    if milestone_in is not None:
        Milestone.objects.create(
            task=task,
            position=1,
            name="节点",
            due=TODAY + timedelta(days=milestone_in),
            done_on=TODAY if done else None,
        )
    late = milestone_in is not None and milestone_in < 0 and not done
    assert (
        taskbook.task_state(progress=progress, deadline=deadline, late_milestone=late, today=TODAY)
        == expected
    )
    assert taskbook.with_state(Task.objects.filter(pk=task.pk)).get().state == expected
    # The same task another day: the state follows the date it is read on.
    later = taskbook.with_state(Task.objects.filter(pk=task.pk), TODAY + timedelta(days=60))
    assert later.get().state == (TaskState.DONE if progress == 100 else TaskState.OVERDUE)


def test_task_roadmap_and_audit(task, county_admin):
    assert [(m.position, m.name) for m in task.milestones.all()] == [
        (1, "制定方案"),
        (2, "全面排查"),
    ]
    assert task.owner_path == Area.objects.get(code=task.owner_area.code).path
    assert AuditLog.objects.filter(action="assessment.task_create", object_id=str(task.pk)).exists()


@pytest.mark.parametrize(
    "milestones, message",
    [
        ([{"name": "验收", "due": TODAY + timedelta(days=31)}], "晚于任务完成时限"),
        (
            [
                {"name": "排查", "due": TODAY + timedelta(days=9)},
                {"name": "方案", "due": TODAY + timedelta(days=3)},
            ],
            "早于上一个节点",
        ),
        ([{"name": "", "due": TODAY}], "节点名称"),
        ([{"name": "方案", "due": "明天"}], "不是有效的日期"),
    ],
)
def test_bad_roadmap_is_refused_naming_the_step(book, county_admin, townships, milestones, message):
    with pytest.raises(ValidationError) as exc:
        taskbook.task_create(
            actor=county_admin,
            book=book,
            title="坏任务",
            owner=townships[0].code,
            deadline=TODAY + timedelta(days=30),
            milestones=milestones,
        )
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert any("节点" in m for m in exc.value.messages)
    assert not Task.objects.filter(title="坏任务").exists()


def test_owner_outside_the_book_area_and_outsiders_refused(book, county_admin, make_user):
    with pytest.raises(ValidationError, match="不是"):
        taskbook.task_create(
            actor=county_admin, book=book, title="越界", owner="220103001000", deadline=TODAY
        )
    kc_admin = make_user(Role.ADMIN, "220103000000", "kc_admin")
    with pytest.raises(Forbidden):
        taskbook.task_create(actor=kc_admin, book=book, title="越权", owner=NANGUAN, deadline=TODAY)
    assert not Task.objects.exists()


def test_progress_via_api_with_evidence_then_scoped_download(
    task, api_client, client, make_user, townships, media
):
    staff = make_user(Role.TOWNSHIP_STAFF, townships[0].code, "t_staff")
    first = task.milestones.get(position=1)
    r = api_client(staff).post(
        f"/api/v1/assessment/tasks/{task.pk}/progress/",
        {
            "percent": 40,
            "text": "方案已印发",
            "milestone": first.pk,
            "files": [
                SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("会议.jpg", jpeg_bytes((16, 16)), content_type="image/jpeg"),
            ],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["progress"] == 40 and body["state"] == "in_progress"
    assert body["milestones"][0]["done_on"] == TODAY.isoformat()
    assert [f["name"] for f in body["reports"][0]["files"]] == ["方案.pdf", "会议.jpg"]
    pdf = TaskEvidence.objects.get(original_name="方案.pdf")
    assert pdf.file.name.startswith("assessment/") and "方案" not in pdf.file.name

    client.force_login(staff)
    r = client.get(body["reports"][0]["files"][0]["url"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == PDF
    # Another county's dispatcher: neither the task nor its files exist.
    kc = make_user(Role.COUNTY_DISPATCHER, "220103000000", "kc_disp")
    client.force_login(kc)
    assert client.get(pdf.get_absolute_url()).status_code == 404
    assert client.get(f"/assessment/tasks/{task.pk}/").status_code == 404
    assert client.get(f"/assessment/board/?area={NANGUAN}").status_code == 404
    page = client.get("/assessment/board/").content.decode()
    assert "矛盾纠纷排查全覆盖" not in page
    api = api_client(kc)
    assert api.get("/api/v1/assessment/tasks/").json()["results"] == []
    assert api.get(f"/api/v1/assessment/tasks/{task.pk}/").status_code == 404
    r = api.post(f"/api/v1/assessment/tasks/{task.pk}/progress/", {"percent": 50, "text": "x"})
    assert r.status_code == 404
    # A neighbouring township's staff of the same county: not their task either.
    other = make_user(Role.TOWNSHIP_STAFF, townships[1].code, "t_other")
    assert api_client(other).get(f"/api/v1/assessment/tasks/{task.pk}/").status_code == 404


@pytest.mark.parametrize(
    "data, code",
    [
        ({"percent": 101, "text": "超了"}, "invalid_percent"),
        ({"percent": -1, "text": "负数"}, "invalid_percent"),
        ({"percent": 50, "text": "  "}, "invalid"),  # the serializer: blank text
        (
            {
                "percent": 50,
                "text": "网页",
                "files": [SimpleUploadedFile("x.html", b"<script>1</script>", "text/html")],
            },
            "file_type",
        ),
        (
            {
                "percent": 50,
                "text": "伪装",
                "files": [SimpleUploadedFile("p.jpg", b"<html>1</html>", "image/jpeg")],
            },
            "file_content",
        ),
    ],
)
def test_bad_progress_is_refused_and_nothing_stored(
    task, api_client, make_user, townships, media, data, code
):
    staff = make_user(Role.TOWNSHIP_STAFF, townships[0].code, "t_staff")
    r = api_client(staff).post(
        f"/api/v1/assessment/tasks/{task.pk}/progress/", data, format="multipart"
    )
    assert r.status_code == 400 and r.json()["code"] == code, r.json()
    task.refresh_from_db()
    assert task.progress == 0 and not ProgressReport.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_view_only_leader_reads_but_cannot_report(task, api_client, make_user):
    leader = make_user(Role.CITY_LEADER, "220100000000", "c_leader")
    api = api_client(leader)
    assert [t["title"] for t in api.get("/api/v1/assessment/tasks/").json()["results"]] == [
        "矛盾纠纷排查全覆盖"
    ]
    r = api.post(f"/api/v1/assessment/tasks/{task.pk}/progress/", {"percent": 9, "text": "x"})
    assert r.status_code == 403


def test_department_owner_sees_only_its_own_tasks(book, county_admin, make_user, api_client):
    county = Area.objects.get(code=NANGUAN)
    dept = department_create(actor=None, code="NGCG", name="南关区城管局", area=county)
    other = department_create(actor=None, code="NGSJ", name="南关区市场监管局", area=county)
    taskbook.task_create(
        actor=county_admin, book=book, title="占道经营整治", owner="NGCG", deadline=TODAY
    )
    taskbook.task_create(
        actor=county_admin, book=book, title="食品安全检查", owner="NGSJ", deadline=TODAY
    )
    handler = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "cg_handler", department=dept)
    rows = api_client(handler).get("/api/v1/assessment/tasks/").json()["results"]
    assert [(t["title"], t["owner"], t["owner_code"]) for t in rows] == [
        ("占道经营整治", "南关区城管局", "NGCG")
    ]
    assert other.pk  # the other department's task stays unseen


def test_board_by_state_and_unit_with_overdue_in_red(
    book, county_admin, townships, client, make_user
):
    t0, t1 = townships[0], townships[1]
    for title, owner, days, progress in [
        ("逾期一", t0, -3, 20),
        ("逾期二", t0, -1, 0),
        ("进行", t0, 10, 50),
        ("完成", t1, -5, 100),
        ("未开始", t1, 10, 0),
    ]:
        t = taskbook.task_create(
            actor=county_admin,
            book=book,
            title=title,
            owner=owner.code,
            deadline=TODAY + timedelta(days=days),
        )
        Task.objects.filter(pk=t.pk).update(progress=progress)
    data = taskbook.board(user=county_admin, area=book.area)
    assert {s: n for s, _l, n in data["by_state"]} == {
        "not_started": 1,
        "in_progress": 1,
        "done": 1,
        "overdue": 2,
    }
    assert [(u["name"], u["cells"]) for u in data["units"]] == [
        (t0.name, [0, 1, 0, 2]),
        (t1.name, [1, 0, 1, 0]),
    ]
    leader = make_user(Role.CITY_LEADER, "220100000000", "c_leader")
    client.force_login(leader)
    page = client.get(f"/assessment/board/?area={NANGUAN}").content.decode()
    assert 'id="board-chart"' in page and 'id="board-units"' in page
    overdue = page.split('id="overdue"')[1]
    assert overdue.count('class="due-overdue"') == 2 and "逾期一" in overdue
    assert "进行" not in overdue
    # Drill to a task.
    task = Task.objects.get(title="逾期一")
    assert f"/assessment/tasks/{task.pk}/" in overdue
    page = client.get(f"/assessment/tasks/{task.pk}/").content.decode()
    assert "逾期一" in page and "已逾期" in page and 'id="progress-form"' not in page


def test_pages_create_book_task_and_report(county_admin, client, townships, media, make_user):
    client.force_login(county_admin)
    r = client.post("/assessment/books/", {"name": "年度任务书", "area": NANGUAN, "year": 2026})
    assert r.status_code == 302
    book_url = r["Location"]
    r = client.post(
        book_url,
        {
            "title": "网格化服务管理",
            "owner": townships[0].code,
            "deadline": (TODAY + timedelta(days=10)).isoformat(),
            "milestones": f"{TODAY + timedelta(days=20)} 验收",
        },
    )
    assert r.status_code == 400 and "晚于任务完成时限" in r.content.decode()
    r = client.post(
        book_url,
        {
            "title": "网格化服务管理",
            "owner": townships[0].code,
            "deadline": (TODAY + timedelta(days=10)).isoformat(),
            "milestones": f"{TODAY + timedelta(days=2)} 培训\n{TODAY + timedelta(days=8)} 验收",
        },
    )
    assert r.status_code == 302
    task = Task.objects.get(title="网格化服务管理")
    assert list(task.milestones.values_list("name", flat=True)) == ["培训", "验收"]
    staff = make_user(Role.TOWNSHIP_STAFF, townships[0].code, "t_staff")
    client.force_login(staff)
    r = client.post(
        f"/assessment/tasks/{task.pk}/",
        {
            "percent": "100",
            "text": "全部完成",
            "files": [SimpleUploadedFile("验收.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert r.status_code == 302
    page = client.get(f"/assessment/tasks/{task.pk}/").content.decode()
    assert "验收.pdf" in page and "已完成" in page
    assert not task.milestones.filter(done_on__isnull=True).exists()


def test_audit_trail_names_the_task_changes_in_words(task):
    from governance.audit_labels import field_label, value_label

    row = AuditLog.objects.get(action="assessment.task_create", object_id=str(task.pk))
    assert row.changes["milestones"] == [None, 2]
    # `milestones` is also the name of the task's reverse relation: a count, not a field.
    assert field_label("assessment.task", "milestones") == "节点数"
    assert value_label("assessment.task", "milestones", 2) == "2"
