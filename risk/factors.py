"""The library of named factors a warning rule is built from.

A factor is documented data (code, Chinese name, description, parameters with bounds,
the subject kinds it applies to) plus, per subject kind, one SQL fragment that yields
`(subject_id, value)` for every subject of the CTE `subj` at once (set-based: the
evaluation joins the fragments of a rule into one statement, risk/evaluation.py). A
subject the fragment yields no row for has the value 0.

`subj` has the columns `id, area_path, label, loc, created` (risk/evaluation.py,
SUBJECTS). A fragment's parameters are written `{p}name`: each factor of a rule gets its
own prefix, and the values are passed as query parameters, never spliced into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The local date (the session's time zone is UTC: current_date would be yesterday before
# 08:00 in China).
TODAY = f"(now() AT TIME ZONE '{settings.TIME_ZONE}')::date"
# Events that count as having happened: not waiting for moderation, not a duplicate
# merged into another case, not refused.
COUNTED_EVENT = "e.status NOT IN ('pending_review', 'merged', 'rejected')"
CATEGORY_MATCH = (
    "({p}category = '' OR e.category_id IN (SELECT c.id FROM events_eventcategory c "
    "WHERE c.code LIKE {p}category || '%%'))"
)
# Metres → degrees for the index-served pre-filter (a degree of longitude is ~81 km at
# 43° N, so 1/80,000 degree per metre covers the province); the exact test follows.
NEAR = (
    "ST_DWithin(e.location, s.loc, {p}radius_m / 80000.0) "
    "AND ST_DWithin(e.location::geography, s.loc::geography, {p}radius_m)"
)
TAG_CHOICES = [
    "released",
    "correction",
    "drug",
    "mental",
    "aids_risk",
    "petition",
    "key_youth",
]
CATEGORY_PATTERN = re.compile(r"^[0-9A-Za-z_]{0,32}$")


@dataclass(frozen=True)
class Param:
    name: str
    label: object
    kind: str  # int | tags | category
    default: object
    min: int | None = None
    max: int | None = None

    def clean(self, value, factor_code: str):
        where = {"f": factor_code, "p": self.name}
        if value is None:
            value = self.default
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValidationError(
                    _("因子 %(f)s 的参数 %(p)s 须为整数。") % where, code="invalid_param"
                )
            try:
                value = int(value)
            except ValueError:
                raise ValidationError(
                    _("因子 %(f)s 的参数 %(p)s 须为整数。") % where, code="invalid_param"
                ) from None
            if not self.min <= value <= self.max:
                raise ValidationError(
                    _("因子 %(f)s 的参数 %(p)s 须在 %(lo)s 到 %(hi)s 之间。")
                    % {**where, "lo": self.min, "hi": self.max},
                    code="invalid_param",
                )
            return value
        if self.kind == "tags":
            if isinstance(value, str):
                value = [v for v in value.replace(",", " ").split() if v]
            if not isinstance(value, list) or not value:
                raise ValidationError(
                    _("因子 %(f)s 须至少选择一类人员。") % where, code="invalid_param"
                )
            unknown = [v for v in value if v not in TAG_CHOICES]
            if unknown:
                raise ValidationError(
                    _("因子 %(f)s 的人员类别未知:%(v)s") % {**where, "v": unknown[0]},
                    code="invalid_param",
                )
            return sorted(set(value))
        if self.kind == "category":
            value = (value or "").strip() if isinstance(value, str) else value
            if not isinstance(value, str) or not CATEGORY_PATTERN.match(value):
                raise ValidationError(
                    _("因子 %(f)s 的事件分类编码无效。") % where, code="invalid_param"
                )
            if value:
                from events.models import EventCategory

                if not EventCategory.objects.filter(code__startswith=value).exists():
                    raise ValidationError(
                        _("因子 %(f)s 的事件分类不存在:%(v)s") % {**where, "v": value},
                        code="invalid_param",
                    )
            return value
        raise AssertionError(self.kind)


def _days(default=30):
    return Param("days", gettext_lazy("统计天数"), "int", default, 1, 3650)


RADIUS = Param("radius_m", gettext_lazy("半径(米)"), "int", 200, 10, 5000)
CATEGORY = Param("category", gettext_lazy("事件分类编码(前缀,空为全部)"), "category", "")


@dataclass(frozen=True)
class Pass:
    """One pass over a table that several factors of a rule share: the rule's statement
    reads the table once for all of them (risk/evaluation.py) instead of once per factor.
    `source` may join `subj s`; `key` is the subject id; a grouped pass yields one row per
    subject with a GROUP BY, an ungrouped one already has one row per subject."""

    source: str
    key: str
    grouped: bool
    subject: str = "s"  # the alias of `subj` in `source`


PASSES = {
    # The tags of the subjects (people): every person factor built on the tags.
    "person_tags": Pass(
        "collection_persontag t JOIN subj s ON s.id = t.person_id", "t.person_id", True
    ),
    # The open case itself (event subjects): the subjects' own rows, which carry the
    # case's attributes the factors read (risk/evaluation.py SUBJECTS) — no self-join.
    "event_row": Pass("subj e", "e.id", False, subject="e"),
}


@dataclass(frozen=True)
class Shared:
    """A factor's value as a term of a shared pass: `agg(arg)` over the rows where `where`
    holds (grouped pass), or the row expression `arg` (ungrouped). `join` adds what the
    value needs beside the pass's table (the same text from two factors joins once)."""

    pass_name: str
    arg: str
    where: str = "true"
    agg: str = ""
    join: str = ""

    def term(self) -> str:
        """The value inside a merged pass: only the rows of this factor count."""
        if PASSES[self.pass_name].grouped:
            return f"({self.agg}({self.arg}) FILTER (WHERE {self.where}))::float"
        return f"(CASE WHEN {self.where} THEN ({self.arg})::float END)"

    def fragment(self) -> str:
        """The same value as a factor's own statement `(subject_id, value)`."""
        p = PASSES[self.pass_name]
        value = f"{self.agg}({self.arg})::float" if p.grouped else f"({self.arg})::float"
        sql = (
            f"SELECT {p.key} AS subject_id, {value} AS value FROM {p.source} {self.join} "
            f"WHERE {self.where}"
        )
        return sql + (f" GROUP BY {p.key}" if p.grouped else "")


