"""Disputes in the rollups (governance/figures.py): every dispute counts on the day it was
registered (Asia/Shanghai), in its grid and every level above, under the cells below.
The 三源治理 rates (mediation/rates.py, docs/mediation.md) are formulas over them, so a
period's rate is about the disputes registered in that period, whatever became of them.
Every service that writes a dispute retracts its cells before and counts them after."""

from django.utils.translation import gettext_lazy as _

from governance.figures import figure_register, figure_source_register

from .models import Dispute

FIGURE_SOURCE = "disputes"
_T = Dispute._meta.db_table
_DAY = "(t.registered_at AT TIME ZONE '{tz}')::date AS day, t.area_path"

# Each branch: (figure, key expression, extra condition).
_BRANCHES = [
    ("disputes.status", "t.status", "TRUE"),
    ("disputes.source_status", "t.source || ':' || t.status", "TRUE"),
    (
        "disputes.on_time",
        "CASE WHEN t.closed_at <= t.deadline THEN 'yes' ELSE 'no' END",
        "t.status = 'succeeded'",
    ),
    ("disputes.rating", "t.rating::text", "t.rating IS NOT NULL"),
    ("disputes.repeat", "t.source", "t.repeat"),
    ("disputes.referral", "t.referral", "t.referral <> ''"),
    ("disputes.open_code", "t.code::text", "t.status IN ('registered', 'assigned', 'mediating')"),
    ("disputes.group_petition", "''", "t.flags && ARRAY['group', 'petition']::varchar[]"),
]


def source_sql() -> str:
    return " UNION ALL ".join(
        f"SELECT {_DAY}, '{figure}' AS figure, {key} AS key FROM {_T} t WHERE {cond} AND {{where}}"
        for figure, key, cond in _BRANCHES
    )


def register() -> None:
    figure_source_register(FIGURE_SOURCE, source_sql())
    figure_register(
        "disputes.registered",
        label=_("受理矛盾纠纷"),
        unit=_("件"),
        source=FIGURE_SOURCE,
        formula=lambda c: c.sum("disputes.status"),
    )
    figure_register(
        "disputes.open",
        label=_("在调矛盾纠纷"),
        unit=_("件"),
        source=FIGURE_SOURCE,
        formula=lambda c: c.sum("disputes.open_code"),
    )
    figure_register(
        "disputes.succeeded",
        label=_("调解成功"),
        unit=_("件"),
        source=FIGURE_SOURCE,
        formula=lambda c: c.sum("disputes.status", keys=["succeeded"]),
    )
    for key, label in (
        ("red", _("红码纠纷")),
        ("orange", _("橙码纠纷")),
        ("yellow", _("黄码纠纷")),
        ("blue", _("蓝码纠纷")),
        ("green", _("绿码纠纷")),
    ):
        code = {"red": "5", "orange": "4", "yellow": "3", "blue": "2", "green": "1"}[key]
        figure_register(
            f"disputes.open_{key}",
            label=label,
            unit=_("件"),
            source=FIGURE_SOURCE,
            formula=lambda c, code=code: c.sum("disputes.open_code", keys=[code]),
        )
