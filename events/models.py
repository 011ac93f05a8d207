from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from governance.choices import ChoiceDisplayMixin
from governance.fields import EncryptedTextField
from governance.scoping import ScopedQuerySet

from .attachments import EXTENSIONS

# Associated data of the encrypted reporter phone: never change it once rows exist.
REPORTER_PHONE_CONTEXT = "events.event.reporter_phone"


class EventCategory(models.Model):
    """A node of the category tree configured by administrators."""

    code = models.CharField(_("分类编码"), max_length=32, unique=True)
    name = models.CharField(_("分类名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    # Level (1 province … 6 grid) of the unit that accepts a new report of this category.
    accept_level = models.PositiveSmallIntegerField(_("受理层级"), default=5)
    accept_hours = models.PositiveSmallIntegerField(_("受理时限(工作小时)"), default=4)
    handle_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"), default=5)
    verify_days = models.PositiveSmallIntegerField(_("核查时限(工作日)"), default=2)
    evidence_required = models.BooleanField(_("办结须现场佐证"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件分类")
        verbose_name_plural = _("事件分类")
        ordering = ["code"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """Category + area subtree → the department a dispatcher sends such cases to.

    The rule whose area is deepest (most specific) among the event's ancestors wins.
    """

    category = models.ForeignKey(
        EventCategory,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("分类"),
    )
    area = models.ForeignKey("grids.Area", on_delete=models.CASCADE, verbose_name=_("适用区域"))
    department = models.ForeignKey(
        "governance.Department", on_delete=models.CASCADE, verbose_name=_("承办部门")
    )

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area__path"

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="uniq_route_category_area")
        ]

    def __str__(self):
        return f"{self.category} @ {self.area_id} → {self.department}"


class Status(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待审核")  # citizen reports wait for moderation
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已分派")
    HANDLING = "handling", _("办理中")
    CLOSED = "closed", _("已办结待核查")
    VERIFIED = "verified", _("已核查待评价")
    ARCHIVED = "archived", _("已归档")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予受理")


OPEN_STATUSES = [
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.HANDLING,
    Status.CLOSED,
]


class Source(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员上报")
    STAFF = "staff", _("工作人员上报")
    CITIZEN = "citizen", _("群众上报")
    DEPARTMENT = "department", _("部门系统")
    HOTLINE = "hotline_12345", _("12345热线")
    API = "api", _("接口接入")
    OPEN311 = "open311", _("Open311")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class DueState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    NEAR_DUE = "near_due", _("临期")
    OVERDUE = "overdue", _("超期")


# A case's areas as its process reads them (events/flows.py: who may send a case back,
# down or on reads the unit that dispatched it and the one it came from): loaded with the
# case in one statement, without their outlines (grids.models.outlines_of), instead of
# one lazy query and a whole outline each.
CASE_AREAS = ("current_area", "dispatched_by_area", "previous_area", "grid")


class Event(ChoiceDisplayMixin, models.Model):
    # Unique through Meta.constraints: no pattern_ops twin (no prefix search; the search
    # box's icontains scans either way).
    number = models.CharField(_("事件编号"), max_length=24)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    category = models.ForeignKey(EventCategory, on_delete=models.PROTECT, verbose_name=_("分类"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # Empty only while a request known by its address alone waits for moderation
    # (Open311): the moderators set it before approving (events.services.event_locate).
    grid = models.ForeignKey(
        "grids.Area",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("所属网格"),
    )
    # The grid's path (or, without a grid, the path of the area the case is held at),
    # denormalised so jurisdiction filters need no join (hot table). One index, in Meta
    # (pattern_ops: the prefix filters of scoping; it serves = as well).
    area_path = models.CharField(max_length=120)
    # Every department the case was dispatched or transferred to: a department sees
    # those cases (and only those) — see governance.scoping.
    departments = ArrayField(models.BigIntegerField(), default=list, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上报人"),
    )
    reporter_name = models.CharField(_("上报人姓名"), max_length=50, blank=True)
    # Encrypted at rest like people's numbers (governance.crypto); shown through
    # events.masking.phone_for. Never searched, so no blind index.
    reporter_phone = EncryptedTextField(_("联系电话"), context=REPORTER_PHONE_CONTEXT, blank=True)
    # Not indexed: looked up together with the (unique) number (events/public.py).
    tracking_code = models.CharField(_("查询码"), max_length=12, blank=True)
    open311_client = models.ForeignKey(
        "events.Open311Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # partial index in Meta
    )

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    # (current_area, status) and (current_department, status) in Meta serve the inboxes
    # and the PROTECT checks: no index on either alone.
    current_area = models.ForeignKey(
        "grids.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("当前处置单位"),
        db_index=False,
    )
    current_department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("当前承办部门"),
        db_index=False,
    )
    # previous_area, dispatched_by_area, handler: no query filters by them (areas and
    # users are never deleted, only deactivated), so no index.
    previous_area = models.ForeignKey(
        "grids.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    dispatched_by_area = models.ForeignKey(
        "grids.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("当前办理人"),
        db_index=False,
    )

    step_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    step_deadline = models.DateTimeField(
        _("本环节时限"),
        null=True,
        blank=True,
        db_index=False,  # the list order's index in Meta
    )
    deadline = models.DateTimeField(_("办结时限"), null=True, blank=True)
    due_state = models.CharField(
        _("时限状态"),
        max_length=10,
        choices=DueState.choices,
        default=DueState.ON_TIME,
    )
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    suspend_reason = models.CharField(_("挂起原因"), max_length=200, blank=True)

    result = models.TextField(_("办理结果"), blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度评价"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("合并至"),
        db_index=False,  # partial index in Meta
    )
    reported_at = models.DateTimeField(_("上报时间"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    # indexed: today's facts of a subtree are found among the cases written today
    # (governance/figures.py: changed_since)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"
    scope_department_field = "departments"

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-id"]
        constraints = [
            # the case page, the public tracking page, the API: by number
            models.UniqueConstraint(fields=["number"], name="event_number"),
        ]
        # Each index with the query it serves: docs/performance-import.md, "Indexes".
        indexes = [
            # scoping's prefix filter (restrict), area_path = (risk/views.py)
            models.Index(
                fields=["area_path"], opclasses=["varchar_pattern_ops"], name="event_area_path"
            ),
            # status = / IN across the jurisdiction (lists, cockpit), without area
            models.Index(fields=["status"], name="event_status"),
            # the overdue lists (events/selectors.py due_state=overdue)
            models.Index(fields=["due_state"], name="event_due_state"),
            # duplicates of a case, the PROTECT check (few rows: merged cases only)
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="event_merged_into",
            ),
            # an Open311 client's requests, the PROTECT check (few rows)
            models.Index(
                fields=["open311_client"],
                condition=models.Q(open311_client__isnull=False),
                name="event_open311_client",
            ),
            models.Index(fields=["current_area", "status"]),
            models.Index(fields=["current_department", "status"]),
            # The lists' order, 本环节时限 then newest (events/selectors.py inbox): a page
            # of a county's open cases is read from it in order and stops after 20 rows,
            # instead of joining and sorting every one (2,600 a county in the load test).
            # Its leading column serves the due-state run (events/sla.py: step_deadline <).
            models.Index(fields=["step_deadline", "-reported_at"], name="event_list_order"),
            GinIndex(fields=["departments"], name="event_departments_gin"),
            # The analysis pivot takes the merged duplicates out of the rollups' counts
            # (cockpit/analysis/pivot.py): read from this index alone, not from the cases.
            models.Index(
                fields=["area_path", "reported_at"],
                include=["category", "source", "current_department", "urgency"],
                condition=models.Q(status="merged"),
                name="event_merged_cells",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("events:detail", args=[self.number])


class Trace(models.Model):
    """One step of a case's history (全程留痕): who, when, what, with what material."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="traces")
    action = models.CharField(_("操作"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    unit = models.CharField(_("处置单位"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.event_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def _random_name(directory: str, filename: str) -> str:
    """`<directory>/<random hex><ext>`: only an extension from the verified-type table
    survives (callers pass `attachments.stored_name(...)`, never the client's file name)."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()
    if suffix not in set(EXTENSIONS.values()):
        suffix = ".bin"
    return f"{directory}/{uuid.uuid4().hex}{suffix}"


def attachment_path(instance, filename):
    """A random name under events/ (see `_random_name`)."""
    return _random_name("events", filename)


def evidence_path(instance, filename):
    """A random name under the directory of the concrete model's app ("risk/…",
    "assessment/…", "command/…"; see `_random_name`): the app label, so a migration's
    historical model stores its files where the app does. Migrations of the apps above
    name this function by its dotted path: keep it here."""
    return _random_name(instance._meta.app_label, filename)


class EvidenceFileBase(models.Model):
    """An evidence file (佐证材料) of an app above: checked like an event's attachment
    (type from the content, random stored name) by events/evidence.py and served only
    after its owner's scope check, stored under its app's directory. A concrete model
    adds its owner FK and its verbose names (`class Meta(EvidenceFileBase.Meta)` keeps
    the ordering)."""

    file = models.FileField(_("文件"), upload_to=evidence_path)
    content_type = models.CharField(max_length=100)
    # The uploader's file name, shown as text only; the stored name is random.
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name or self.file.name


class Attachment(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attachments")
    trace = models.ForeignKey(
        Trace, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=attachment_path, blank=True)
    content_type = models.CharField(max_length=100)
    # The uploader's file name, shown as text only; the stored name is random.
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SupervisionCard(models.Model):
    class Colour(models.TextChoices):
        YELLOW = "yellow", _("黄牌督办")
        RED = "red", _("红牌督办")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="supervisions")
    colour = models.CharField(_("督办等级"), max_length=10, choices=Colour.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("督办意见"))
    deadline = models.DateTimeField(_("反馈期限"))
    issued_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("反馈"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.get_colour_display()} {self.event_id}"


class Open311Client(models.Model):
    """An outside system allowed to file and read GeoReport v2 requests (API key)."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=8)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 接入方")
        verbose_name_plural = _("Open311 接入方")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"
