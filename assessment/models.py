"""Assessment (智能考核评价): indicator systems, versioned rules, schemes and their scores.

An indicator system (指标体系) is a tree of at most three levels; each node has a weight
(its share, in %, of its parent's marks: siblings add up to 100) and the full marks
(应得分) derived from it. A leaf takes its input from a named figure of the figures layer
(governance/figures.py), from scores filed by hand (with evidence, reviewed), or from an
import; a rule (versioned data, assessment/rules.py) turns the input into points.

A scheme (考核方案) applies a system to objects (all areas of one level under an area, or
the departments under it) for a period. Each computation writes a revision: a result per
object (with the inputs its leaves read, once) and a score per object × indicator (points,
input value, rule version, rank, veto): enough to explain every score on screen. A
published revision is frozen; computing again after publication writes a new revision.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import EvidenceFileBase
from governance.scoping import ScopedQuerySet


class IndicatorSystem(models.Model):
    name = models.CharField(_("指标体系名称"), max_length=100, unique=True)
    total_marks = models.FloatField(_("总分"), default=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Rule(models.Model):
    class Kind(models.TextChoices):
        BANDS = "bands", _("分档")
        LINEAR = "linear", _("线性插值")
        DEDUCTION = "deduction", _("按次扣分")
        BONUS = "bonus", _("按次加分")
        RANK = "rank", _("按排名")
        VETO = "veto", _("一票否决")

    name = models.CharField(_("规则名称"), max_length=100, unique=True)
    kind = models.CharField(_("规则类型"), max_length=12, choices=Kind.choices)
    version = models.ForeignKey(
        "RuleVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评分规则")
        verbose_name_plural = _("评分规则")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    params = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评分规则版本")
        verbose_name_plural = _("评分规则版本")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="uniq_assessment_rule_version")
        ]

    def __str__(self):
        return f"{self.rule} v{self.number}"


class Indicator(models.Model):
    class Kind(models.TextChoices):
        PROCESS = "process", _("过程指标")
        RESULT = "result", _("结果指标")
        THIRD_PARTY = "third_party", _("第三方评价")

    class Source(models.TextChoices):
        FIGURE = "figure", _("自动(指标数据)")
        MANUAL = "manual", _("人工填报")
        IMPORT = "import", _("第三方导入")

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("指标编码"), max_length=32)
    name = models.CharField(_("指标名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("指标层级"))  # 1 一级, 2 二级, 3 三级
    position = models.PositiveIntegerField(default=0)
    weight = models.FloatField(_("权重(%)"))
    full_marks = models.FloatField(_("应得分"))
    kind = models.CharField(_("指标类型"), max_length=12, choices=Kind.choices, blank=True)
    source = models.CharField(_("数据来源"), max_length=8, choices=Source.choices, blank=True)
    figure = models.CharField(_("指标数据"), max_length=64, blank=True)
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["system", "position"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="uniq_indicator_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return bool(self.source)


class Scheme(models.Model):
    class ObjectKind(models.TextChoices):
        AREA = "area", _("区域")
        DEPARTMENT = "department", _("牵头部门")

    class Period(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COMPUTED = "computed", _("已计算")
        REVIEWED = "reviewed", _("已审核")
        PUBLISHED = "published", _("已发布")

    name = models.CharField(_("方案名称"), max_length=100)
    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="schemes")
    # The assessing area: its administrators configure, compute and publish the scheme.
    area = models.ForeignKey(
        "grids.Area", verbose_name=_("考核区域"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=120)
    object_kind = models.CharField(
        _("考核对象"), max_length=12, choices=ObjectKind.choices, default=ObjectKind.AREA
    )
    object_level = models.PositiveSmallIntegerField(_("对象层级"), null=True, blank=True)
    period_kind = models.CharField(_("考核周期"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    # Whether the assessed see each other's results once published (a ranking published).
    publish_ranking = models.BooleanField(_("公开排名"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-period_start", "name"]

    def __str__(self):
        return self.name


class Revision(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("考核修订")
        verbose_name_plural = _("考核修订")
        ordering = ["scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="uniq_scheme_revision")
        ]

    def __str__(self):
        return f"{self.scheme} r{self.number}"


class RevisionNode(models.Model):
    """What a revision applied at one node of its system, the same for every object: the
    rule version in force — stored once per revision × node, not on each of its scores
    (a revision of the province's villages holds 284,640)."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="nodes")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    rule_version = models.ForeignKey(
        RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核修订指标")
        verbose_name_plural = _("考核修订指标")
        constraints = [
            models.UniqueConstraint(fields=["revision", "indicator"], name="uniq_revision_node")
        ]

    def __str__(self):
        return f"{self.revision_id}:{self.indicator_id}"


class Result(models.Model):
    """One object's card in one revision."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="results")
    object_code = models.CharField(_("对象编码"), max_length=32)
    object_name = models.CharField(_("对象名称"), max_length=100)
    # The object's area (a department's: its area): who may read the card.
    object_path = models.CharField(max_length=120)
    score = models.FloatField(_("当前得分"))
    full_marks = models.FloatField(_("应得分"))
    rank = models.PositiveIntegerField(_("排名"))
    change = models.FloatField(_("较上期"), null=True, blank=True)
    weakest = models.JSONField(default=list)  # indicator codes, weakest first
    vetoed = models.BooleanField(default=False)
    # What the object's leaves read, once for all of them (a score's explanation shows its
    # leaf's part): {"cells": {figure: {"figure:key": n}}, "entries": {indicator code:
    # {"entry", "value", "evidence", "files": [[id, name]], "entered_at"}}}.
    inputs = models.JSONField(default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "object_path"

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["revision", "rank", "object_code"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "object_code"], name="uniq_result_object")
        ]

    def __str__(self):
        return f"{self.object_name} {self.score}"


class Score(models.Model):
    """One object × one indicator (every node of the tree): 当前得分 of 应得分. Kept lean
    (a scheme over the province's villages writes 284,640 of them): the arithmetic is
    derived when shown (`assessment.compute.score_text`) from the value, the rank and the
    veto, and the revision's rule version at the node (`RevisionNode`); the inputs behind
    the value are the result's (`Result.inputs`)."""

    # No index of its own: the unique (result, indicator) one serves every lookup by result.
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    # Nor on indicator: every read goes by result; it would serve only deleting an
    # indicator, which no service does (systems in use are protected) — such a delete
    # would scan the scores.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    score = models.FloatField(_("当前得分"))
    full_marks = models.FloatField(_("应得分"))
    value = models.FloatField(_("输入值"), null=True, blank=True)
    # A rank rule's place among the revision's objects (competition ranking).
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    # A veto leaf that fired; on a branch (or the card): one of its leaves fired.
    veto = models.BooleanField(_("一票否决"), default=False)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["result", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["result", "indicator"], name="uniq_score_indicator")
        ]

    def __str__(self):
        return f"{self.result_id}:{self.indicator_id} {self.score}"


class ManualEntry(models.Model):
    """A score filed by hand (or imported) for one object × one leaf, with its evidence;
    counts once approved."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已退回")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="entries")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    object_code = models.CharField(_("对象编码"), max_length=32)
    object_path = models.CharField(max_length=120)
    score = models.FloatField(_("得分"))
    evidence = models.TextField(_("佐证材料"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "object_path"

    class Meta:
        verbose_name = _("人工填报")
        verbose_name_plural = _("人工填报")
        ordering = ["-entered_at"]

    def __str__(self):
        return f"{self.object_code} {self.indicator_id} {self.score}"


# -- evidence files ---------------------------------------------------------------------


class EntryEvidence(EvidenceFileBase):
    """A file proving a score filed by hand (ManualEntry)."""

    entry = models.ForeignKey(ManualEntry, on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFileBase.Meta):
        verbose_name = _("填报佐证文件")
        verbose_name_plural = _("填报佐证文件")

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("assessment:entry-file", args=[self.pk])


# -- self-assessment (自评): task books, tasks, milestones, progress ------------------------


class TaskBook(models.Model):
    """任务书: an area's tasks for a year, each tied (optionally) to an indicator."""

    area = models.ForeignKey(
        "grids.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=120)
    name = models.CharField(_("任务书名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "area_path"

    class Meta:
        verbose_name = _("任务书")
        verbose_name_plural = _("任务书")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="uniq_taskbook_name")]

    def __str__(self):
        return self.name


class TaskState(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已逾期")


class Task(models.Model):
    """One task of a task book, owned by a unit (an area or a department): read by the
    owner's area (and its leaders above), by a department's handlers only when the
    department owns it. Its state is computed from the dates and the progress
    (assessment/taskbook.py), never stored."""

    book = models.ForeignKey(TaskBook, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务名称"), max_length=200)
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("考核指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("责任区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The owner's area (a department's: its area): who reads and reports on the task.
    owner_path = models.CharField(max_length=120)
    deadline = models.DateField(_("完成时限"))
    progress = models.PositiveSmallIntegerField(_("完成进度(%)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "owner_path"
    scope_department_field = "owner_department"

    class Meta:
        verbose_name = _("自评任务")
        verbose_name_plural = _("自评任务")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="task_progress_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(owner_area__isnull=True)
                | models.Q(owner_department__isnull=True),
                name="task_one_owner",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_name(self) -> str:
        owner = self.owner_department or self.owner_area
        return owner.name if owner else ""


class Milestone(models.Model):
    """路线图: an ordered step of a task with its due date (时间表)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("节点名称"), max_length=200)
    due = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务节点")
        verbose_name_plural = _("任务节点")
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="uniq_milestone_position")
        ]

    def __str__(self):
        return self.name


class ProgressReport(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    percent = models.PositiveSmallIntegerField(_("完成进度(%)"))
    text = models.TextField(_("进展情况"))
    # The milestone this report completes, if any.
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("完成节点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-reported_at", "-id"]

    def __str__(self):
        return f"{self.task_id} {self.percent}%"


class TaskEvidence(EvidenceFileBase):
    """A file handed in with a progress report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFileBase.Meta):
        verbose_name = _("进展佐证文件")
        verbose_name_plural = _("进展佐证文件")

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("assessment:task-file", args=[self.pk])
