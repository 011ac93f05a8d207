"""Disputes (矛盾纠纷) and their mediation: parties, sessions, agreements, follow-up visits,
the five-colour mediation code (调解码) with its rules (data) and every change of it.

A dispute lies in a grid: its `area_path` (the grid's path) scopes it like an event. The
code is derived by the rules (`CodeRule`, highest matching colour wins) on every step;
a hand-set code (`code_override`, with a reason) wins over the rules until cleared.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.fields import EncryptedTextField
from governance.scoping import ScopedQuerySet

PARTY_ID_CONTEXT = "mediation.party.id_number"
PARTY_PHONE_CONTEXT = "mediation.party.phone"


class DisputeType(models.TextChoices):
    MARRIAGE = "marriage", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    LAND = "land", _("土地山林")
    LABOUR = "labour", _("劳动争议")
    PROPERTY = "property", _("物业纠纷")
    DEMOLITION = "demolition", _("征地拆迁")
    MEDICAL = "medical", _("医疗纠纷")
    CONSUMER = "consumer", _("消费纠纷")
    CONTRACT = "contract", _("合同债务")
    OTHER = "other", _("其他纠纷")


class DisputeSource(models.TextChoices):
    INTAKE = "intake", _("窗口受理")
    EVENT = "event", _("事件转入")
    VISIT = "visit", _("走访发现")
    PUBLIC = "public", _("群众申请")
    COURT = "court", _("诉调对接")
    POLICE = "police", _("警调对接")
    PETITION = "petition", _("访调对接")


class RiskFlag(models.TextChoices):
    GROUP = "group", _("群体性")
    CRIMINAL = "criminal", _("民转刑风险")
    PETITION = "petition", _("越级上访风险")


class Code(models.IntegerChoices):
    """The mediation code: higher is more serious (and handled higher up)."""

    GREEN = 1, _("绿码")
    BLUE = 2, _("蓝码")
    YELLOW = 3, _("黄码")
    ORANGE = 4, _("橙码")
    RED = 5, _("红码")


CODE_KEYS = {1: "green", 2: "blue", 3: "yellow", 4: "orange", 5: "red"}
CODE_BY_KEY = {v: k for k, v in CODE_KEYS.items()}


class Status(models.TextChoices):
    REGISTERED = "registered", _("已受理")
    ASSIGNED = "assigned", pgettext_lazy("调解", "已分派")  # not the events' "Dispatched"
    MEDIATING = "mediating", _("调解中")
    SUCCEEDED = "succeeded", _("调解成功")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (Status.REGISTERED, Status.ASSIGNED, Status.MEDIATING)


class Referral(models.TextChoices):
    LITIGATION = "litigation", _("引导诉讼")
    ARBITRATION = "arbitration", _("引导仲裁")
    PETITION = "petition", _("转信访部门")
    CRIMINAL = "criminal", _("移送公安(民转刑)")


class MediationOrg(models.Model):
    """A mediation organisation: a 人民调解委员会 of a village or township, or a
    行业性专业性调解组织 seated in an area (optionally a department's)."""

    class Kind(models.TextChoices):
        PEOPLE = "people", _("人民调解委员会")
        PROFESSIONAL = "professional", _("行业性专业性调解组织")

    name = models.CharField(_("调解组织"), max_length=100)
    kind = models.CharField(_("组织类型"), max_length=16, choices=Kind.choices)
    area = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域")
    )
    area_path = models.CharField(max_length=120, db_index=True)
    department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主管部门"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")
        ordering = ["area_path", "name"]

    def __str__(self):
        return self.name


