"""The world the outsider tests probe: one record of every kind in one grid of 南关区,
built through the real services, and the people who must not see or touch it.

Every record carries a marker (a string found nowhere else in the test database), so a
list, an export, a count or a page leaks it exactly when the marker appears in the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from collection.tests.factories import csv_bytes, upload, valid_id
from events.tests.factories import jpeg_bytes
from governance.roles import Role
from governance.services import department_create, role_assign, user_create
from grids.models import Area

PASSWORD = "Test@2026pass"
PROVINCE = "220000000000"
CITY = "220100000000"
NANGUAN = "220102000000"  # 南关区: where the records live
KUANCHENG = "220103000000"  # 宽城区: the other county
GRID = "220102001001001"  # the grid of the records
VILLAGE = "220102001001"
TOWNSHIP = "220102001000"

# Markers. Chinese where a validator wants a name, all unique in the database.
M_PERSON = "泄漏检查甲"
M_PERSON_PHONE = "13912340077"
M_HOUSE = "泄漏检查路七十七号"
M_ORG = "泄漏检查科技有限公司"
M_PLACE = "泄漏检查广场"
M_VISIT = "泄漏检查走访情况"
M_TASK = "泄漏检查工作事项"
M_EVENT = "泄漏检查事件"
M_SUB = "泄漏检查订阅"
M_NOTE = "泄漏检查通知"
M_TAG_REASON = "泄漏检查上访原因"
M_IMPORT = "泄漏检查导入"
M_RULE = "泄漏检查预警规则"
M_DISPUTE = "泄漏检查矛盾纠纷"
M_MEDIATION_ORG = "泄漏检查人民调解委员会"
M_CODE_RULE = "泄漏检查调解码规则"
M_SCHEME = "泄漏检查考核方案"
M_AS_RULE = "泄漏检查评分规则"
M_TASKBOOK = "泄漏检查任务书"
M_SELF_TASK = "泄漏检查自评任务"  # overdue, so the 挂图作战 board names it
M_COMMAND = "泄漏检查指令"  # a command of 南关区 to the grid's worker
M_PLAN = "泄漏检查应急预案"
# The grid worker's shared position: its longitude as the API and the map print it.
POSITION_LNG_OFFSET = 0.000777
M_TRANSFER = "泄漏检查迁入人"  # the name a 宽城区 dispatcher typed for a 南关区 person


ID_NUMBER = valid_id("22010219800101771")
EXTRA_SCHEMA = {"type": "object", "properties": {"note": {"type": "string", "title": "备注"}}}
CREDIT_CODE = "91350100M000100Y43"


def _user(name: str, role: str, area_code: str, department=None):
    user = user_create(
        actor=None, username=name, password=PASSWORD, full_name=name, department=department
    )
    role_assign(
        actor=None,
        user=user,
        role=role,
        area=Area.objects.get(code=area_code),
        department=department,
    )
    user.api_token = Token.objects.create(user=user).key
    _enrol(user)
    return user


def _enrol(user) -> None:
    """Leaders, administrators and auditors have an authenticator (two-factor login):
    their test sessions pass the second factor with it (tests/fixtures.py)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance.twofactor import DEVICE_NAME, two_factor_required

    if two_factor_required(user):
        TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    grid: Area | None = None
    grid2: Area | None = None
    person: object = None
    house: object = None
    organisation: object = None
    place: object = None
    visit: object = None
    tag: object = None
    task_item: object = None
    verification: object = None
    import_job: object = None
    events: dict = field(default_factory=dict)  # state → Event
    department: object = None  # 南关区城管局: the case's department
    other_department: object = None  # 南关区市场监管局: never involved
    kc_department: object = None  # 宽城区城管局
    routing_rule: object = None
    subscription: object = None
    delivery: object = None
    notification: object = None
    card: object = None  # a supervision card on the accepted case, not answered
    audit_row: object = None
    attachment: object = None  # a photo of the dispatched case, with its thumbnail
    evidence: object = None  # a 处置 evidence file of the warning
    moved: object = None  # a person moved from the grid to grid2 (a feed removal)
    transfer: object = None  # 宽城区 asks for the 南关区 person (迁入申请), pending
    export_token: str = ""
    department_token: object = None  # the uninvolved department's API token
    department_key: str = ""  # the uninvolved department's system (Authorization: Department)
    mediation_org: object = None  # the township's 人民调解委员会
    dispute: object = None  # a dispute of the grid, mediated to an agreement
    code_rule: object = None  # a mediation code rule (the province administrator's)
    scheme: object = None  # an assessment of 南关区's townships, computed
    scheme_reviewed: object = None  # another month's, reviewed
    assessment_rule: object = None
    township_code: str = ""
    entry: object = None  # a score filed by hand for the township, awaiting review
    entry_file: object = None  # its evidence file
    taskbook: object = None  # 南关区's 任务书
    self_task: object = None  # its task owned by the township, overdue, with a report
    task_file: object = None  # the report's evidence file
    command: object = None  # 南关区's command to the worker, delivered (not signed)
    command_file: object = None  # a photo of a progress report of it
    position: object = None  # the worker's last position
    plan: object = None  # 南关区's contingency plan (its administrator's)
    plan_file: object = None
    activation: object = None  # the plan, activated for the accepted case
    proposal: object = None  # the plan, proposed for the dispatched case

    def __getattr__(self, name):  # world.kc → the user named kc
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def _second_grid(grid: Area) -> Area:
    """A grid of the same county in another township (a township's task items and
    staff cover all its grids)."""
    return (
        Area.objects.filter(level=6, code__startswith=NANGUAN[:6])
        .exclude(code__startswith=TOWNSHIP[:9])
        .order_by("code")
        .first()
    )


