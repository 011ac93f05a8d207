"""Special groups and key youth (特殊人群 · 重点青少年) as tags on people."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .people import Person


class PersonTag(models.Model):
    """Special groups and key youth (特殊人群 · 重点青少年) as tags on people."""

    class Tag(models.TextChoices):
        RELEASED = "released", _("刑满释放人员")
        CORRECTION = "correction", _("社区矫正人员")
        DRUG = "drug", _("吸毒人员")
        MENTAL = "mental", _("严重精神障碍患者")
        AIDS_RISK = "aids_risk", _("艾滋病危险性行为人员")
        PETITION = "petition", _("重点上访人员")
        KEY_YOUTH = "key_youth", _("重点青少年")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("类别"), max_length=16, choices=Tag.choices)
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期(天)"), default=30)
    extra = models.JSONField(_("专项信息"), default=dict, blank=True)
    # A tag is ended, not deleted (解除矫正, 帮教期满 …): the record stays as history.
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    ended_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    # The row's version for a phone's change made offline (governance/versions.py); the
    # database default covers rows written in SQL.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        # One active tag of a kind per person; ended ones are kept beside it.
        constraints = [
            models.UniqueConstraint(
                fields=["person", "tag"],
                condition=models.Q(end_date__isnull=True),
                name="uniq_active_person_tag",
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.get_tag_display()}"