@dataclass(frozen=True)
class Factor:
    code: str
    name: object
    description: object
    sql: dict[str, str]  # subject kind → fragment
    params: tuple[Param, ...] = field(default_factory=tuple)
    # subject kind → the factor as a term of a shared pass (its `sql` is then the pass's
    # own fragment, one definition for both)
    shared: dict[str, Shared] = field(default_factory=dict)

    @property
    def subject_kinds(self) -> list[str]:
        return list(self.sql)

    def clean_params(self, params) -> dict:
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ValidationError(
                _("因子 %(f)s 的参数格式无效。") % {"f": self.code}, code="invalid_param"
            )
        known = {p.name for p in self.params}
        extra = sorted(set(params) - known)
        if extra:
            raise ValidationError(
                _("因子 %(f)s 没有参数 %(p)s。") % {"f": self.code, "p": extra[0]},
                code="invalid_param",
            )
        return {p.name: p.clean(params.get(p.name), self.code) for p in self.params}

    def render(self, kind: str, prefix: str, params: dict) -> tuple[str, dict]:
        return self.render_text(self.sql[kind], prefix), self.render_params(prefix, params)

    def render_text(self, text: str, prefix: str) -> str:
        for p in self.params:
            text = text.replace("{p}" + p.name, f"%({prefix}_{p.name})s")
        return text.replace("{p}", "")  # placeholders of shared snippets without params

    @staticmethod
    def render_params(prefix: str, params: dict) -> dict:
        return {f"{prefix}_{k}": v for k, v in params.items()}


FACTORS: dict[str, Factor] = {}


def factor_register(factor: Factor) -> Factor:
    FACTORS[factor.code] = factor
    return factor


def shared_factor(
    code, name, description, shared: dict[str, Shared], params=(), own: dict | None = None
) -> Factor:
    """A factor defined as terms of shared passes (its fragments for those kinds derive
    from them), and for the kinds in `own` by a fragment of its own."""
    fragments = {kind: item.fragment() for kind, item in shared.items()}
    return factor_register(
        Factor(code, name, description, {**fragments, **(own or {})}, tuple(params), shared)
    )


def factor_get(code) -> Factor:
    factor = FACTORS.get(code) if isinstance(code, str) else None
    if factor is None:
        raise ValidationError(_("未知的风险因子:%(c)s") % {"c": code}, code="unknown_factor")
    return factor


def factors_for(kind: str) -> list[Factor]:
    return [f for f in FACTORS.values() if kind in f.sql]


def _events_in_grid(days_expr: str) -> str:
    return (
        "SELECT s.id AS subject_id, count(*)::float AS value FROM subj s "
        "JOIN events_event e ON e.area_path = s.area_path "
        f"WHERE e.reported_at >= now() - {days_expr} * interval '1 day' "
        f"AND {COUNTED_EVENT} AND {CATEGORY_MATCH} GROUP BY s.id"
    )


_EVENTS_NEAR = (
    "SELECT s.id AS subject_id, count(*)::float AS value FROM subj s "
    "JOIN events_event e ON " + NEAR + " "
    "WHERE s.loc IS NOT NULL AND e.reported_at >= now() - {p}days * interval '1 day' "
    f"AND {COUNTED_EVENT} AND {CATEGORY_MATCH} GROUP BY s.id"
)


