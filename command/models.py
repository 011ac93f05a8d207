"""Commands (指令) to field staff and units with per-recipient receipts, staff positions,
and contingency plans (预案) whose activation issues one command per step.

Scoping: a command lies in the area its issuer chose (`area_path`): the issuer and the
leaders of that area see it through `restrict`; a recipient sees the commands addressed to
them (command/selectors.py). Positions lie in the unit of the staff member who reported
them; plans in the area they were defined for; activations in their event's area.
"""

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import EvidenceFileBase, Urgency
from governance.scoping import ScopedQuerySet

# A command's priority and a plan's minimum urgency share the events' three levels.
Priority = Urgency

# Ordering of event urgencies / priorities (a plan applies from its minimum upwards).
URGENCY_RANK = {"normal": 1, "urgent": 2, "critical": 3}


class Command(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("执行中")
        DONE = "done", _("已完成")

    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="commands_issued",
        verbose_name=_("下达人"),
    )
    area = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("指挥范围")
    )
    area_path = models.CharField(max_length=120)
    title = models.CharField(_("指令标题"), max_length=200)
    body = models.TextField(_("指令内容"), blank=True)
    priority = models.CharField(
        _("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    deadline = models.DateTimeField(_("完成时限"))
    # Reminders go out this many minutes before the deadline.
    remind_minutes = models.PositiveIntegerField(_("提前提醒(分钟)"), default=120)
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联事件"),
    )
    warning = models.ForeignKey(
        "risk.Warning",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联预警"),
    )
    activation = models.ForeignKey(
        "PlanActivation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commands",
    )
    step = models.ForeignKey(
        "PlanStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("下达时间"), auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("指令")
        verbose_name_plural = _("指令")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["area_path"], name="command_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "deadline"], name="command_open_due"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("command:detail", args=[self.pk])


class RecipientState(models.TextChoices):
    DELIVERED = "delivered", _("已送达")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("执行中")
    DONE = "done", _("已完成")


class CommandRecipient(models.Model):
    """One addressee of a command: a person, a unit (the staff of an area) or a
    department, with its own receipt state."""

    command = models.ForeignKey(Command, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="command_receipts",
    )
    unit = models.ForeignKey(
        "grids.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("接收对象"), max_length=150)
    # The recipient's own area (the unit, the person's unit, the department's area).
    area_path = models.CharField(max_length=120)
    state = models.CharField(
        _("状态"), max_length=12, choices=RecipientState.choices, default=RecipientState.DELIVERED
    )
    overdue = models.BooleanField(_("已超期"), default=False)
    delivered_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback = models.TextField(_("反馈"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("指令接收对象")
        verbose_name_plural = _("指令接收对象")
        ordering = ["command", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, unit__isnull=True, department__isnull=True)
                    | models.Q(user__isnull=True, unit__isnull=False, department__isnull=True)
                    | models.Q(user__isnull=True, unit__isnull=True, department__isnull=False)
                ),
                name="command_recipient_one_target",
            ),
        ]
        indexes = [
            # The beat's scan: recipients not done, by the command's deadline.
            models.Index(
                fields=["state", "overdue"],
                name="command_recipient_open",
                condition=~models.Q(state="done"),
            ),
        ]

    def __str__(self):
        return self.label


class CommandReport(models.Model):
    """A progress report (进展) or the final feedback (反馈) of one recipient."""

    class Kind(models.TextChoices):
        SIGN = "sign", _("签收")
        PROGRESS = "progress", _("进展")
        FEEDBACK = "feedback", _("反馈")

    recipient = models.ForeignKey(
        CommandRecipient, on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.TextField(_("说明"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("指令反馈")
        verbose_name_plural = _("指令反馈")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.recipient_id} {self.kind}"


class ReportEvidence(EvidenceFileBase):
    """A photo or document of a report (events/evidence.py checks and stores it)."""

    report = models.ForeignKey(CommandReport, on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFileBase.Meta):
        verbose_name = _("反馈附件")
        verbose_name_plural = _("反馈附件")


# -- positions ---------------------------------------------------------------------------


class StaffPosition(models.Model):
    """One position a staff member's phone reported (history: the route of the day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="positions"
    )
    location = gis.PointField(_("位置"), srid=4326, geography=True)
    accuracy = models.FloatField(_("精度(米)"))
    recorded_at = models.DateTimeField(_("定位时间"))
    # The staff member's unit when it was reported (scoping).
    area_path = models.CharField(max_length=120)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("人员位置")
        verbose_name_plural = _("人员位置")
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["user", "-recorded_at"], name="command_position_user"),
            models.Index(fields=["recorded_at"], name="command_position_time"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.recorded_at:%Y-%m-%d %H:%M}"


class StaffLastPosition(models.Model):
    """The last position of each staff member (one row per user, upserted with each
    report): the command map and the nearest-staff query read this small table through
    its GiST index instead of the history."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="last_position",
    )
    location = gis.PointField(_("位置"), srid=4326, geography=True)
    accuracy = models.FloatField(_("精度(米)"))
    recorded_at = models.DateTimeField(_("定位时间"))
    area_path = models.CharField(max_length=120)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("人员最新位置")
        verbose_name_plural = _("人员最新位置")
        indexes = [
            models.Index(
                fields=["area_path"], name="command_lastpos_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.recorded_at:%Y-%m-%d %H:%M}"


# -- contingency plans -------------------------------------------------------------------


class Plan(models.Model):
    """A contingency plan (应急预案) of an area, for a category (and its subcategories)
    from a minimum urgency upwards. Every change raises `version` and is audited with
    the steps as they were."""

    name = models.CharField(_("预案名称"), max_length=150)
    area = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("适用区域")
    )
    area_path = models.CharField(max_length=120)
    category = models.ForeignKey(
        "events.EventCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("事件分类"),
    )
    min_urgency = models.CharField(
        _("最低紧急程度"), max_length=10, choices=Priority.choices, default=Priority.URGENT
    )
    description = models.TextField(_("说明"), blank=True)
    contacts = models.JSONField(_("联系人"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("command:plan", args=[self.pk])


class PlanStep(models.Model):
    class OffsetUnit(models.TextChoices):
        HOURS = "hours", _("小时")
        WORKDAYS = "workdays", _("工作日")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("步骤"), max_length=200)
    instructions = models.TextField(_("要求"), blank=True)
    # Who answers for the step: people holding a role at the event's unit of that role's
    # level, or the unit of a level above the event, or a department.
    role = models.CharField(_("责任角色"), max_length=32, blank=True)
    unit_level = models.PositiveSmallIntegerField(_("责任单位层级"), null=True, blank=True)
    department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    offset = models.PositiveIntegerField(_("时限"), default=1)
    offset_unit = models.CharField(
        _("时限单位"), max_length=10, choices=OffsetUnit.choices, default=OffsetUnit.HOURS
    )
    checklist = models.JSONField(_("检查清单"), default=list, blank=True)

    class Meta:
        verbose_name = _("预案步骤")
        verbose_name_plural = _("预案步骤")
        ordering = ["plan", "order", "id"]

    def __str__(self):
        return f"{self.order}. {self.title}"


class PlanAttachment(EvidenceFileBase):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFileBase.Meta):
        verbose_name = _("预案附件")
        verbose_name_plural = _("预案附件")


class PlanActivation(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("建议启动")
        ACTIVE = "active", _("已启动")
        CLOSED = "closed", _("已关闭")
        DECLINED = "declined", _("不予启动")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="activations")
    plan_version = models.PositiveIntegerField()
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="+", verbose_name=_("事件")
    )
    area_path = models.CharField(max_length=120)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    proposed_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("总结"), blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("预案启动")
        verbose_name_plural = _("预案启动")
        ordering = ["-id"]
        constraints = [
            # One proposal or running activation of a plan per event.
            models.UniqueConstraint(
                fields=["plan", "event"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="uniq_open_plan_activation",
            )
        ]
        indexes = [
            models.Index(
                fields=["area_path"],
                name="command_activation_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.event_id}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("command:activation", args=[self.pk])