def build() -> World:
    from collection import services as cs
    from collection.duties import task_item_create
    from collection.models import VerificationTask
    from collection.tags import person_tag_set
    from collection.verification import verification_tasks_create
    from events import config
    from events.models import EventCategory
    from events.services import event_report, event_transition
    from governance.models import AuditLog, Notification
    from integrations.services.webhooks import webhook_publish, webhook_subscription_create

    w = World()
    w.grid = Area.objects.get(code=GRID)
    w.grid2 = _second_grid(w.grid)
    county = Area.objects.get(code=NANGUAN)
    w.department = department_create(
        actor=None, code="SEC-NG-CGJ", name="南关区城管局(测)", area=county
    )
    w.other_department = department_create(
        actor=None, code="SEC-NG-SCJ", name="南关区市场监管局(测)", area=county
    )
    w.kc_department = department_create(
        actor=None,
        code="SEC-KC-CGJ",
        name="宽城区城管局(测)",
        area=Area.objects.get(code=KUANCHENG),
    )
    U = w.users
    # Insiders: the people of the record's own chain.
    U["worker"] = _user("sec_worker", Role.GRID_WORKER, GRID)
    U["village"] = _user("sec_village", Role.VILLAGE_STAFF, VILLAGE)
    U["township"] = _user("sec_township", Role.TOWNSHIP_STAFF, TOWNSHIP)
    U["dispatcher"] = _user("sec_dispatcher", Role.COUNTY_DISPATCHER, NANGUAN)
    U["handler"] = _user("sec_handler", Role.DEPARTMENT_HANDLER, NANGUAN, w.department)
    U["ng_auditor"] = _user("sec_ng_auditor", Role.AUDITOR, NANGUAN)
    U["admin"] = _user("sec_admin", Role.ADMIN, PROVINCE)
    # 三员分立: accounts and roles are the security administrator's.
    U["secadmin"] = _user("sec_secadmin", Role.SECURITY_ADMIN, NANGUAN)
    # Outsiders.
    U["kc"] = _user("sec_kc", Role.COUNTY_DISPATCHER, KUANCHENG)
    U["kc_auditor"] = _user("sec_kc_auditor", Role.AUDITOR, KUANCHENG)
    U["grid2"] = _user("sec_grid2", Role.GRID_WORKER, w.grid2.code)
    U["dept"] = _user("sec_dept", Role.DEPARTMENT_HANDLER, NANGUAN, w.other_department)
    U["kc_admin"] = _user("sec_kc_admin", Role.ADMIN, KUANCHENG)
    U["kc_secadmin"] = _user("sec_kc_secadmin", Role.SECURITY_ADMIN, KUANCHENG)
    # View-only roles, inside the area.
    U["province_leader"] = _user("sec_prov_leader", Role.PROVINCE_LEADER, PROVINCE)
    U["city_leader"] = _user("sec_city_leader", Role.CITY_LEADER, CITY)
    U["auditor"] = _user("sec_auditor", Role.AUDITOR, NANGUAN)

    worker, dispatcher = U["worker"], U["dispatcher"]
    point = Point(w.grid.centroid.x, w.grid.centroid.y, srid=4326)
    w.house = cs.house_create(actor=worker, grid=w.grid, address=M_HOUSE, location=point)
    w.person = cs.person_create(
        actor=worker,
        grid=w.grid,
        name=M_PERSON,
        id_number=ID_NUMBER,
        phone=M_PERSON_PHONE,
        kind="registered",
        house=w.house,
    )
    # A person moved to another township: the feed gives this grid's readers a removal.
    w.moved = cs.person_create(
        actor=worker,
        grid=w.grid,
        name="泄漏检查迁出",
        id_number=valid_id("22010219840505771"),
        kind="registered",
    )
    w.moved = cs.person_update(actor=dispatcher, person=w.moved, grid=w.grid2, name="泄漏检查迁出")
    w.organisation = cs.organisation_create(
        actor=worker, grid=w.grid, name=M_ORG, credit_code=CREDIT_CODE
    )
    w.place = cs.place_create(
        actor=worker, grid=w.grid, name=M_PLACE, kind="school_area", location=point
    )
    w.visit = cs.visit_create(
        actor=worker,
        grid=w.grid,
        visited_at=timezone.now(),
        place=M_HOUSE,
        findings=M_VISIT,
        people=[w.person],
    )
    w.tag, _created = person_tag_set(
        actor=worker,
        person=w.person,
        tag="petition",
        extra={
            "reason": M_TAG_REASON,
            "petition_count": 2,
            "last_date": "2026-10-01",
            "measures": "包案化解",
        },
    )
    w.task_item = task_item_create(
        actor=U["township"],
        area=w.grid.parent.parent,
        title=M_TASK,
        rule="person_phone",
        every_days=30,
    )
    verification_tasks_create(
        dataset="people", rows=[(str(w.person.pk), w.grid.pk, w.grid.path)], source="test"
    )
    w.verification = VerificationTask.objects.get(object_id=str(w.person.pk), grid=w.grid)
    # An import with one good and one bad row, validated: awaiting confirmation, with a
    # report of the rejected row.
    from collection.models import ImportJob

    rows = [
        ["泄漏检查丁", valid_id("22010219830404771"), "13812340001", "户籍人口", "幸福小区", GRID],
        ["泄漏检查戊", "123", "13812340002", "户籍人口", "幸福小区", GRID],
    ]
    w.import_job = upload(
        worker, csv_bytes(rows), name=f"{M_IMPORT}.csv", mode=ImportJob.Mode.VALID_ONLY
    )
    # Configuration the province administrator changed: reset by the DELETE cases.
    from collection.duties import extra_schema_set
    from collection.tag_schemas import default_tag_schemas
    from collection.tags import tag_schema_override

    schema = default_tag_schemas()["petition"]
    tag_schema_override(actor=U["admin"], tag="petition", schema={**schema, "title": "上访(改)"})
    extra_schema_set(actor=U["admin"], dataset="places", schema=EXTRA_SCHEMA)

    # Cases, one per state a transition starts from.
    category = EventCategory.objects.get(code="0101")  # 邻里纠纷: the village accepts

    def report(state, files=None):
        return event_report(
            actor=worker,
            title=f"{M_EVENT}-{state}",
            category=category,
            grid=w.grid,
            description=f"{M_EVENT}描述",
            lng=point.x,
            lat=point.y,
            files=files,
        )

    def act(actor, event, action, **kw):
        return event_transition(actor=actor, event=event, action=action, **kw)

    E = w.events
    E["pending_review"] = event_report(
        actor=None,
        title=f"{M_EVENT}-pending",
        source="citizen",
        category=category,
        grid=w.grid,
        lng=point.x,
        lat=point.y,
        description=f"{M_EVENT}群众描述",
        reporter_name="群众",
        reporter_phone="13800000000",
    )
    E["reported"] = report("reported")
    E["reported_2"] = report("reported_2")
    E["accepted"] = act(U["village"], report("accepted"), "accept")
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes((8, 8), "red"), content_type="image/jpeg")
    e = act(U["village"], report("dispatched", files=[photo]), "accept")
    E["dispatched"] = act(U["village"], e, "dispatch", department=w.department, note="请处理")
    w.attachment = E["dispatched"].attachments.get()
    # A citizen's request known only by its village (an address): held without a grid.
    E["unlocated"] = event_report(
        actor=None,
        title=f"{M_EVENT}-unlocated",
        source="citizen",
        category=category,
        area=w.grid.parent,
        address="泄漏检查路一号",
        description=f"{M_EVENT}无网格",
        reporter_name="群众",
        reporter_phone="13800000001",
    )
    e = act(U["village"], report("handling"), "accept")
    E["handling"] = act(U["village"], e, "handle")
    e = act(U["village"], act(U["village"], report("closed"), "accept"), "handle")
    E["closed"] = act(U["village"], e, "close", note="已处理完毕")
    e = act(U["village"], act(U["village"], report("verified"), "accept"), "handle")
    e = act(U["village"], e, "close", note="已处理完毕")
    E["verified"] = act(worker, e, "verify")
    from events.services import event_supervise, event_suspend

    w.card = event_supervise(
        actor=dispatcher, event=E["accepted"], colour="yellow", message="请加快办理"
    )

    e = act(U["village"], act(U["village"], report("suspended"), "accept"), "handle")
    E["suspended"] = event_suspend(actor=U["village"], event=e, reason="等待鉴定")

    w.routing_rule = config.routing_rule_set(
        actor=U["admin"], category=category, area=county, department=w.department
    )
    w.subscription, _secret = webhook_subscription_create(
        actor=U["admin"],
        department=w.department,
        url="https://hooks.example.com/sec",
        event_types=["*"],
        name=M_SUB,
    )
    w.delivery = webhook_publish(
        event_type="event.dispatched",
        payload={"number": E["dispatched"].number, "title": M_EVENT},
        area_path=w.grid.path,
        departments=[w.department],
    )[0]
    from governance.notifications import notify

    notify(users=[U["village"]], kind="event.new", title=M_NOTE)
    w.notification = Notification.objects.get(user=U["village"], title=M_NOTE)
    w.audit_row = AuditLog.objects.filter(action="person.create", object_id=str(w.person.pk)).get()
    w.export_token = _export_token(dispatcher)
    from integrations.services.access import department_token_issue

    w.department_token, w.department_key = department_token_issue(
        actor=U["admin"], department=w.other_department, name="市场监管系统"
    )
    from collection.transfers import PersonTransferRequested

    kc_grid = Area.objects.filter(level=6, code__startswith=KUANCHENG[:6]).order_by("code")[0]
    try:
        cs.person_create(
            actor=U["kc"], grid=kc_grid, name=M_TRANSFER, id_number=ID_NUMBER, kind="registered"
        )
    except PersonTransferRequested as exc:
        w.transfer = exc.transfer
    assert w.transfer is not None, "registering a held number must ask for a transfer"
    # A warning rule (province administrator) and the warning it raised for the person.
    from risk.evaluation import rule_evaluate
    from risk.models import Warning
    from risk.services import rule_create

    w.rule = rule_create(
        actor=U["admin"],
        name=M_RULE,
        subject_kind="person",
        definition={
            "factors": [{"code": "tag", "weight": 10, "params": {"tags": ["petition"]}}],
            "thresholds": {"red": 50, "orange": 40, "yellow": 30, "blue": 20, "green": 10},
        },
    )
    rule_evaluate(w.rule)
    w.warning = Warning.objects.get(rule=w.rule, subject_id=w.person.pk)
    # A dispute of the grid (mediation/), assigned to the township's committee and
    # mediated to an agreement (its DOCX and PDF).
    from mediation.models import MediationOrg
    from mediation.services import dispute_assign, dispute_register, dispute_succeed

    township = Area.objects.get(code=TOWNSHIP)
    w.mediation_org = MediationOrg.objects.create(
        name=M_MEDIATION_ORG, kind="people", area=township, area_path=township.path
    )
    w.dispute = dispute_register(
        actor=dispatcher,
        grid=w.grid,
        title=M_DISPUTE,
        type="neighbour",
        parties=[{"name": "泄漏检查当事人", "phone": "13912340088"}],
    )
    w.dispute = dispute_assign(actor=dispatcher, dispute=w.dispute, org=w.mediation_org)
    dispute_succeed(actor=dispatcher, dispute=w.dispute, terms="泄漏检查协议条款")
    # 诉调对接: the handler's department is the county's linked court, and the dispute
    # came from it (its list of linked disputes shows it).
    from mediation.models import CodeRule, Dispute, MediationLink

    MediationLink.objects.create(department=w.department, kind="court")
    Dispute.objects.filter(pk=w.dispute.pk).update(linked_department=w.department)
    # A rule for "other" disputes only: the world's disputes keep their codes.
    w.code_rule = CodeRule.objects.create(name=M_CODE_RULE, code=2, types=["other"])

    # An evidence file of the warning (stored directly: handling it through the service
    # would move the warning past 签收, which the write cases need).
    from django.core.files.base import ContentFile

    from risk.models import WarningEvidence

    w.evidence = WarningEvidence(
        warning=w.warning, content_type="image/jpeg", size=1, original_name="evidence.jpg"
    )
    w.evidence.file.save("evidence.jpg", ContentFile(jpeg_bytes((8, 8), "red")), save=True)
    _assessment(w)
    _command(w)
    return w


