"""工作台: each role's home, built around its work (issue 11). Read-only, so it lives in
the cockpit, the one app that may read every other. A user holding several roles sees
one section per kind of work, each from the selectors the pages behind it use."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from collection.actions import is_grid_worker
from collection.duties import grid_duties
from collection.models import PersonTransfer, VerificationTask
from collection.transfers import person_transfer_list, person_transfer_side
from collection.verification import verification_task_list
from events import selectors as events
from events.models import Status
from governance.errors import NotFound
from governance.navigation import may_read_api_docs
from governance.replica import lag_tolerant
from governance.roles import UNIT_ROLES, Role
from governance.scoping import user_role_rows
from grids.models import Area
from grids.selectors import area_roots

from .selectors import cockpit_summary

URGENT = 5
LEADERS = {Role.CITY_LEADER, Role.PROVINCE_LEADER}


def _url(name: str, fallback: str | None = None) -> str | None:
    """A page of another part of the product, if installed (the administrators' pages
    are built apart): a missing URL name leaves the link out, never breaks the home."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _grid_worker(user) -> dict:
    ids = [a for role, a, _p, _d in user_role_rows(user) if role == Role.GRID_WORKER]
    grids = list(Area.objects.filter(id__in=ids).defer("boundary", "boundary_simple"))
    pending = verification_task_list(user=user, status=VerificationTask.Status.PENDING).filter(
        grid__in=grids
    )
    return {
        "duties": [(g, [d for d in grid_duties(user=user, grid=g) if d["due"]]) for g in grids],
        "to_verify": list(events.inbox(user=user, box="todo", status=Status.CLOSED)[:URGENT]),
        "to_verify_count": events.inbox(user=user, box="todo", status=Status.CLOSED).count(),
        "to_confirm": pending.count(),
    }


def _cases(user) -> dict:
    """The boxes with their counts and the most urgent cases waiting on the user (the
    nearest step deadline first: `events.selectors.inbox` orders so)."""
    return {
        "counts": events.inbox_counts(user=user),
        "urgent": list(events.inbox(user=user, box="todo")[:URGENT]),
    }


def _transfers_to_decide(user) -> int:
    return sum(
        1
        for t in person_transfer_list(user=user).filter(status=PersonTransfer.Status.PENDING)[:100]
        if person_transfer_side(user, t) == "holder"
    )


def _leader(user) -> dict | None:
    # The cockpit's figures, seconds old like the cockpit's own (governance/replica.py);
    # the cases and transfers above stay on the primary: a dispatcher who has just acted
    # on a case must not see it again.
    try:
        with lag_tolerant():
            return cockpit_summary(user=user, code=None)
    except (NotFound, ValidationError):
        return None


@login_required
def home(request):
    user = request.user
    roles = {role for role, _a, _p, _d in user_role_rows(user)}
    context = {
        "roles": user.role_assignments.select_related("area", "department").order_by("area__level"),
        "roots": area_roots(user=user),
    }
    if is_grid_worker(user):
        context["grid_worker"] = _grid_worker(user)
    if roles & (UNIT_ROLES | {Role.DEPARTMENT_HANDLER}):
        context["cases"] = _cases(user)
        context["is_department"] = Role.DEPARTMENT_HANDLER in roles and not roles & UNIT_ROLES
    if roles & (UNIT_ROLES - {Role.GRID_WORKER}):
        context["transfers_to_decide"] = _transfers_to_decide(user)
    if roles & LEADERS:
        context["summary"] = _leader(user)
    if roles & {Role.ADMIN, Role.SECURITY_ADMIN}:
        # 三员分立: accounts (and their authenticators) are the security administrator's.
        context["admin_links"] = [
            (label, url)
            for label, url in (
                (_("管理后台"), _url("manage:home", "/manage/")),
                (
                    _("重置动态口令"),
                    _url("two-factor-reset") if Role.SECURITY_ADMIN in roles else None,
                ),
                (_("接口文档"), _url("swagger-ui") if may_read_api_docs(user) else None),
            )
            if url
        ]
    if Role.AUDITOR in roles:
        context["audit_url"] = _url("audit-log")
    return render(request, "cockpit/home.html", context)
