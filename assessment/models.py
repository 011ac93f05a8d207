"""Assessment (智能考核评价): indicator systems, versioned rules, schemes and their scores.

An indicator system (指标体系) is a tree of at most three levels; each node has a weight
(its share, in %, of its parent's marks: siblings add up to 100) and the full marks
(应得分) derived from it. A leaf takes its input from a named figure of the figures layer
(governance/figures.py), from scores filed by hand (with evidence, reviewed), or from an
import; a rule (versioned data, assessment/rules.py) turns the input into points.

A scheme (考核方案) applies a system to objects (all areas of one level under an area, or
the departments under it) for a period. Each computation writes a revision: results per
object and scores per object × indicator, each with its explanation. A published revision
is frozen; computing again after publication writes a new revision.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    """One object × one indicator (every node of the tree): 当前得分 of 应得分."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("当前得分"))
    full_marks = models.FloatField(_("应得分"))
    value = models.FloatField(_("输入值"), null=True, blank=True)
    rule_version = models.ForeignKey(
        RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # {"inputs": {...}, "rule": …, "version": n, "text": "the arithmetic", "evidence": …}
    explanation = models.JSONField(default=dict)

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