def position_marker(w: World) -> str:
    return f"{w.grid.centroid.x + POSITION_LNG_OFFSET:.6f}"


def _command(w: World) -> None:
    """A command of 南关区 to the worker with a photo of a report, the worker's position,
    a plan of 南关区 with a document, activated for one case and proposed for another."""
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from command.models import CommandReport, PlanAttachment, ReportEvidence
    from command.plans import activations_propose, plan_activate, plan_create
    from command.positions import position_report
    from command.services import RecipientSpec, command_issue
    from events.models import EventCategory

    U = w.users
    county = Area.objects.get(code=NANGUAN)
    w.command = command_issue(
        actor=U["dispatcher"],
        area=county,
        title=M_COMMAND,
        body=f"{M_COMMAND}内容",
        deadline=timezone.now() + timedelta(days=1),
        recipients=RecipientSpec(users=[U["worker"].pk]),
        event=w.events["accepted"],
    )
    # A report with a photo, stored directly: the service would move the recipient past
    # 已送达, which the write cases (签收) need.
    recipient = w.command.recipients.get()
    report = CommandReport.objects.create(
        recipient=recipient, kind="progress", note="泄漏检查进展", author=U["worker"]
    )
    w.command_file = ReportEvidence(report=report, content_type="image/jpeg", size=1)
    w.command_file.file.save("p.jpg", ContentFile(jpeg_bytes((8, 8), "red")), save=True)
    c = w.grid.centroid
    w.position = position_report(
        actor=U["worker"], lng=c.x + POSITION_LNG_OFFSET, lat=c.y, accuracy=10
    )
    w.plan = plan_create(
        actor=U["admin"],
        area=county,
        name=M_PLAN,
        category=EventCategory.objects.get(code="0101"),
        min_urgency="normal",
        steps=[{"title": "泄漏检查步骤", "role": "grid_worker", "offset": 2}],
    )
    w.plan_file = PlanAttachment(plan=w.plan, content_type="application/pdf", size=16)
    w.plan_file.file.save("plan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    w.activation = plan_activate(actor=U["dispatcher"], plan=w.plan, event=w.events["accepted"])
    (w.proposal,) = activations_propose(event=w.events["dispatched"])


def _assessment(w: World) -> None:
    """An assessment of 南关区's townships (computed) and the same for another month,
    reviewed (ready to publish); a scoring rule (province administrator)."""
    from datetime import date

    from assessment.compute import scheme_compute
    from assessment.services import (
        indicator_system_create,
        manual_entry_submit,
        rule_create,
        scheme_create,
        scheme_review,
    )

    admin = w.users["admin"]
    w.assessment_rule = rule_create(
        actor=admin, name=M_AS_RULE, kind="linear", params={"low": 0, "high": 10}
    )
    system = indicator_system_create(
        actor=admin,
        name="泄漏检查指标体系",
        rows=[
            {"code": "Q", "name": "结案", "weight": 50, "source": "figure"}
            | {"figure": "events.closed", "rule": M_AS_RULE},
            {"code": "M", "name": "评议", "weight": 50, "source": "manual"},
        ],
    )
    county = Area.objects.get(code=NANGUAN)
    schemes = [
        scheme_create(
            actor=admin,
            name=name,
            system=system,
            area=county,
            period_kind="month",
            period_start=start,
            object_level=4,
        )
        for name, start in [(M_SCHEME, date(2026, 10, 1)), ("泄漏检查九月", date(2026, 9, 1))]
    ]
    for scheme in schemes:
        scheme_compute(actor=admin, scheme=scheme)
    w.scheme, w.scheme_reviewed = schemes[0], scheme_review(actor=admin, scheme=schemes[1])
    w.township_code = TOWNSHIP
    w.entry = manual_entry_submit(
        actor=w.users["dispatcher"],
        scheme=w.scheme,
        indicator=system.nodes.get(code="M"),
        object_code=TOWNSHIP,
        score=30,
        evidence="泄漏检查佐证材料",
    )
    _self_assessment(w)


def _self_assessment(w: World) -> None:
    """南关区's task book with an overdue task of the township (a roadmap step, a progress
    report with a file) and an evidence file of the hand-filed score."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from assessment.models import EntryEvidence, TaskEvidence
    from assessment.taskbook import book_create, progress_report, task_create

    today = timezone.localdate()
    w.taskbook = book_create(
        actor=w.users["admin"], area=Area.objects.get(code=NANGUAN), name=M_TASKBOOK, year=2026
    )
    w.self_task = task_create(
        actor=w.users["admin"],
        book=w.taskbook,
        title=M_SELF_TASK,
        owner=TOWNSHIP,
        deadline=today - timedelta(days=3),
        milestones=[{"name": "制定方案", "due": today - timedelta(days=10)}],
    )
    report = progress_report(
        actor=w.users["township"], task=w.self_task, percent=20, text="泄漏检查进展"
    )
    pdf = ContentFile(b"%PDF-1.4\n%%EOF\n")
    w.task_file = TaskEvidence(report=report, content_type="application/pdf", size=16)
    w.task_file.file.save("task.pdf", pdf, save=True)
    w.entry_file = EntryEvidence(entry=w.entry, content_type="application/pdf", size=16)
    w.entry_file.file.save("entry.pdf", pdf, save=True)


def _export_token(user) -> str:
    """A finished background export of the dispatcher's people, as its link's token."""
    from collection.exports import dataset_export_to_file

    url = dataset_export_to_file(user=user, dataset="people", fmt="csv", filters={})
    return url.rstrip("/").rsplit("/", 1)[-1]