class MediationLink(models.Model):
    """A department linked to the mediation centre (诉调/警调/访调对接): the court, the
    police or the petition office of an area. Its system sends disputes through its
    department token (source: the link's kind) and reads the disputes it sent or that
    were referred to it (litigation → court, 民转刑 → police, petition → petition office)."""

    class Kind(models.TextChoices):
        COURT = "court", _("法院(诉调对接)")
        POLICE = "police", _("公安(警调对接)")
        PETITION = "petition", _("信访部门(访调对接)")

    department = models.OneToOneField(
        "governance.Department",
        on_delete=models.CASCADE,
        related_name="mediation_link",
        verbose_name=_("部门"),
    )
    kind = models.CharField(_("对接类型"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("对接部门")
        verbose_name_plural = _("对接部门")
        ordering = ["kind", "department"]

    def __str__(self):
        return f"{self.department} {self.get_kind_display()}"


class CodeRule(models.Model):
    """One rule of the mediation code (administrators' data). It matches a dispute when
    every condition it sets holds; the dispute gets the highest colour of the matching
    rules (green when none matches)."""

    name = models.CharField(_("规则名称"), max_length=100, unique=True)
    code = models.PositiveSmallIntegerField(_("调解码"), choices=Code.choices)
    types = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    min_amount = models.DecimalField(
        _("涉及金额不低于"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Below this amount (exclusive): a rule for small claims (e.g. 蓝 under 10 000 元).
    max_amount = models.DecimalField(
        _("涉及金额低于"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_people = models.PositiveIntegerField(_("涉及人数不少于"), null=True, blank=True)
    min_parties = models.PositiveIntegerField(_("当事方不少于"), null=True, blank=True)
    # Any one of these flags is enough.
    flags = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("调解码规则")
        verbose_name_plural = _("调解码规则")
        ordering = ["-code", "name"]

    def __str__(self):
        return self.name


def _public_token() -> str:
    return secrets.token_urlsafe(24)


class Dispute(models.Model):
    number = models.CharField(_("纠纷编号"), max_length=24, unique=True)
    title = models.CharField(_("纠纷概要"), max_length=200)
    description = models.TextField(_("纠纷详情"), blank=True)
    type = models.CharField(_("纠纷类型"), max_length=16, choices=DisputeType.choices)
    amount = models.DecimalField(_("涉及金额(元)"), max_digits=14, decimal_places=2, default=0)
    people_count = models.PositiveIntegerField(_("涉及人数"), default=1)
    flags = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=DisputeSource.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    code = models.PositiveSmallIntegerField(_("调解码"), choices=Code.choices, default=Code.GREEN)
    # A hand-set code (with a reason, CodeChange) wins over the rules until cleared.
    code_override = models.PositiveSmallIntegerField(null=True, blank=True, choices=Code.choices)
    grid = models.ForeignKey(
        "grids.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属网格")
    )
    area_path = models.CharField(max_length=120, db_index=True)
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源事件"),
    )
    visit = models.ForeignKey(
        "collection.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("来源走访"),
    )
    org = models.ForeignKey(
        MediationOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("调解组织"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调解员"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # 诉调/警调/访调: the linked department that sent it, the one it was referred to.
    linked_department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("移送部门"),
    )
    referred_department = models.ForeignKey(
        "governance.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("移交部门"),
    )
    # The same parties had an earlier dispute (found by the duplicate check at intake).
    repeat = models.BooleanField(_("重复纠纷"), default=False)
    referral = models.CharField(_("移交去向"), max_length=16, choices=Referral.choices, blank=True)
    outcome_note = models.TextField(_("处理结果"), blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新调解次数"), default=0)
    public_token = models.CharField(max_length=40, unique=True, default=_public_token)
    rating = models.PositiveSmallIntegerField(_("满意度评价"), null=True, blank=True)
    rating_note = models.CharField(_("评价意见"), max_length=500, blank=True)
    registered_at = models.DateTimeField(_("受理时间"))
    deadline = models.DateTimeField(_("化解时限"))
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(
                fields=["area_path"],
                name="mediation_dispute_path",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["status", "deadline"], name="mediation_dispute_due"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("mediation:detail", args=[self.pk])

    @property
    def code_key(self) -> str:
        return CODE_KEYS[self.code]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue_days(self) -> int | None:
        """Whole days past the deadline of an open dispute (0: overdue today), else None."""
        from django.utils import timezone

        now = timezone.now()
        if not self.is_open or self.deadline >= now:
            return None
        return (now - self.deadline).days


class Party(models.Model):
    class Kind(models.TextChoices):
        # The project catalogue's 组织 is "Organisations" (a menu), collection's 申请人 is
        # "Requested by": a party needs its own words.
        PERSON = "person", pgettext_lazy("当事人", "自然人")
        ORGANISATION = "organisation", pgettext_lazy("当事人", "组织")

    class Role(models.TextChoices):
        APPLICANT = "applicant", pgettext_lazy("当事人", "申请人")
        RESPONDENT = "respondent", pgettext_lazy("当事人", "被申请人")
        THIRD = "third", pgettext_lazy("当事人", "第三人")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("当事人类型"), max_length=16, choices=Kind.choices)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    person = models.ForeignKey(
        "collection.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "collection.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名/名称"), max_length=200)
    id_number = EncryptedTextField(_("证件号码"), context=PARTY_ID_CONTEXT, blank=True)
    # Blind index (governance.crypto) of the number: the duplicate check matches on it.
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), context=PARTY_PHONE_CONTEXT, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute", "id"]

    def __str__(self):
        return self.name


class Session(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("调解记录"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.held_at:%Y-%m-%d}"


class Agreement(models.Model):
    """The 协议书 of a successful mediation; its DOCX and PDF are private files served
    by the scoped file view."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    terms = models.TextField(_("协议内容"))
    signed_on = models.DateField(_("签订日期"))
    docx = models.CharField(max_length=200)
    pdf = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A broken agreement (found on the follow-up visit) reopens the dispute.
    broken = models.BooleanField(_("已反悔"), default=False)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.dispute_id} {self.signed_on}"


class FollowUp(models.Model):
    class Result(models.TextChoices):
        KEPT = "kept", _("协议已履行")
        BROKEN = "broken", _("协议未履行(反悔)")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(_("回访日期"))
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    result = models.CharField(_("回访结果"), max_length=10, choices=Result.choices, blank=True)
    note = models.TextField(_("回访情况"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement"], name="uniq_followup_agreement")
        ]

    def __str__(self):
        return f"{self.dispute_id} {self.due_on}"


class CodeChange(models.Model):
    """Every change of a dispute's code: by the rules (manual False) or by hand (with
    its reason)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="code_changes")
    code_from = models.PositiveSmallIntegerField(null=True, blank=True, choices=Code.choices)
    code_to = models.PositiveSmallIntegerField(choices=Code.choices)
    manual = models.BooleanField(default=False)
    reason = models.CharField(_("变更理由"), max_length=500, blank=True)
    step = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解码变更")
        verbose_name_plural = _("调解码变更")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.code_from}->{self.code_to}"
