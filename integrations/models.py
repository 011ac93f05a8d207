"""Integration with the systems of functional departments: outgoing webhooks,
department API tokens and idempotency keys for incoming requests."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.scoping import ScopedQuerySet


class WebhookSubscription(models.Model):
    """A department system's endpoint that receives signed POSTs for some event types.

    `event_types` holds exact types ("event.closed"), prefixes ("event.*") or "*".
    The secret is kept in clear because every delivery is signed with it; it is never
    serialized by the API and shown only once, when created or rotated.
    """

    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=128)
    event_types = models.JSONField(_("事件类型"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "department__area__path"
    # A department handler sees its own department's subscriptions, not its neighbours'.
    scope_department_field = "department"

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name or self.url


class WebhookDelivery(models.Model):
    """One event to be POSTed to one subscription; retried until delivered or dead."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败待重试")
        DEAD = "dead", _("已放弃")

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("推送订阅"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    event_type = models.CharField(_("事件类型"), max_length=100)
    payload = models.JSONField(_("内容"), encoder=DjangoJSONEncoder)
    # Area of the business object the event is about (kept for the record; scoping
    # follows the subscribing department).
    area_path = models.CharField(_("区域路径"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "subscription__department__area__path"
    scope_department_field = "subscription__department"

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper looks for due deliveries only among the unfinished ones.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.subscription_id} #{self.pk}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: the log a department developer debugs with."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    attempted_at = models.DateTimeField(_("时间"))
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    response_excerpt = models.CharField(_("响应摘要"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"))

    class Meta:
        verbose_name = _("推送尝试")
        verbose_name_plural = _("推送尝试")
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"#{self.delivery_id}.{self.number} {self.status_code or self.error[:40]}"


class DepartmentToken(models.Model):
    """An API key of a department system. Only its SHA-256 is stored."""

    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=16)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "department__area__path"
    scope_department_field = "department"

    class Meta:
        verbose_name = _("部门令牌")
        verbose_name_plural = _("部门令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """The stored outcome of a request sent with an `Idempotency-Key` header.

    Written in the same transaction as the request's own writes: either both exist or
    neither, and the unique constraint makes a concurrent duplicate wait for the first.
    """

    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=150)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    # The JSON document as rendered, in text: jsonb would reorder the keys and a
    # replay would then differ from the first answer.
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_scope_key"),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"
