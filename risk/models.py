"""Warning rules (versioned data), the warnings they raise and each warning's history.

A rule's condition lives in its versions (`RuleVersion.definition`): the factors of the
library (risk/factors.py) with their parameters and weights, the five colour thresholds,
the time limit per colour, the validity period and the responsible unit's level. Every
change writes a new version; a warning records the version that raised or last changed it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import EvidenceFileBase
from governance.scoping import ScopedQuerySet


class SubjectKind(models.TextChoices):
    # With a context: the project catalogue (locale/, which wins over an app's) has the
    # plural menu labels (房屋 = "Houses") for the same Chinese words.
    PERSON = "person", pgettext_lazy("预警对象", "人员")
    HOUSE = "house", pgettext_lazy("预警对象", "房屋")
    PLACE = "place", pgettext_lazy("预警对象", "场所")
    AREA = "area", pgettext_lazy("预警对象", "网格")
    EVENT = "event", pgettext_lazy("预警对象", "事件")


class Colour(models.IntegerChoices):
    """Higher is more serious: a rise is `new > old`."""

    GREEN = 1, _("绿色")
    BLUE = 2, _("蓝色")
    YELLOW = 3, _("黄色")
    ORANGE = 4, _("橙色")
    RED = 5, _("红色")


# The keys of the thresholds and time limits in a definition, red (highest) first.
COLOUR_KEYS = ["red", "orange", "yellow", "blue", "green"]
COLOUR_BY_KEY = {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "green": 1}
KEY_BY_COLOUR = {v: k for k, v in COLOUR_BY_KEY.items()}


class Rule(models.Model):
    class RunStatus(models.TextChoices):
        NEVER = "never", _("未运行")
        OK = "ok", pgettext_lazy("运行状态", "正常")  # not the events' 正常 = "On time"
        TIMEOUT = "timeout", _("超时")
        ERROR = "error", _("出错")

    name = models.CharField(_("规则名称"), max_length=100, unique=True)
    subject_kind = models.CharField(_("预警对象"), max_length=10, choices=SubjectKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    version = models.ForeignKey(
        "RuleVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(_("最近运行"), null=True, blank=True)
    last_run_status = models.CharField(
        _("运行状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.NEVER
    )
    last_run_ms = models.PositiveIntegerField(null=True, blank=True)
    last_run_message = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预警规则版本")
        verbose_name_plural = _("预警规则版本")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="uniq_rule_version_number")
        ]

    def __str__(self):
        return f"{self.rule} v{self.number}"


class Warning(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("已发布")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        HANDLED = "handled", _("已处置")
        RELEASED = "released", _("已解除")
        # Replaced by a new warning when the subject's colour rose (history kept).
        SUPERSEDED = "superseded", _("已升级")

    OPEN = ("issued", "acknowledged", "handled")

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="warnings")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    subject_kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(_("预警对象"), max_length=200)
    # The subject's area path (scoping: the subject's jurisdiction sees the warning).
    area_path = models.CharField(max_length=120)
    colour = models.PositiveSmallIntegerField(_("预警等级"), choices=Colour.choices)
    previous_colour = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(_("风险分值"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ISSUED
    )
    # The responsible unit: the subject's ancestor at the rule's level, one level up
    # after each escalation.
    unit_level = models.PositiveSmallIntegerField(_("责任层级"))
    unit_path = models.CharField(max_length=120)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    due_at = models.DateTimeField(_("处置时限"))
    issued_at = models.DateTimeField(_("发布时间"))
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("处置情况"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("风险预警")
        verbose_name_plural = _("风险预警")
        ordering = ["-colour", "-issued_at", "-id"]
        constraints = [
            # One open warning per rule and subject: the evaluation upserts on it.
            models.UniqueConstraint(
                fields=["rule", "subject_id"],
                condition=models.Q(status__in=["issued", "acknowledged", "handled"]),
                name="uniq_open_warning",
            )
        ]
        indexes = [
            models.Index(
                fields=["area_path"], name="risk_warning_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["subject_kind", "subject_id"], name="risk_warning_subject"),
            models.Index(fields=["status", "due_at"], name="risk_warning_due"),
        ]

    def __str__(self):
        return f"{self.subject_label} {self.get_colour_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("risk:warning", args=[self.pk])

    @property
    def colour_key(self) -> str:
        return KEY_BY_COLOUR[self.colour]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WarningLog(models.Model):
    """One step of a warning's history: issued, lowered, superseded, acknowledged, handled,
    released, escalated."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=16)
    colour_from = models.PositiveSmallIntegerField(null=True, blank=True)
    colour_to = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.warning_id} {self.kind}"


class WarningEvidence(EvidenceFileBase):
    """A file handed in with the 处置 (handle) step: checked like an event's attachment
    (type from the content, random stored name) and served only through the warning's
    scope (risk.views.evidence_download)."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFileBase.Meta):
        verbose_name = _("佐证文件")
        verbose_name_plural = _("佐证文件")

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("risk:evidence", args=[self.pk])
