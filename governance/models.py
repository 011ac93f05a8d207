from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .scoping import ScopedQuerySet
from .texts import render_text


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username


class Department(models.Model):
    """A functional department (职能部门), e.g. 城管局 of a county."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    # Members belong to this group, so an object shared with the department through
    # django-guardian is visible to each of them.
    group = models.OneToOneField(
        "auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="department"
    )

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["code"]

    def __str__(self):
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role within an area: the area's subtree is the jurisdiction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("管辖区域"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="uniq_user_role_area")
        ]
        indexes = [models.Index(fields=["area", "role"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.area_id}"


class AuditLog(models.Model):
    """Append-only trace of every write (and, later, every read of sensitive data).

    A database trigger (migration 0002) refuses UPDATE and DELETE, so the trail cannot
    be altered through the application, the admin or a stray ORM call.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # The trail must outlive users and never be rewritten: keep the id as it was.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,  # no query filters by actor (and no delete checks: DO_NOTHING)
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    # Indexes in Meta, one per query (no pattern_ops twins: action and object_type are
    # matched exactly; object_type leads the (object_type, object_id) index).
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    # Path of the area the object belongs to: audit rows are scoped like everything else.
    area_path = models.CharField(_("区域路径"), max_length=120, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            # the audit API's object_type= / object_id= filters (a record's history)
            models.Index(fields=["object_type", "object_id"]),
            # the audit API's action= filter
            models.Index(fields=["action"], name="audit_action"),
            # audit_log_list: jurisdiction by path prefix (selectors.py)
            models.Index(
                fields=["area_path"], opclasses=["varchar_pattern_ops"], name="audit_area_path"
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"


class Notification(models.Model):
    """An in-platform message (站内通知); e-mailed too where e-mail is configured."""

    # No index of its own: (user, read_at) below serves every lookup by user — a case
    # reported writes one row for each of its unit's staff, and each index costs each row.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # {"title": [source text, values], "body": …} (governance.notifications.Text): the
    # title and body in each reader's language; `title` and `body` hold them in the
    # platform's. None for plain text, shown as it is.
    message = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's)."""
        return self._shown("title", self.title)[:200]  # as long as the stored one

    @property
    def shown_body(self) -> str:
        return self._shown("body", self.body)

    def _shown(self, part: str, stored: str) -> str:
        text = (self.message or {}).get(part)
        if not text:
            return stored
        try:
            return render_text(text)
        except (TypeError, ValueError, KeyError):  # a row written by hand, say
            return stored


class Change(models.Model):
    """The change feed (变更流): one row per create, update or delete of shared data.

    Other systems read it with a cursor (`?since=<seq>`) through the API, scoped and
    masked by their own permissions; webhooks only announce that something changed.
    """

    seq = models.BigAutoField(primary_key=True)
    dataset = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    # create | update | delete | removed (the record left this area: only the id)
    op = models.CharField(max_length=8)
    area_path = models.CharField(max_length=120)
    at = models.DateTimeField(auto_now_add=True)
    # The import job that wrote the row (an ImportJob id: this app knows nothing of
    # imports), None for a single edit. A job's rows are not a contiguous seq range: the
    # two batch workers apply two jobs at once, and a grid worker's edit during a merge
    # draws its seq between the job's own — the range alone would claim their rows.
    import_job = models.BigIntegerField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("数据变更")
        verbose_name_plural = _("数据变更")
        indexes = [
            models.Index(fields=["dataset", "seq"]),
            # the previous announcement of a record (removals, governance.changes)
            models.Index(fields=["dataset", "object_id", "seq"], name="governance_change_object"),
        ]

    def __str__(self):
        return f"{self.seq} {self.dataset}#{self.object_id} {self.op}"


class OutboxMessage(models.Model):
    """Something that happened, written in the same transaction as the change it reports
    and handed to the subscribers of its topic after commit (governance.outbox).

    `delivered_to` names the subscribers that have handled it (each one's handling and
    its name commit together), so a failing subscriber is retried alone.
    """

    topic = models.CharField(max_length=100)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    area_path = models.CharField(max_length=120, blank=True, default="")
    # Ids of the departments the message is addressed to (null: not addressed).
    departments = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_to = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # after a failure
    # Set once every subscriber has handled it (the pending ones are those without).
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [
            models.Index(
                fields=["id"],
                name="governance_outbox_pending",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.pk} {self.topic}"


class FigureCount(models.Model):
    """One cell of the rollups (governance/figures.py): how many raw records of a source
    fall on `day` (or, on ALL_TIME = 0001-01-01, on any day) in the area at `area_path` —
    the area's whole subtree; ALL_TIME at every level, days down to the county — under
    `figure` = `key`. An area reads its
    own cells by `area_path` (the unique index) and its children's by `parent_path`, each
    one equality on an index that continues with the figure and the day."""

    day = models.DateField()
    area_path = models.CharField(max_length=120)
    parent_path = models.CharField(max_length=120)
    figure = models.CharField(max_length=40)
    key = models.CharField(max_length=60, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        # The cell's identity, in the order an area reads its own cells (area, figure,
        # days); the children's cells by their parent, in the same order.
        constraints = [
            models.UniqueConstraint(
                fields=["area_path", "figure", "day", "key"], name="uniq_figure_count_area_cell"
            )
        ]
        indexes = [
            models.Index(fields=["parent_path", "figure", "day"], name="figure_count_children"),
        ]

    def __str__(self):
        return f"{self.day} {self.area_path} {self.figure}={self.key}: {self.n}"


class FigureDelta(models.Model):
    """A change of the rollups not yet applied (governance/figures.py): +n or -n facts of
    one (day, grid path, figure, key), written by a service in its own transaction and
    applied to `FigureCount` at every level by the drain (Celery, queued on commit, and
    every few seconds by beat). Append-only and unindexed: a write inserts a handful of
    rows and locks nothing shared; the drain takes them all at once."""

    day = models.DateField()
    area_path = models.CharField(max_length=120)
    figure = models.CharField(max_length=40)
    key = models.CharField(max_length=60, blank=True)
    n = models.BigIntegerField()

    class Meta:
        verbose_name = _("统计增量")
        verbose_name_plural = _("统计增量")

    def __str__(self):
        return f"{self.day} {self.area_path} {self.figure}={self.key} {self.n:+d}"


class KeyFingerprint(models.Model):
    """What keys the stored data was written with (governance/keycheck.py): a key id and
    an HMAC fingerprint of each encryption key and of the lookup-hash key, never the key
    itself. At start-up the configured keys are checked against these rows, so that a
    machine given fresh keys refuses to start on a database encrypted with other keys."""

    class Kind(models.TextChoices):
        ENCRYPTION = "encryption", _("加密密钥")
        HASH = "hash", _("检索散列密钥")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    key_id = models.CharField(_("密钥编号"), max_length=32)
    fingerprint = models.CharField(_("指纹"), max_length=64)
    first_seen = models.DateTimeField(_("首次使用"), auto_now_add=True)

    class Meta:
        verbose_name = _("密钥指纹")
        verbose_name_plural = _("密钥指纹")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key_id"], name="uniq_key_fingerprint")
        ]

    def __str__(self):
        return f"{self.kind}:{self.key_id}"
