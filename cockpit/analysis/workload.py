"""Staff workload and timeliness (工作量与时效): per holding unit or per handler, the
cases closed in the period in the area's subtree, with on-time share, mean hours to accept
and to close, and the reopen rate — one set-based statement over events_event and
events_trace, scoped through `Event.objects.restrict(user)`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from events.models import Event, Trace
from governance.models import Department, RoleAssignment
from governance.replica import read_connection
from governance.roles import Action
from governance.scoping import jurisdiction_paths
from grids.models import Area

from ..selectors import cockpit_area
from .pivot import DONE_STATUSES, analysis_period

WORKLOAD_BY = ("unit", "person")
OTHERS = "other"  # handlers the viewer may not see, counted together


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 1) if n else None


def _visible_users(user, ids: set[int]) -> dict[int, str]:
    """Display names of the handlers the viewer may see: those holding a role, or
    belonging to a department, inside the viewer's jurisdiction. Nothing but the name."""
    paths = jurisdiction_paths(user, Action.VIEW)
    if not ids or not paths:
        return {}
    inside = Q()
    for p in paths:
        inside |= Q(area__path__startswith=p)
    visible = set(
        RoleAssignment.objects.filter(inside, user_id__in=ids).values_list("user_id", flat=True)
    )
    dept_inside = Q()
    for p in paths:
        dept_inside |= Q(department__area__path__startswith=p)
    users = get_user_model().objects.filter(pk__in=ids).filter(Q(pk__in=visible) | dept_inside)
    return {
        u.pk: u.full_name or u.get_username() for u in users.only("id", "username", "full_name")
    }


def _unit_names(keys: set[str]) -> dict[str, str]:
    dept_ids = [int(k[1:]) for k in keys if k.startswith("d")]
    area_ids = [int(k[1:]) for k in keys if k.startswith("a")]
    names = {f"d{d.pk}": d.name for d in Department.objects.filter(pk__in=dept_ids).only("name")}
    names |= {f"a{a.pk}": a.name for a in Area.objects.filter(pk__in=area_ids).only("name")}
    return names


def analysis_workload(*, user, params) -> dict:
    area = cockpit_area(user=user, code=params.get("area"))
    by = params.get("by") or "unit"
    if by not in WORKLOAD_BY:
        raise ValidationError(
            _("未知的分组“%(by)s”,可选:unit, person。") % {"by": by}, code="invalid_dimension"
        )
    period = analysis_period(start=params.get("from"), end=params.get("to"))
    start, end = period.bounds()
    scoped = Event.objects.restrict(user).filter(
        area_path__startswith=area.path,
        closed_at__gte=start,
        closed_at__lt=end,
        status__in=DONE_STATUSES,
    )
    sub_sql, sub_params = scoped.values("id").query.sql_with_params()
    e, tr = Event._meta.db_table, Trace._meta.db_table
    if by == "unit":  # the holding unit at close: its department, else its area
        group = "COALESCE('d' || e.current_department_id, 'a' || e.current_area_id)"
    else:
        group = "COALESCE(e.handler_id::text, '')"
    sql = f"""
        SELECT {group} AS k, count(*),
            count(*) FILTER (WHERE e.deadline IS NULL OR e.closed_at <= e.deadline),
            COALESCE(sum(extract(epoch FROM x.accepted - e.reported_at)), 0)::float8 / 3600,
            count(x.accepted),
            COALESCE(sum(extract(epoch FROM e.closed_at - e.reported_at)), 0)::float8 / 3600,
            COALESCE(sum(x.reopens), 0)::bigint, COALESCE(sum(x.closes), 0)::bigint
        FROM {e} e LEFT JOIN LATERAL (
            SELECT min(s.at) FILTER (WHERE s.action = 'accept') AS accepted,
                count(*) FILTER (WHERE s.action = 'reopen') AS reopens,
                count(*) FILTER (WHERE s.action = 'close') AS closes
            FROM {tr} s WHERE s.event_id = e.id) x ON TRUE
        WHERE e.id IN ({sub_sql})
        GROUP BY 1"""
    with read_connection().cursor() as cur:
        cur.execute(sql, sub_params)
        raw = cur.fetchall()

    if by == "unit":
        names = _unit_names({r[0] for r in raw})
    else:
        ids = {int(r[0]) for r in raw if r[0]}
        visible = _visible_users(user, ids)
        names = {str(pk): name for pk, name in visible.items()}
    sums: dict[str, list] = {}
    for k, handled, on_time, accept_h, accepted, close_h, reopens, closes in raw:
        if by == "person" and k and k not in names:
            k = OTHERS  # a handler the viewer may not see: no name, no row of their own
        acc = sums.setdefault(k, [0, 0, 0.0, 0, 0.0, 0, 0])
        for i, v in enumerate((handled, on_time, accept_h, accepted, close_h, reopens, closes)):
            acc[i] += v
    rows = [_workload_row(k, _workload_name(k, by, names), s) for k, s in sums.items()]
    rows.sort(key=lambda r: (-r["handled"], r["name"]))
    whole = [sum(s[i] for s in sums.values()) for i in range(7)]
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "by": by,
        "from": period.start,
        "to": period.end,
        "rows": rows,
        "total": _workload_row("", _("合计"), whole),
    }


def _workload_name(key: str, by: str, names: dict[str, str]) -> str:
    if key == OTHERS:
        return _("其他人员")
    if key == "":
        return _("未指定办理人")
    return names.get(key, key)


def _workload_row(key: str, name: str, s) -> dict:
    handled, on_time, accept_h, accepted, close_h, reopens, closes = s
    return {
        "key": key,
        "name": name,
        "handled": int(handled),
        "on_time": int(on_time),
        "on_time_rate": _pct(on_time, handled),
        "mean_accept_hours": _mean(float(accept_h), int(accepted)),
        "mean_close_hours": _mean(float(close_h), int(handled)),
        "reopens": int(reopens),
        "closes": int(closes),
        "reopen_rate": _pct(reopens, closes),
    }