def _repeats(join: str) -> str:
    # Events beyond the first of each category: 3 cases of one kind count 2.
    return (
        "SELECT subject_id, sum(n - 1)::float AS value FROM ("
        "SELECT s.id AS subject_id, e.category_id, count(*) AS n FROM subj s "
        f"JOIN events_event e ON {join} "
        "WHERE e.reported_at >= now() - {p}days * interval '1 day' "
        f"AND {COUNTED_EVENT} AND {CATEGORY_MATCH} "
        "GROUP BY s.id, e.category_id HAVING count(*) > 1) r GROUP BY subject_id"
    )


LOCAL = f"AT TIME ZONE '{settings.TIME_ZONE}'"
DATE_PATTERN = "'^\\d{4}-\\d{2}-\\d{2}$'"
# The date a tag's extra field holds, or NULL (the pattern guards the cast: CASE, not AND,
# because the planner may evaluate the operands of AND in any order).
LAST_PETITION = (
    f"CASE WHEN t.extra->>'last_date' ~ {DATE_PATTERN} THEN (t.extra->>'last_date')::date END"
)

shared_factor(
    "tag",
    gettext_lazy("特殊人群标签"),
    gettext_lazy("所选类别中人员当前(未结束)标签的个数。"),
    {"person": Shared("person_tags", "*", "t.end_date IS NULL AND t.tag = ANY({p}tags)", "count")},
    (Param("tags", gettext_lazy("人员类别"), "tags", list(TAG_CHOICES)),),
)
shared_factor(
    "mental_risk",
    gettext_lazy("精神障碍危险性等级"),
    gettext_lazy("严重精神障碍患者当前标签的危险性评估等级(0–5 级);无此标签为 0。"),
    {
        "person": Shared(
            "person_tags",
            "CASE WHEN t.extra->>'risk_level' ~ '^[0-5]$' "
            "THEN (t.extra->>'risk_level')::float ELSE 0 END",
            "t.end_date IS NULL AND t.tag = 'mental'",
            "max",
        )
    },
)
shared_factor(
    "petitions",
    gettext_lazy("信访次数"),
    gettext_lazy("重点上访人员当前标签登记的上访次数,仅当最近上访日期在统计天数之内;否则为 0。"),
    {
        "person": Shared(
            "person_tags",
            "CASE WHEN t.extra->>'petition_count' ~ '^[0-9]{1,6}$' "
            "THEN (t.extra->>'petition_count')::float ELSE 1 END",
            f"t.end_date IS NULL AND t.tag = 'petition' "
            f"AND ({LAST_PETITION}) >= {TODAY} - {{p}}days",
            "max",
        )
    },
    (_days(180),),
)
# The last visit of the person, looked up only for the tags that ask for visits (the
# outer conditions make the lookup a one-time filter for every other tag of a shared pass).
MISSED_VISITS_JOIN = (
    "LEFT JOIN LATERAL (SELECT max(v.visited_at) AS last FROM collection_visit_people vp "
    "JOIN collection_visit v ON v.id = vp.visit_id WHERE vp.person_id = t.person_id "
    "AND t.end_date IS NULL AND t.visit_every_days > 0) lv ON true"
)
shared_factor(
    "missed_visits",
    gettext_lazy("漏访次数"),
    gettext_lazy(
        "按标签要求的走访周期,自最近一次走访(无走访时自标签起始日或登记日)以来"
        "错过的走访次数;多个标签取最大值。"
    ),
    {
        "person": Shared(
            "person_tags",
            f"GREATEST(0, floor(({TODAY} - COALESCE((lv.last {LOCAL})::date, t.start_date, "
            f"(s.created {LOCAL})::date))::float / t.visit_every_days))",
            "t.end_date IS NULL AND t.visit_every_days > 0",
            "max",
            MISSED_VISITS_JOIN,
        )
    },
)
# Release date (刑满释放) or end of correction (社区矫正) of the tag, or NULL.
RELEASED_JOIN = (
    "CROSS JOIN LATERAL (SELECT CASE WHEN t.tag IN ('released', 'correction') "
    f"AND x.ds ~ {DATE_PATTERN} THEN x.ds::date END AS d FROM (SELECT CASE t.tag "
    "WHEN 'released' THEN t.extra->>'release_date' ELSE t.extra->>'correction_end' END "
    "AS ds) x) rd"
)
shared_factor(
    "since_release",
    gettext_lazy("刑满释放/解除矫正临近度"),
    gettext_lazy(
        "刑满释放(释放日期)或社区矫正(矫正结束日期)以来的时间在统计天数内时,"
        "取 1 − 已过天数/统计天数(刚释放为 1,期满为 0);否则为 0。"
    ),
    {
        "person": Shared(
            "person_tags",
            f"GREATEST(0, 1 - ({TODAY} - rd.d)::float / {{p}}days)",
            f"rd.d IS NOT NULL AND rd.d <= {TODAY} AND rd.d > {TODAY} - {{p}}days",
            "max",
            RELEASED_JOIN,
        )
    },
    (_days(365),),
)
factor_register(
    Factor(
        "events_near",
        gettext_lazy("周边事件数"),
        gettext_lazy(
            "统计天数内,对象位置(人员取其居住房屋的位置)半径范围内上报的事件数,可按分类。"
        ),
        {"person": _EVENTS_NEAR, "house": _EVENTS_NEAR, "place": _EVENTS_NEAR},
        (_days(), RADIUS, CATEGORY),
    )
)
factor_register(
    Factor(
        "events_in_grid",
        gettext_lazy("所在网格事件数"),
        gettext_lazy("统计天数内,对象所在网格上报的事件数,可按分类。"),
        {
            "person": _events_in_grid("{p}days"),
            "house": _events_in_grid("{p}days"),
            "place": _events_in_grid("{p}days"),
            "area": _events_in_grid("{p}days"),
        },
        (_days(), CATEGORY),
    )
)
factor_register(
    Factor(
        "repeat_events",
        gettext_lazy("重复发生事件数"),
        gettext_lazy(
            "统计天数内同一地点(场所、房屋:半径范围内;网格:网格内)同一分类事件的"
            "重复次数(每类第一起不计)。"
        ),
        {
            "place": _repeats(NEAR + " AND s.loc IS NOT NULL"),
            "house": _repeats(NEAR + " AND s.loc IS NOT NULL"),
            "area": _repeats("e.area_path = s.area_path"),
        },
        (_days(), RADIUS, CATEGORY),
    )
)
_ESCALATED = (
    "SELECT s.id AS subject_id, count(*)::float AS value FROM subj s "
    "JOIN events_event e ON e.area_path = s.area_path JOIN events_trace tr "
    "ON tr.event_id = e.id AND tr.action = 'escalate' "
    "AND tr.at >= now() - {p}days * interval '1 day' GROUP BY s.id"
)
_SUPERVISED = (
    "SELECT s.id AS subject_id, sum(CASE WHEN sc.colour = 'red' THEN 2 ELSE 1 END)::float "
    "AS value FROM subj s JOIN events_event e ON e.area_path = s.area_path "
    "JOIN events_supervisioncard sc ON sc.event_id = e.id "
    "AND sc.issued_at >= now() - {p}days * interval '1 day' GROUP BY s.id"
)
# The same for one case, as a term of the case's own row (one index lookup per case).
_CASE_ESCALATIONS = (
    "(SELECT count(*) FROM events_trace tr WHERE tr.event_id = e.id "
    "AND tr.action = 'escalate' AND tr.at >= now() - {p}days * interval '1 day')"
)
_CASE_SUPERVISIONS = (
    "(SELECT COALESCE(sum(CASE WHEN sc.colour = 'red' THEN 2 ELSE 1 END), 0) "
    "FROM events_supervisioncard sc WHERE sc.event_id = e.id "
    "AND sc.issued_at >= now() - {p}days * interval '1 day')"
)
shared_factor(
    "escalations",
    gettext_lazy("上报上级次数"),
    gettext_lazy("统计天数内事件被上报上级的次数(事件:本事件;网格:网格内的事件)。"),
    {"event": Shared("event_row", _CASE_ESCALATIONS)},
    (_days(),),
    own={"area": _ESCALATED},
)
shared_factor(
    "supervisions",
    gettext_lazy("督办"),
    gettext_lazy("统计天数内的督办(黄牌计 1,红牌计 2;事件:本事件;网格:网格内的事件)。"),
    {"event": Shared("event_row", _CASE_SUPERVISIONS)},
    (_days(),),
    own={"area": _SUPERVISED},
)
shared_factor(
    "event_overdue",
    gettext_lazy("事件超期"),
    gettext_lazy("未办结事件超期为 1,临期为 0.5,正常为 0。"),
    {
        "event": Shared(
            "event_row",
            "CASE e.due_state WHEN 'overdue' THEN 1.0 WHEN 'near_due' THEN 0.5 ELSE 0 END",
        )
    },
)
shared_factor(
    "event_urgency",
    gettext_lazy("事件紧急程度"),
    gettext_lazy("一般为 0,紧急为 1,特急为 2。"),
    {
        "event": Shared(
            "event_row", "CASE e.urgency WHEN 'critical' THEN 2.0 WHEN 'urgent' THEN 1.0 ELSE 0 END"
        )
    },
)
