"""Base data of GB/T 31000-2015, each record tied to a grid (and so to every level
above it). ID and phone numbers are encrypted at rest; exact lookups go through their
blind-index columns (governance/crypto.py)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from governance.fields import EncryptedTextField
from governance.scoping import ScopedQuerySet

ID_CONTEXT = "collection.person.id_number"
ID_MASKED_CONTEXT = "collection.person.id_masked"
PHONE_CONTEXT = "collection.person.phone"


class GridRecord(models.Model):
    """Common columns: the grid, its path (denormalised for scoping) and timestamps."""

    grid = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("所属网格"))
    area_path = models.CharField(max_length=120, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    extra = models.JSONField(_("扩展信息"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_path_field = "area_path"

    class Meta:
        abstract = True


class House(GridRecord):
    class Use(models.TextChoices):
        SELF = "self", _("自住")
        RENTAL = "rental", _("出租")
        BUSINESS = "business", _("经营")
        VACANT = "vacant", _("空置")
        OTHER = "other", _("其他")

    address = models.CharField(_("地址"), max_length=300)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=12, choices=Use.choices, default=Use.SELF)
    owner_name = models.CharField(_("产权人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["address"]
        # One house per address within a grid: the key imports merge on.
        constraints = [models.UniqueConstraint(fields=["grid", "address"],
                                               name="uniq_house_grid_address")]

    def __str__(self):
        return self.address

    @property
    def is_rental(self) -> bool:
        return self.use == self.Use.RENTAL


class Person(GridRecord):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("户籍人口")
        FLOATING = "floating", _("流动人口")
        FOREIGN = "foreign", _("境外人员")
        LEFT_BEHIND = "left_behind", _("留守人员")

    class DocType(models.TextChoices):
        ID_CARD = "id_card", _("居民身份证")
        FOREIGN = "foreign", _("外国人居留证件/护照")

    name = models.CharField(_("姓名"), max_length=50)
    doc_type = models.CharField(_("证件类型"), max_length=10, choices=DocType.choices,
                                default=DocType.ID_CARD)
    id_number = EncryptedTextField(_("证件号码"), context=ID_CONTEXT)
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    # Keyed hash of the masked form ("220102********1234"): staff who only ever see masked
    # numbers can search by what they see.
    id_masked_index = models.CharField(max_length=64, blank=True, db_index=True,
                                       editable=False)
    gender = models.CharField(_("性别"), max_length=6, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    phone = EncryptedTextField(_("联系电话"), context=PHONE_CONTEXT, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    kind = models.CharField(_("人口类型"), max_length=12, choices=Kind.choices,
                            default=Kind.REGISTERED)
    household_address = models.CharField(_("户籍地址"), max_length=300, blank=True)
    residence_address = models.CharField(_("居住地址"), max_length=300, blank=True)
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="residents", verbose_name=_("居住房屋"))
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["grid", "kind"])]

    def __str__(self):
        return self.name


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
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("责任人"))
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期(天)"), default=30)
    extra = models.JSONField(_("专项信息"), default=dict, blank=True)
    # A tag is ended, not deleted (解除矫正, 帮教期满 …): the record stays as history.
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    ended_reason = models.CharField(_("结束原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        # One active tag of a kind per person; ended ones are kept beside it.
        constraints = [models.UniqueConstraint(fields=["person", "tag"],
                                               condition=models.Q(end_date__isnull=True),
                                               name="uniq_active_person_tag")]

    def __str__(self):
        return f"{self.person} · {self.get_tag_display()}"


class Organisation(GridRecord):
    class Kind(models.TextChoices):
        NON_PUBLIC = "non_public", _("非公有制经济组织")
        SOCIAL = "social", _("社会组织")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_person = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(GridRecord):
    class Kind(models.TextChoices):
        KEY_PLACE = "key_place", _("重点场所")
        SCHOOL_AREA = "school_area", _("校园周边")
        CROWDED = "crowded", _("人员密集场所")
        HAZARD = "hazard", _("危险品场所")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("重点场所")
        verbose_name_plural = _("重点场所")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Visit(GridRecord):
    """A grid worker's visit (走访)."""

    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("走访人"))
    visited_at = models.DateTimeField(_("走访时间"))
    place = models.CharField(_("地点"), max_length=300)
    people = models.ManyToManyField(Person, blank=True, related_name="visits",
                                    verbose_name=_("走访对象"))
    findings = models.TextField(_("走访情况"))
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("上报事件"))

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at"]

    def __str__(self):
        return f"{self.place} {self.visited_at:%Y-%m-%d}"
from .export_models import ExportFile  # noqa: E402,F401
from .import_models import ImportJob, ImportRow  # noqa: E402,F401
from .transfer_models import PersonTransfer  # noqa: E402,F401
from .work_models import ExtraFieldSchema, TaskItem, VerificationTask  # noqa: E402,F401
