"""Every URL of the project, and what an outsider must get from it.

`CASES` holds, per URL name, the requests that probe it; `NO_DATA` the URL names that
serve no record of any jurisdiction, each with the reason. test_coverage.py walks the
URL conf and fails for a URL name found in neither, so a new endpoint or page cannot
be added without saying who must not see it.

A case is one request (method, path, body) with a kind:

- ``list``    lists, exports, counts of records and pages showing them: an outsider's
              answer (200, or 403/404) contains none of the world's markers of the
              families the outsider must not see; the insider's answer contains the
              case's own markers (so the check can fail).
- ``detail``  one record: 404 for every outsider, 200 for the insider.
- ``write``   an action, a create, an edit: every outsider is refused (403/404, for a
              create into a grid outside one's jurisdiction also 400) and the
              database — the tables of the apps and the audit trail — is unchanged;
              the insider's same request succeeds, so the refusal is about who asks.
- ``count``   a number: one more record in the grid changes nothing an outsider
              reads and changes what the insider reads.

Outsiders: `kc` (宽城区 dispatcher), `grid2` (a grid worker of another township of
南关区), `dept` (a 南关区 department never involved in the case), `kc_auditor`,
`anon`; `dept` also as its department's system (`Authorization: Department <key>`,
accepted by every API endpoint); for writes also the view-only roles inside the area:
`province_leader`, `city_leader`, `auditor` (南关区).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from governance.roles import Role

from .world import (
    CITY,
    EXTRA_SCHEMA,
    GRID,
    ID_NUMBER,
    M_AS_RULE,
    M_CODE_RULE,
    M_COMMAND,
    M_DISPUTE,
    M_EVENT,
    M_HOUSE,
    M_IMPORT,
    M_MEDIATION_ORG,
    M_NOTE,
    M_ORG,
    M_PERSON,
    M_PLACE,
    M_PLAN,
    M_RULE,
    M_SCHEME,
    M_SELF_TASK,
    M_SUB,
    M_TASK,
    M_TASKBOOK,
    M_TRANSFER,
    M_VISIT,
    NANGUAN,
    TOWNSHIP,
    VILLAGE,
    World,
    position_marker,
    valid_id,
)

VIEW_ONLY = ("province_leader", "city_leader", "auditor")
OUT = ("kc", "grid2")  # outside the area of base data (a department reads it by design)
OUT_CASES = ("kc", "grid2", "dept")  # cases: a department sees only what it was given
TRANSFER_OUT = ("grid2", "dept")
CONFIG_OUT = (*OUT_CASES, *VIEW_ONLY, "dispatcher", "kc_admin")  # the administrator's


@dataclass(frozen=True)
class Case:
    name: str  # the URL name (namespace:name)
    kind: str  # list | detail | write | count
    path: Callable[[World], str]
    method: str = "GET"
    body: Callable[[World], dict] | None = None
    outsiders: tuple[str, ...] = OUT
    insider: str | None = "dispatcher"
    markers: Callable[[World], list[str]] | None = None  # what the insider must see
    ids: Callable[[World], set] | None = None  # ids an outsider's JSON list must not hold
    grow: Callable[[World], None] | None = None  # for count: one more record
    api: bool = True  # API (session and token) or page (session, form posts)
    fmt: str = "json"  # json | multipart | form
    refused: tuple[int, ...] = (403, 404)
    xfail: dict[str, str] = field(default_factory=dict)  # outsider → reason
    label: str = ""  # tells apart two cases of one URL name
    insider_path: Callable[[World], str] | None = None  # the insider asks elsewhere
    insider_body: Callable[[World], dict] | None = None  # … or with another body
    # Why the insider's control cannot run now (None: it can).
    insider_blocked: Callable[[World], str | None] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{'[' + self.label + ']' if self.label else ''}"


def _writes(*, base: bool) -> tuple[str, ...]:
    return (*(OUT if base else OUT_CASES), *VIEW_ONLY, *(("dept",) if base else ()))


def _new_person_body(w: World) -> dict:
    return {
        "grid": GRID,
        "name": "泄漏检查乙",
        "id_number": valid_id("22010219810202771"),
        "kind": "registered",
    }


def _version(obj) -> str:
    from governance.versions import row_version

    obj.refresh_from_db()
    return row_version(obj)


def _event_body(w: World) -> dict:
    return {"title": f"{M_EVENT}-新", "category": "0101", "grid": GRID, "description": "外部上报"}


def _event_point_body(w: World) -> dict:
    return {
        "title": f"{M_EVENT}-新",
        "category": "0101",
        "lng": w.grid.centroid.x,
        "lat": w.grid.centroid.y,
        "description": "外部上报",
    }


def _grow_person(w: World) -> None:
    from collection.services import person_create

    person_create(
        actor=w.worker,
        grid=w.grid,
        name="泄漏检查丙",
        id_number=valid_id("22010219820303771"),
        kind="registered",
    )


def _grow_event(w: World) -> None:
    from events.models import EventCategory
    from events.services import event_report

    event_report(
        actor=w.worker,
        title=f"{M_EVENT}-增",
        category=EventCategory.objects.get(code="0101"),
        grid=w.grid,
        description="又一件",
    )


def _grow_closed(w: World) -> None:
    """One more case closed in the grid (today): a unit's and a handler's workload."""
    from events.models import EventCategory
    from events.services import event_report, event_transition

    village = w.users["village"]
    e = event_report(
        actor=w.worker,
        title=f"{M_EVENT}-办结",
        category=EventCategory.objects.get(code="0101"),
        grid=w.grid,
        description="又一件",
    )
    for action in ("accept", "handle"):
        e = event_transition(actor=village, event=e, action=action)
    event_transition(actor=village, event=e, action="close", note="已处理完毕")


def _grow_verification(w: World) -> None:
    from collection.verification import verification_tasks_create

    verification_tasks_create(
        dataset="houses", rows=[(str(w.house.pk), w.grid.pk, w.grid.path)], source="test"
    )


def _feed_floor(w: World) -> str | None:
    """The feed stops below the changes of any running writer (governance/changes.py),
    also one of another database of the cluster (another test run): the world's
    changes are then not served yet, to anyone."""
    from governance import changes

    floor_of = getattr(changes, "_running_writers_floor", None)  # item 14 may rework it
    floor = floor_of() if floor_of else None
    if floor is not None:
        return f"another transaction holds the change feed at seq {floor}"
    return None


def _ev(state: str) -> Callable[[World], str]:
    return lambda w: w.events[state].number


# (transition, state it starts from, body, the insider who may perform it)
TRANSITIONS = [
    ("approve", "pending_review", {}, "village"),
    ("reject", "reported", {"note": "不予受理"}, "village"),
    ("accept", "reported", {}, "village"),
    ("escalate", "reported", {"note": "需上级协调"}, "village"),
    ("dispatch", "accepted", {"department": "SEC-NG-CGJ", "note": "请处理"}, "village"),
    ("handle", "accepted", {}, "village"),
    ("sign", "dispatched", {}, "handler"),
    ("send_back", "dispatched", {"note": "不属本部门"}, "handler"),
    ("send_down", "accepted", {"note": "请网格处理"}, None),
    ("transfer", "dispatched", {"department": "SEC-NG-SCJ", "note": "转派"}, "village"),
    ("close", "handling", {"note": "已办结"}, "village"),
    ("verify", "closed", {}, "worker"),
    ("reopen", "closed", {"note": "未解决"}, "worker"),
    ("rate", "verified", {"rating": 5}, "worker"),
    ("merge", "reported", None, "village"),  # body: into the second reported case
]


def _transition_cases() -> list[Case]:
    cases = []
    for name, state, body, insider in TRANSITIONS:
        if body is None:

            def make_body(w, state=state):
                return {"into": w.events["reported_2"].number}
        else:

            def make_body(w, body=body):
                return dict(body)

        cases.append(
            Case(
                "event-perform",
                "write",
                method="POST",
                label=name,
                path=lambda w, state=state, name=name: (
                    f"/api/v1/events/{w.events[state].number}/actions/{name}/"
                ),
                body=make_body,
                outsiders=_writes(base=False),
                insider=insider,
            )
        )
    cases.append(
        Case(
            "event-perform",
            "write",
            method="POST",
            label="transfer-to-other-county",
            path=lambda w: f"/api/v1/events/{w.events['dispatched'].number}/actions/transfer/",
            body=lambda w: {"department": "SEC-KC-CGJ", "note": "转派"},
            outsiders=("village",),
            insider=None,
            refused=(400, 403, 404),
        )
    )
    return cases


def _record_api(
    name: str,
    plural: str,
    obj: str,
    marker: str,
    create_body,
    *,
    detail_extra: tuple[str, ...] = (),
) -> list[Case]:
    """List, export (csv, xlsx), detail and create of one kind of base data."""
    cases = [
        Case(
            f"{name}-list",
            "list",
            path=lambda w: f"/api/v1/{plural}/?limit=500",
            markers=lambda w: [marker],
            ids=lambda w: {getattr(w, obj).pk},
        ),
        Case(
            f"{name}-export",
            "list",
            label="csv",
            path=lambda w: f"/api/v1/{plural}/export/?fmt=csv",
            markers=lambda w: [marker],
        ),
        Case(
            f"{name}-export",
            "list",
            label="xlsx",
            path=lambda w: f"/api/v1/{plural}/export/?fmt=xlsx",
            markers=lambda w: [marker],
        ),
        Case(f"{name}-detail", "detail", path=lambda w: f"/api/v1/{plural}/{getattr(w, obj).pk}/"),
        Case(
            f"{name}-list",
            "write",
            method="POST",
            path=lambda w: f"/api/v1/{plural}/",
            body=create_body,
            outsiders=_writes(base=True),
            insider="worker",
            refused=(400, 403, 404),
        ),
    ]
    for extra in detail_extra:
        cases.append(
            Case(
                f"{name}-{extra}",
                "detail",
                path=lambda w, extra=extra: f"/api/v1/{plural}/{getattr(w, obj).pk}/{extra}/",
            )
        )
    return cases


def _page(name, kind, path, **kw) -> Case:
    return Case(name, kind, path=path, api=False, fmt="form", **kw)


# 管理后台 (/manage/): the security administrator's account pages, the system
# administrator's configuration pages.
GRANT_OUT = ("kc_secadmin", "admin", "kc", "dispatcher", "dept", *VIEW_ONLY)
PAGE_CONFIG_OUT = (*OUT_CASES, *VIEW_ONLY, "dispatcher", "kc_admin", "secadmin")


def _user_page(suffix: str, method: str = "POST", body=None, kind: str = "write") -> Case:
    return _page(
        f"manage:{suffix[0]}",
        kind,
        lambda w: f"/manage/users/{w.dispatcher.pk}/{suffix[1]}",
        method=method,
        insider="secadmin",
        body=body,
        outsiders=GRANT_OUT,
    )


def _dispatcher_role(w: World) -> int:
    # Read once and kept: the path is named again after the insider's revoke.
    if "_sec_role_pk" not in w.dispatcher.__dict__:
        w.dispatcher.__dict__["_sec_role_pk"] = w.dispatcher.role_assignments.get().pk
    return w.dispatcher.__dict__["_sec_role_pk"]


MANAGE_CASES: list[Case] = [
    _page(
        "manage:users",
        "list",
        lambda w: "/manage/users/?q=sec_",
        insider="secadmin",
        outsiders=GRANT_OUT,
        markers=lambda w: [w.dispatcher.username],
    ),
    _page(
        "manage:user-new",
        "write",
        lambda w: "/manage/users/new/",
        method="POST",
        insider="secadmin",
        body=lambda w: {
            "username": "sec_new_account",
            "full_name": "新账户",
            "role": Role.VILLAGE_STAFF,
            "area": VILLAGE,
        },
        outsiders=GRANT_OUT,
        refused=(400, 403, 404),
    ),
    _user_page(("user-detail", ""), method="GET", kind="detail"),
    _user_page(("user-detail", ""), body=lambda w: {"full_name": "改名"}),
    _user_page(
        ("role-add", "roles/"), body=lambda w: {"role": Role.VILLAGE_STAFF, "area": VILLAGE}
    ),
    _page(
        "manage:role-revoke",
        "write",
        lambda w: f"/manage/users/{w.dispatcher.pk}/roles/{_dispatcher_role(w)}/revoke/",
        method="POST",
        insider="secadmin",
        outsiders=GRANT_OUT,
    ),
    _user_page(("user-lock", "lock/")),
    _user_page(("user-password", "password/")),
    # Unlocking an active account changes nothing but its audit row: the insider writes.
    _user_page(("user-unlock", "unlock/")),
    *[
        _page(
            name,
            "write",
            path,
            method="POST",
            insider="admin",
            body=body,
            outsiders=PAGE_CONFIG_OUT,
            refused=(400, 403, 404),
        )
        for name, path, body in [
            (
                "manage-events:categories",
                lambda w: "/manage/events/categories/new/",
                lambda w: {
                    "code": "9977",
                    "name": "泄漏检查分类",
                    "accept_level": "5",
                    "accept_hours": "4",
                    "handle_days": "5",
                    "verify_days": "2",
                    "active": "on",
                },
            ),
            (
                "manage-events:category-edit",
                lambda w: "/manage/events/categories/0101/",
                lambda w: {
                    "name": "改名分类",
                    "accept_level": "5",
                    "accept_hours": "4",
                    "handle_days": "6",
                    "verify_days": "2",
                    "active": "on",
                },
            ),
            (
                "manage-events:routing",
                lambda w: "/manage/events/routing/",
                lambda w: {
                    "category": w.routing_rule.category_id,
                    "area": VILLAGE,
                    "department": w.department.pk,
                },
            ),
            (
                "manage-events:routing-delete",
                lambda w: f"/manage/events/routing/{w.routing_rule.pk}/delete/",
                None,
            ),
            (
                "manage-calendar:calendar",
                lambda w: "/manage/calendar/",
                lambda w: {"set": "1", "date": "2027-03-03", "kind": "holiday", "name": "某节"},
            ),
            (
                "manage-collection:schema-edit",
                lambda w: "/manage/collection/schemas/organisations/",
                lambda w: {"schema": json.dumps(EXTRA_SCHEMA)},
            ),
            (
                "manage-collection:schema-delete",
                lambda w: "/manage/collection/schemas/tag:petition/delete/",
                None,
            ),
            (
                "manage-integrations:departments",
                lambda w: "/manage/integrations/departments/",
                lambda w: {"code": "SEC-NG-NEW", "name": "新部门", "area": NANGUAN},
            ),
            (
                "manage-integrations:token-issue",
                lambda w: f"/manage/integrations/departments/{w.department.pk}/tokens/",
                lambda w: {"name": "新令牌"},
            ),
            (
                "manage-integrations:token-revoke",
                lambda w: f"/manage/integrations/tokens/{w.department_token.pk}/revoke/",
                None,
            ),
            (
                "manage-integrations:webhook-create",
                lambda w: f"/manage/integrations/departments/{w.department.pk}/webhooks/",
                lambda w: {"url": "https://hooks.example.com/new", "event_types": "event.*"},
            ),
            (
                "manage-integrations:webhook-deactivate",
                lambda w: f"/manage/integrations/webhooks/{w.subscription.pk}/deactivate/",
                None,
            ),
        ]
    ],
    _page(
        "manage-events:category-new",
        "detail",
        lambda w: "/manage/events/categories/new/",
        insider="admin",
        outsiders=(*OUT_CASES, *VIEW_ONLY, "dispatcher", "secadmin"),
    ),
    _page(
        "manage-integrations:department",
        "detail",
        lambda w: f"/manage/integrations/departments/{w.department.pk}/",
        insider="admin",
        outsiders=(*OUT_CASES, *VIEW_ONLY, "dispatcher", "kc_admin", "secadmin"),
        markers=lambda w: [M_SUB],
    ),
]


CASES: list[Case] = [
    # -- grids ---------------------------------------------------------------------
    Case(
        "area-list",
        "list",
        path=lambda w: f"/api/v1/areas/?parent={VILLAGE}",
        markers=lambda w: [GRID],
    ),
    Case("area-detail", "detail", path=lambda w: f"/api/v1/areas/{GRID}/"),
    Case("area-children", "detail", path=lambda w: f"/api/v1/areas/{VILLAGE}/children/"),
    Case("area-geojson", "detail", path=lambda w: f"/api/v1/areas/{GRID}/geojson/"),
    Case(
        "area-locate",
        "detail",
        path=lambda w: f"/api/v1/areas/locate/?lng={w.grid.centroid.x}&lat={w.grid.centroid.y}",
    ),
    # Redirects to the caller's own top area: followed.
    _page("grids:area-browser", "list", lambda w: "/grids/", markers=lambda w: [NANGUAN]),
    _page("grids:area-detail", "detail", lambda w: f"/grids/areas/{GRID}/"),
    # The cockpit's frame for one area (its figures come from the summary API): 404 outside.
    _page("cockpit:cockpit", "detail", lambda w: f"/cockpit/?area={GRID}"),
    # The live feed (server-sent events) of one area: 404 outside. Which cases a user of
    # the area receives (department users: their departments' only): cockpit/tests/test_live.py.
    _page("cockpit:live", "detail", lambda w: f"/cockpit/live/?area={GRID}"),
    # The ranking table as an htmx partial, read like GET /api/v1/cockpit/ranking/.
    _page(
        "cockpit:ranking",
        "count",
        lambda w: f"/cockpit/panels/ranking/?area={NANGUAN}&of=children",
        grow=_grow_event,
        outsiders=OUT_CASES,
        label="count",
    ),
    # -- events --------------------------------------------------------------------
    Case(
        "event-list",
        "list",
        path=lambda w: "/api/v1/events/?box=all&limit=500",
        outsiders=OUT_CASES,
        markers=lambda w: [M_EVENT, w.events["reported"].number],
        ids=lambda w: {e.number for e in w.events.values()},
    ),
    Case(
        "event-list",
        "list",
        label="q",
        outsiders=OUT_CASES,
        path=lambda w: "/api/v1/events/?box=all&q=泄漏检查",
        markers=lambda w: [M_EVENT],
    ),
    Case(
        "event-list",
        "write",
        method="POST",
        label="grid",
        path=lambda w: "/api/v1/events/",
        body=_event_body,
        outsiders=(*OUT, *VIEW_ONLY),
        insider="worker",
        refused=(400, 403, 404),
    ),
    Case(
        "event-list",
        "write",
        method="POST",
        label="lng/lat",
        path=lambda w: "/api/v1/events/",
        body=_event_point_body,
        outsiders=(*OUT, *VIEW_ONLY),
        insider="worker",
        refused=(400, 403, 404),
    ),
    Case(
        "event-duplicates",
        "list",
        outsiders=OUT_CASES,
        markers=lambda w: [M_EVENT],
        path=lambda w: (
            f"/api/v1/events/duplicates/?category=0101&lng={w.grid.centroid.x}"
            f"&lat={w.grid.centroid.y}"
        ),
    ),
    Case(
        "event-detail",
        "detail",
        outsiders=OUT_CASES,
        insider="handler",
        path=lambda w: f"/api/v1/events/{w.events['dispatched'].number}/",
    ),
    *_transition_cases(),
    Case(
        "event-progress",
        "write",
        method="POST",
        insider="handler",
        path=lambda w: f"/api/v1/events/{w.events['dispatched'].number}/progress/",
        body=lambda w: {"note": "进展"},
        outsiders=_writes(base=False),
    ),
    # Leaders issue commands (督办) by design (PRODUCT.md: 市/省 leader "issues
    # commands"): of the view-only roles only the auditor is refused here.
    Case(
        "event-supervise",
        "write",
        method="POST",
        insider="dispatcher",
        path=lambda w: f"/api/v1/events/{w.events['reported'].number}/supervise/",
        body=lambda w: {"colour": "yellow", "message": "请加快"},
        outsiders=(*OUT_CASES, "auditor"),
    ),
    Case(
        "event-suspend",
        "write",
        method="POST",
        insider="village",
        path=lambda w: f"/api/v1/events/{w.events['handling'].number}/suspend/",
        body=lambda w: {"reason": "等待鉴定"},
        outsiders=_writes(base=False),
    ),
    Case(
        "event-resume",
        "write",
        method="POST",
        insider="village",
        path=lambda w: f"/api/v1/events/{w.events['suspended'].number}/resume/",
        body=lambda w: {},
        outsiders=_writes(base=False),
    ),
    Case(
        "event-category-list",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/event-categories/",
        body=lambda w: {"code": "0101", "name": "泄漏检查分类", "parent": "01"},
        outsiders=CONFIG_OUT,
    ),
    # A request held without a grid (known by its address): the unit holding it sets one.
    Case(
        "event-locate",
        "write",
        method="POST",
        insider="village",
        path=lambda w: f"/api/v1/events/{w.events['unlocated'].number}/locate/",
        body=lambda w: {"grid": GRID},
        outsiders=_writes(base=False),
    ),
    # Uploads are served through the case's scope (web stream, item 10).
    _page(
        "events:attachment",
        "detail",
        lambda w: f"/events/files/{w.attachment.pk}/",
        outsiders=OUT_CASES,
        insider="handler",
    ),
    _page(
        "events:attachment-thumbnail",
        "detail",
        outsiders=OUT_CASES,
        insider="handler",
        path=lambda w: f"/events/files/{w.attachment.pk}/thumbnail/",
    ),
    Case(
        "routing-rule-list",
        "list",
        path=lambda w: "/api/v1/routing-rules/?limit=500",
        markers=lambda w: ["SEC-NG-CGJ"],
        ids=lambda w: {w.routing_rule.pk},
    ),
    Case(
        "routing-rule-list",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/routing-rules/",
        body=lambda w: {"category": "0601", "area": NANGUAN, "department": "SEC-NG-SCJ"},
        outsiders=CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    Case(
        "routing-rule-detail",
        "write",
        method="DELETE",
        insider="admin",
        path=lambda w: f"/api/v1/routing-rules/{w.routing_rule.pk}/",
        outsiders=CONFIG_OUT,
    ),
    Case(
        "event-list",
        "count",
        path=lambda w: "/api/v1/events/?box=all&limit=1",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="count",
    ),
    # -- cockpit: counts read from the rollups; an ancestor outside one's jurisdiction
    # (whose total holds the area's counts) is 404 like the area itself.
    Case(
        "cockpit-summary",
        "count",
        path=lambda w: f"/api/v1/cockpit/summary/?area={NANGUAN}",
        grow=_grow_event,
        label="count",
    ),
    Case(
        "cockpit-summary",
        "count",
        path=lambda w: f"/api/v1/cockpit/summary/?area={CITY}",
        grow=_grow_event,
        insider="city_leader",
        label="parent",
    ),
    # The live feed's latest items of one area: 404 outside (the items themselves are
    # re-checked against the case lists' rule: cockpit/tests/test_live.py).
    Case("cockpit-live", "detail", path=lambda w: f"/api/v1/cockpit/live/?area={GRID}"),
    # -- risk: hot spots and key-event colours, computed from the cases the caller may
    # read (a department: only its own) and the places of the jurisdiction; an area
    # outside it is 404 (risk/tests/test_hotspots.py, test_event_colours.py).
    Case(
        "hotspot-list",
        "list",
        path=lambda w: f"/api/v1/hotspots/?area={GRID}&min_count=2",
        outsiders=OUT_CASES,
        markers=lambda w: [M_PLACE],  # the cluster of the world's cases names the place
    ),
    Case(
        "hotspot-index",
        "list",
        path=lambda w: f"/api/v1/hotspots/index/?area={GRID}&of=place",
        outsiders=OUT_CASES,
        markers=lambda w: [M_PLACE],
    ),
    Case(
        "hotspot-index",
        "list",
        label="grid",
        path=lambda w: f"/api/v1/hotspots/index/?area={NANGUAN}&of=grid",
        outsiders=OUT_CASES,
        markers=lambda w: [GRID],
    ),
    Case(
        "key-event-list",
        "list",
        path=lambda w: f"/api/v1/key-events/?area={NANGUAN}&limit=500",
        outsiders=OUT_CASES,
        markers=lambda w: [M_EVENT, w.events["reported"].number],
        ids=lambda w: {e.number for e in w.events.values()},
    ),
    Case(
        "key-event-detail",
        "detail",
        outsiders=OUT_CASES,
        insider="handler",
        path=lambda w: f"/api/v1/key-events/{w.events['dispatched'].number}/",
    ),
    # The panels: each one a count of the area's cases (a new case moves it) or, where a
    # new case changes nothing (no rating, not overdue), an area's figures: 404 outside.
    # A department never involved in the case reads its own cases only (docs/cockpit.md).
    *(
        Case(
            name,
            "count",
            path=lambda w, url=url: f"/api/v1/cockpit/{url}area={NANGUAN}",
            grow=_grow_event,
            outsiders=OUT_CASES,
            label="count",
        )
        for name, url in (
            ("cockpit-trend", "trend/?days=7&"),
            ("cockpit-breakdown", "breakdown/?by=category&"),
            ("cockpit-timeliness", "timeliness/?"),
            ("cockpit-ranking", "ranking/?of=children&by=closure_rate&"),
        )
    ),
    Case(
        "cockpit-ranking",
        "count",
        path=lambda w: f"/api/v1/cockpit/ranking/?area={CITY}&of=children",
        grow=_grow_event,
        insider="city_leader",
        label="parent",
    ),
    Case(
        "cockpit-satisfaction",
        "detail",
        path=lambda w: f"/api/v1/cockpit/satisfaction/?area={NANGUAN}",
    ),
    Case(
        "cockpit-overdue-units",
        "detail",
        path=lambda w: f"/api/v1/cockpit/overdue-units/?area={NANGUAN}",
    ),
    # Open warnings by colour (risk/figures.py): the world's warning counts in 南关区's
    # figures; another county, or a grid worker of another township, gets 404.
    Case(
        "cockpit-warnings",
        "detail",
        path=lambda w: f"/api/v1/cockpit/warnings/?area={NANGUAN}",
    ),
    Case(
        "cockpit-warnings",
        "detail",
        path=lambda w: f"/api/v1/cockpit/warnings/?area={CITY}",
        insider="city_leader",
        label="parent",
    ),
    # Open disputes by code, the rates, the most overdue (mediation/figures.py): 南关区's.
    Case(
        "cockpit-mediation",
        "detail",
        path=lambda w: f"/api/v1/cockpit/mediation/?area={NANGUAN}",
    ),
    Case(
        "cockpit-mediation",
        "detail",
        path=lambda w: f"/api/v1/cockpit/mediation/?area={CITY}",
        insider="city_leader",
        label="parent",
    ),
    # -- 多维研判: the pivot from the rollups (child × period) and from the raw cases (two
    # attributes; a department always), workload, comparison, the page and its export.
    Case(
        "analysis-events",
        "count",
        path=lambda w: f"/api/v1/analysis/events/?area={NANGUAN}&rows=child&cols=month",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="rollup",
    ),
    Case(
        "analysis-events",
        "count",
        path=lambda w: f"/api/v1/analysis/events/?area={NANGUAN}&rows=category&cols=source",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="raw",
    ),
    Case(
        "analysis-events",
        "count",
        path=lambda w: f"/api/v1/analysis/events/?area={CITY}&rows=child",
        grow=_grow_event,
        insider="city_leader",
        label="parent",
    ),
    Case(
        "analysis-workload",
        "count",
        path=lambda w: f"/api/v1/analysis/workload/?area={NANGUAN}&by=person",
        outsiders=OUT_CASES,
        grow=_grow_closed,
        label="count",
    ),
    Case(
        "analysis-compare",
        "count",
        path=lambda w: f"/api/v1/analysis/compare/?area={NANGUAN}&period=year",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="count",
    ),
    _page("analysis:analysis", "detail", lambda w: f"/analysis/?area={GRID}"),
    _page(
        "analysis:export",
        "count",
        lambda w: f"/analysis/export.xlsx?area={NANGUAN}&rows=child",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="count",
    ),
    _page(
        "events:inbox",
        "count",
        lambda w: "/events/?box=all",
        outsiders=OUT_CASES,
        grow=_grow_event,
        label="count",
    ),
    # The navigation's unread badge: the village's moves with a new case, no one else's.
    _page(
        "home",
        "count",
        lambda w: "/",
        grow=_grow_event,
        outsiders=OUT_CASES,
        insider="village",
        label="count",
    ),
    _page(
        "events:inbox",
        "list",
        lambda w: "/events/?box=all",
        outsiders=OUT_CASES,
        markers=lambda w: [M_EVENT],
    ),
    _page(
        "events:detail",
        "detail",
        lambda w: f"/events/{w.events['dispatched'].number}/",
        outsiders=OUT_CASES,
        insider="handler",
    ),
    _page(
        "events:detail",
        "write",
        lambda w: f"/events/{w.events['reported'].number}/",
        method="POST",
        body=lambda w: {"kind": "transition", "action": "accept"},
        outsiders=_writes(base=False),
        insider="village",
        label="accept",
    ),
    _page(
        "events:detail",
        "write",
        lambda w: f"/events/{w.events['reported'].number}/",
        method="POST",
        body=lambda w: {"kind": "supervise", "colour": "red", "message": "快", "days": "2"},
        outsiders=(*OUT_CASES, "auditor"),
        insider="dispatcher",
        label="supervise",
    ),
    _page(
        "events:detail",
        "write",
        lambda w: f"/events/{w.events['accepted'].number}/",
        method="POST",
        body=lambda w: {"kind": "answer", "card": w.card.pk, "answer": "已办"},
        outsiders=_writes(base=False),
        insider="village",
        label="answer",
    ),
    _page(
        "events:detail",
        "write",
        lambda w: f"/events/{w.events['handling'].number}/",
        method="POST",
        body=lambda w: {"kind": "suspend", "reason": "等待鉴定"},
        outsiders=_writes(base=False),
        insider="village",
        label="suspend",
    ),
    _page(
        "events:detail",
        "write",
        lambda w: f"/events/{w.events['suspended'].number}/",
        method="POST",
        body=lambda w: {"kind": "resume"},
        outsiders=_writes(base=False),
        insider="village",
        label="resume",
    ),
    _page(
        "events:report",
        "write",
        lambda w: "/events/report/",
        method="POST",
        body=lambda w: {
            "title": f"{M_EVENT}-页面",
            "category": "0101",
            "urgency": "normal",
            "lng": w.grid.centroid.x,
            "lat": w.grid.centroid.y,
            "description": "页面上报",
        },
        outsiders=(*OUT, *VIEW_ONLY),
        insider="worker",
        refused=(200, 400, 403, 404),
    ),
    # Open311 serves the requests filed through Open311; a grid worker's case is none
    # of an anonymous reader's business.
    Case(
        "open311-requests",
        "list",
        path=lambda w: "/open311/v2/requests.json",
        outsiders=("anon",),
        insider=None,
    ),
    Case(
        "open311-request",
        "detail",
        outsiders=("anon",),
        insider=None,
        path=lambda w: f"/open311/v2/requests/{w.events['reported'].number}.json",
    ),
    Case(
        "open311-requests",
        "list",
        label="xml",
        path=lambda w: "/open311/v2/requests.xml",
        outsiders=("anon",),
        insider=None,
    ),
    Case(
        "open311-request",
        "detail",
        label="xml",
        outsiders=("anon",),
        insider=None,
        path=lambda w: f"/open311/v2/requests/{w.events['reported'].number}.xml",
    ),
    # A citizen follows their report by number and tracking code, posted (never in the
    # URL); a wrong code shows nothing of it (the throttle is the web stream's, item 11).
    Case(
        "public-track",
        "detail",
        api=False,
        fmt="form",
        method="POST",
        outsiders=("anon",),
        insider="anon",
        path=lambda w: "/public/track/",
        body=lambda w: {"number": w.events["pending_review"].number, "code": "ABCD1234"},
        insider_body=lambda w: {
            "number": w.events["pending_review"].number,
            "code": w.events["pending_review"].tracking_code,
        },
        markers=lambda w: [f"{M_EVENT}群众描述"],
    ),
    # -- base data -----------------------------------------------------------------
    *_record_api("person", "people", "person", M_PERSON, _new_person_body, detail_extra=()),
    Case(
        "person-detail",
        "write",
        method="PATCH",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/",
        body=lambda w: {"phone": "13900000001"},
        outsiders=_writes(base=True),
    ),
    # The phone's stale-write contract (docs/offline.md): an outsider holding an old
    # version is told nothing about the record either — 404, not 409 with the server's.
    Case(
        "person-detail",
        "write",
        label="with-version",
        method="PATCH",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/",
        body=lambda w: {"phone": "13900000002", "version": "1"},
        insider_body=lambda w: {"phone": "13900000002", "version": _version(w.person)},
        outsiders=_writes(base=True),
    ),
    Case(
        "house-detail",
        "write",
        method="PATCH",
        insider="worker",
        path=lambda w: f"/api/v1/houses/{w.house.pk}/",
        body=lambda w: {"owner_name": "泄漏检查业主"},
        outsiders=_writes(base=True),
    ),
    Case(
        "organisation-detail",
        "write",
        method="PATCH",
        insider="worker",
        path=lambda w: f"/api/v1/organisations/{w.organisation.pk}/",
        body=lambda w: {"legal_person": "泄漏检查法人"},
        outsiders=_writes(base=True),
    ),
    Case(
        "person-reveal",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/reveal/",
        body=lambda w: {"field": "id_number"},
        outsiders=(*OUT, "dept", *VIEW_ONLY),
    ),
    *_record_api(
        "house",
        "houses",
        "house",
        M_HOUSE,
        lambda w: {"grid": GRID, "address": "泄漏检查路七十八号"},
        detail_extra=("residents",),
    ),
    *_record_api(
        "organisation",
        "organisations",
        "organisation",
        M_ORG,
        lambda w: {"grid": GRID, "name": "泄漏检查二公司", "credit_code": "91110000600037341L"},
    ),
    *_record_api(
        "place",
        "places",
        "place",
        M_PLACE,
        lambda w: {"grid": GRID, "name": "泄漏检查二广场", "kind": "crowded"},
    ),
    *_record_api(
        "visit",
        "visits",
        "visit",
        M_VISIT,
        lambda w: {
            "grid": GRID,
            "visited_at": "2026-11-01T10:00:00+08:00",
            "place": "楼道",
            "findings": "泄漏检查二走访",
        },
    ),
    Case("catalogue", "count", path=lambda w: "/api/v1/catalogue/", grow=_grow_person),
    Case(
        "person-list",
        "count",
        path=lambda w: "/api/v1/people/?limit=1",
        grow=_grow_person,
        label="count",
    ),
    _page(
        "collection:people",
        "count",
        lambda w: "/collection/people/",
        grow=_grow_person,
        label="count",
    ),
    _page(
        "collection:my-grid",
        "count",
        lambda w: "/collection/",
        grow=_grow_person,
        insider="worker",
        label="count",
    ),
    *[
        Case(
            "changes",
            "list",
            label=ds,
            path=lambda w, ds=ds: f"/api/v1/changes/?dataset={ds}&since=0&limit=1000",
            markers=lambda w, m=m: [m],
            ids=lambda w, obj=obj: {str(getattr(w, obj).pk)},
            insider_blocked=_feed_floor,
        )
        for ds, obj, m in [
            ("people", "person", M_PERSON),
            ("houses", "house", M_HOUSE),
            ("organisations", "organisation", M_ORG),
            ("places", "place", M_PLACE),
            ("visits", "visit", M_VISIT),
        ]
    ],
    # The grid's readers learn that the moved person left (only its id); a reader who
    # never had it in scope gets no row of it at all.
    Case(
        "changes",
        "list",
        label="people-removed",
        insider="worker",
        outsiders=("kc", "kc_auditor"),
        path=lambda w: "/api/v1/changes/?dataset=people&since=0&limit=1000",
        markers=lambda w: ['"op":"removed"', f'"id":"{w.moved.pk}"'],
        ids=lambda w: {str(w.moved.pk)},
        insider_blocked=_feed_floor,
    ),
    Case(
        "grid-duties",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/grid-duties/?grid={GRID}",
    ),
    Case(
        "collection-points",
        "list",
        path=lambda w: "/api/v1/collection-points/",
        markers=lambda w: [M_HOUSE, M_PLACE],
    ),
    Case(
        "person-tags",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/tags/",
    ),
    Case(
        "person-tags",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/tags/",
        body=lambda w: {"tag": "released", "extra": RELEASED},
        outsiders=_writes(base=True),
    ),
    Case(
        "person-tag",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/tags/petition/",
    ),
    Case(
        "person-tag",
        "write",
        method="PATCH",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/tags/petition/",
        body=lambda w: {"visit_every_days": 10},
        outsiders=_writes(base=True),
    ),
    Case(
        "person-tag",
        "write",
        method="DELETE",
        insider="worker",
        path=lambda w: f"/api/v1/people/{w.person.pk}/tags/petition/",
        body=lambda w: {"reason": "期满"},
        outsiders=_writes(base=True),
    ),
    # Configuration (the province administrator's): every other role is refused.
    *[
        Case(
            name,
            "write",
            method=m,
            insider="admin",
            path=path,
            body=body,
            outsiders=CONFIG_OUT,
            label=label,
        )
        for name, m, path, body, label in [
            (
                "tag-schema",
                "PUT",
                lambda w: "/api/v1/tag-schemas/key_youth/",
                lambda w: {**_default_schema("key_youth"), "title": "青少年(改)"},
                "",
            ),
            ("tag-schema", "DELETE", lambda w: "/api/v1/tag-schemas/petition/", None, ""),
            (
                "extra-schema",
                "PUT",
                lambda w: "/api/v1/extra-schemas/organisations/",
                lambda w: EXTRA_SCHEMA,
                "",
            ),
            ("extra-schema", "DELETE", lambda w: "/api/v1/extra-schemas/places/", None, ""),
        ]
    ],
    Case(
        "import-job-list",
        "list",
        path=lambda w: "/api/v1/imports/?limit=500",
        insider="worker",
        markers=lambda w: [M_IMPORT],
        ids=lambda w: {w.import_job.pk},
    ),
    Case(
        "import-job-list",
        "write",
        method="POST",
        insider="worker",
        fmt="multipart",
        path=lambda w: "/api/v1/imports/",
        outsiders=VIEW_ONLY,
        body=lambda w: {"file": _csv_upload(), "mode": "all_or_nothing", "dataset": "people"},
    ),
    Case(
        "import-job-detail",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/imports/{w.import_job.pk}/",
    ),
    Case(
        "import-job-report",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/imports/{w.import_job.pk}/report/",
    ),
    Case(
        "import-job-apply",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/imports/{w.import_job.pk}/apply/",
        outsiders=_writes(base=True),
    ),
    Case(
        "import-job-cancel",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/imports/{w.import_job.pk}/cancel/",
        outsiders=_writes(base=True),
    ),
    # 迁入申请: 宽城区 (kc) asked for the 南关区 person; the holding grid's staff decide. A
    # 南关区 department, another grid of 南关区 and anyone anonymous are no party to it.
    Case(
        "person-transfer-list",
        "list",
        path=lambda w: "/api/v1/person-transfers/?limit=500",
        insider="worker",
        outsiders=(*TRANSFER_OUT, "anon"),
        markers=lambda w: [M_TRANSFER],
        ids=lambda w: {w.transfer.pk},
    ),
    Case(
        "person-transfer-detail",
        "detail",
        insider="worker",
        outsiders=TRANSFER_OUT,
        path=lambda w: f"/api/v1/person-transfers/{w.transfer.pk}/",
    ),
    Case(
        "person-transfer-decide",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/person-transfers/{w.transfer.pk}/decide/",
        body=lambda w: {"accept": True},
        outsiders=(*TRANSFER_OUT, "kc", *VIEW_ONLY),
    ),
    Case(
        "person-transfer-cancel",
        "write",
        method="POST",
        insider="kc",
        path=lambda w: f"/api/v1/person-transfers/{w.transfer.pk}/cancel/",
        outsiders=(*TRANSFER_OUT, "worker", "dispatcher", *VIEW_ONLY),
    ),
    _page(
        "collection:transfers",
        "list",
        lambda w: "/collection/transfers/",
        insider="worker",
        outsiders=(*TRANSFER_OUT, "anon"),
        markers=lambda w: [M_TRANSFER],
    ),
    _page(
        "collection:transfers",
        "write",
        lambda w: "/collection/transfers/",
        method="POST",
        insider="worker",
        outsiders=(*TRANSFER_OUT, "kc", *VIEW_ONLY),
        refused=(400, 403, 404),
        label="decide",
        body=lambda w: {"transfer": w.transfer.pk, "decision": "refuse", "reason": "查无此人"},
    ),
    Case(
        "task-item-list",
        "list",
        path=lambda w: "/api/v1/task-items/?limit=500",
        insider="township",
        markers=lambda w: [M_TASK],
        ids=lambda w: {w.task_item.pk},
    ),
    Case(
        "task-item-list",
        "write",
        method="POST",
        insider="township",
        path=lambda w: "/api/v1/task-items/",
        refused=(400, 403, 404),
        body=lambda w: {"area": TOWNSHIP, "title": "泄漏检查二事项", "rule": "house_location"},
        outsiders=_writes(base=True),
    ),
    Case(
        "task-item-detail",
        "detail",
        insider="township",
        path=lambda w: f"/api/v1/task-items/{w.task_item.pk}/",
    ),
    Case(
        "task-item-detail",
        "write",
        method="PATCH",
        insider="township",
        path=lambda w: f"/api/v1/task-items/{w.task_item.pk}/",
        body=lambda w: {"every_days": 7},
        outsiders=_writes(base=True),
    ),
    Case(
        "task-item-detail",
        "write",
        method="DELETE",
        insider="township",
        path=lambda w: f"/api/v1/task-items/{w.task_item.pk}/",
        outsiders=_writes(base=True),
    ),
    Case(
        "verification-list",
        "list",
        path=lambda w: "/api/v1/verifications/?limit=500",
        insider="worker",
        markers=lambda w: [f'"object_id":"{w.person.pk}"'],
        ids=lambda w: {w.verification.pk},
    ),
    Case(
        "verification-progress",
        "count",
        path=lambda w: "/api/v1/verifications/progress/",
        grow=_grow_verification,
    ),
    Case(
        "verification-detail",
        "detail",
        insider="worker",
        path=lambda w: f"/api/v1/verifications/{w.verification.pk}/",
    ),
    Case(
        "verification-decide",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/api/v1/verifications/{w.verification.pk}/decide/",
        body=lambda w: {"decision": "confirmed"},
        outsiders=_writes(base=True),
    ),
    # -- governance ----------------------------------------------------------------
    Case(
        "auditlog-list",
        "list",
        path=lambda w: "/api/v1/audit-logs/?limit=1000",
        insider="ng_auditor",
        outsiders=("kc_auditor", "kc", "grid2", "dept"),
        markers=lambda w: [M_HOUSE],
        ids=lambda w: {w.audit_row.pk},
    ),
    Case(
        "auditlog-detail",
        "detail",
        insider="ng_auditor",
        outsiders=("kc_auditor", "kc", "grid2", "dept"),
        path=lambda w: f"/api/v1/audit-logs/{w.audit_row.pk}/",
    ),
    Case(
        "notification-list",
        "list",
        path=lambda w: "/api/v1/notifications/?limit=500",
        insider="village",
        outsiders=(*OUT_CASES, "dispatcher"),
        markers=lambda w: [M_NOTE],
        ids=lambda w: {w.notification.pk},
    ),
    # Marks the caller's own notifications: another user's ids change nothing.
    Case(
        "notification-read",
        "write",
        method="POST",
        insider="village",
        path=lambda w: "/api/v1/notifications/read/",
        body=lambda w: {"ids": [w.notification.pk]},
        outsiders=(*OUT_CASES, "dispatcher", *VIEW_ONLY),
        refused=(200, 403, 404),
    ),
    # A security administrator resets the authenticator of a user in their jurisdiction
    # only; the system administrator does not manage accounts (三员分立).
    _page(
        "two-factor-reset",
        "write",
        lambda w: "/accounts/2fa/reset/",
        method="POST",
        insider="secadmin",
        body=lambda w: {"username": w.auditor.username},
        outsiders=("kc_secadmin", "admin", "kc", "dispatcher", "dept", *VIEW_ONLY),
        refused=(400, 403, 404),
    ),
    _page(
        "audit-log-export",
        "list",
        lambda w: "/audit/export/",
        insider="ng_auditor",
        outsiders=("kc_auditor", "kc", "grid2", "dept", "admin", "secadmin"),
        markers=lambda w: [M_HOUSE],
    ),
    *MANAGE_CASES,
    _page(
        "audit-log",
        "list",
        # Filtered to the house's rows: the newest 50 of the county move with every record
        # the world gains.
        lambda w: "/audit/?q=泄漏检查路",
        insider="ng_auditor",
        outsiders=("kc_auditor", "kc", "grid2", "dept"),
        markers=lambda w: [M_HOUSE],
    ),
    _page(
        "notifications",
        "list",
        lambda w: "/notifications/",
        insider="village",
        outsiders=(*OUT_CASES, "dispatcher"),
        markers=lambda w: [M_NOTE],
    ),
    _page("home", "list", lambda w: "/", insider="dispatcher", markers=lambda w: [NANGUAN]),
    # -- integrations --------------------------------------------------------------
    Case(
        "webhook-subscription-list",
        "list",
        insider="handler",
        outsiders=OUT_CASES,
        path=lambda w: "/api/v1/webhook-subscriptions/?limit=500",
        markers=lambda w: [M_SUB],
        ids=lambda w: {w.subscription.pk},
    ),
    Case(
        "webhook-subscription-detail",
        "detail",
        insider="handler",
        outsiders=OUT_CASES,
        path=lambda w: f"/api/v1/webhook-subscriptions/{w.subscription.pk}/",
    ),
    Case(
        "webhook-delivery-list",
        "list",
        insider="handler",
        outsiders=OUT_CASES,
        path=lambda w: "/api/v1/webhook-deliveries/?limit=500",
        markers=lambda w: [f'"id":{w.delivery.pk},'],
        ids=lambda w: {w.delivery.pk},
    ),
    Case(
        "webhook-delivery-detail",
        "detail",
        insider="handler",
        outsiders=OUT_CASES,
        path=lambda w: f"/api/v1/webhook-deliveries/{w.delivery.pk}/",
    ),
    Case(
        "webhook-delivery-replay",
        "write",
        method="POST",
        insider="handler",
        path=lambda w: f"/api/v1/webhook-deliveries/{w.delivery.pk}/replay/",
        outsiders=(*OUT_CASES, *VIEW_ONLY),
    ),
    # -- collection pages ----------------------------------------------------------
    _page(
        "collection:my-grid",
        "list",
        lambda w: "/collection/?q=泄漏检查",
        insider="worker",
        markers=lambda w: [M_PERSON],
    ),
    _page(
        "collection:people", "list", lambda w: "/collection/people/", markers=lambda w: [M_PERSON]
    ),
    _page(
        "collection:person-new",
        "write",
        lambda w: "/collection/people/new/",
        method="POST",
        insider="worker",
        refused=(200, 403, 404),
        body=lambda w: {**_new_person_body(w), "doc_type": "id_card"},
        outsiders=_writes(base=True),
    ),
    _page("collection:person-detail", "detail", lambda w: f"/collection/people/{w.person.pk}/"),
    _page(
        "collection:person-detail",
        "write",
        lambda w: f"/collection/people/{w.person.pk}/",
        method="POST",
        body=lambda w: {"reveal": "id_number"},
        insider="worker",
        outsiders=(*OUT, "dept", *VIEW_ONLY),
        refused=(200, 403, 404),
    ),
    _page(
        "collection:person-edit",
        "detail",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/edit/",
    ),
    _page(
        "collection:person-edit",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/edit/",
        body=lambda w: {
            "name": M_PERSON,
            "doc_type": "id_card",
            "id_number": "",
            "phone": "13900009999",
            "kind": "registered",
        },
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:person-tag-new",
        "detail",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/tags/new/",
    ),
    _page(
        "collection:person-tag-new",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/tags/new/",
        body=lambda w: {
            "tag": "released",
            "visit_every_days": "30",
            **{f"x-{k}": v for k, v in RELEASED.items()},
        },
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:person-tag-edit",
        "detail",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/tags/petition/",
    ),
    _page(
        "collection:person-tag-edit",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/tags/petition/",
        body=lambda w: {"visit_every_days": "10", **{f"x-{k}": v for k, v in PETITION.items()}},
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:person-tag-end",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/people/{w.person.pk}/tags/petition/end/",
        body=lambda w: {"reason": "期满"},
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:house-new",
        "write",
        lambda w: "/collection/houses/new/",
        method="POST",
        insider="worker",
        refused=(200, 403, 404),
        outsiders=_writes(base=True),
        body=lambda w: {
            "grid": GRID,
            "address": "泄漏检查路七十九号",
            "use": "self",
            "lng": w.grid.centroid.x,
            "lat": w.grid.centroid.y,
        },
    ),
    _page(
        "collection:houses", "list", lambda w: "/collection/houses/", markers=lambda w: [M_HOUSE]
    ),
    _page("collection:house-detail", "detail", lambda w: f"/collection/houses/{w.house.pk}/"),
    _page(
        "collection:house-edit",
        "detail",
        insider="worker",
        path=lambda w: f"/collection/houses/{w.house.pk}/edit/",
    ),
    _page(
        "collection:house-edit",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/houses/{w.house.pk}/edit/",
        body=lambda w: {"address": "泄漏检查路八十号", "use": "rental", "owner_name": "某"},
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:organisations",
        "list",
        lambda w: "/collection/organisations/",
        markers=lambda w: [M_ORG],
    ),
    _page(
        "collection:visit-new",
        "write",
        lambda w: "/collection/visits/new/",
        method="POST",
        insider="worker",
        refused=(200, 403, 404),
        outsiders=_writes(base=True),
        body=lambda w: {
            "grid": GRID,
            "visited_at": "2026-11-01T10:00",
            "place": "楼道",
            "findings": "泄漏检查三走访",
        },
    ),
    _page(
        "collection:verifications",
        "list",
        lambda w: "/collection/verifications/",
        insider="worker",
        markers=lambda w: [M_PERSON],
    ),
    _page(
        "collection:verifications",
        "write",
        lambda w: "/collection/verifications/",
        method="POST",
        insider="worker",
        refused=(200, 403, 404),
        body=lambda w: {"task": w.verification.pk, "decision": "confirmed"},
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:task-items",
        "list",
        lambda w: "/collection/task-items/",
        insider="township",
        markers=lambda w: [M_TASK],
    ),
    _page(
        "collection:task-items",
        "write",
        lambda w: "/collection/task-items/",
        method="POST",
        insider="township",
        refused=(200, 403, 404),
        body=lambda w: {"delete": w.task_item.pk},
        outsiders=_writes(base=True),
    ),
    _page(
        "collection:imports",
        "list",
        lambda w: "/collection/imports/",
        insider="village",  # the page is not a grid worker's (collection.actions.may_import)
        markers=lambda w: [M_IMPORT],
    ),
    _page(
        "collection:import-detail",
        "detail",
        insider="worker",
        path=lambda w: f"/collection/imports/{w.import_job.pk}/",
    ),
    _page(
        "collection:import-detail",
        "write",
        method="POST",
        insider="worker",
        path=lambda w: f"/collection/imports/{w.import_job.pk}/",
        body=lambda w: {"do": "apply"},
        outsiders=_writes(base=True),
        refused=(200, 403, 404),
    ),
    _page(
        "collection:export-download",
        "detail",
        insider="dispatcher",
        path=lambda w: f"/collection/exports/{w.export_token}/",
        outsiders=(*OUT, "dept", *VIEW_ONLY),
        markers=lambda w: [M_PERSON],
    ),
    # -- risk: warnings, rules, the key-person scorecard ------------------------------
    Case(
        "warning-list",
        "list",
        path=lambda w: "/api/v1/warnings/?limit=500",
        markers=lambda w: [M_PERSON],
        ids=lambda w: {w.warning.pk},
    ),
    Case("warning-detail", "detail", path=lambda w: f"/api/v1/warnings/{w.warning.pk}/"),
    Case(
        "warning-perform",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/warnings/{w.warning.pk}/actions/acknowledge/",
        body=lambda w: {"note": "签收"},
        outsiders=_writes(base=True),
    ),
    Case("person-risk", "detail", path=lambda w: f"/api/v1/people/{w.person.pk}/risk/"),
    Case(
        "warning-rule-list",
        "list",
        insider="admin",
        path=lambda w: "/api/v1/warning-rules/",
        markers=lambda w: [M_RULE],
        outsiders=CONFIG_OUT,
    ),
    Case(
        "warning-rule-list",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/warning-rules/",
        body=lambda w: {
            "name": "泄漏检查新规则",
            "subject_kind": "person",
            "definition": {
                "factors": [{"code": "tag", "weight": 1}],
                "thresholds": {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "green": 1},
            },
        },
        outsiders=CONFIG_OUT,
    ),
    # -- assessment: schemes of 南关区 (assessors: its users; the assessed read their own
    # card once published, assessment/tests/test_api.py), rules (province administrator)
    Case(
        "assessment-scheme-list",
        "list",
        path=lambda w: "/api/v1/assessment/schemes/",
        markers=lambda w: [M_SCHEME],
        ids=lambda w: {str(w.scheme.pk)},
    ),
    Case(
        "assessment-scheme-detail",
        "detail",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/",
    ),
    Case(
        "assessment-scheme-results",
        "detail",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/results/",
    ),
    Case(
        "assessment-scheme-export",
        "detail",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/export/",
    ),
    *[
        Case(
            f"assessment-scheme-{step}",
            "write",
            method="POST",
            insider="admin",
            path=lambda w, step=step, attr=attr: (
                f"/api/v1/assessment/schemes/{getattr(w, attr).pk}/{step}/"
            ),
            outsiders=CONFIG_OUT,
        )
        for step, attr in [
            ("compute", "scheme"),
            ("review", "scheme"),
            ("publish", "scheme_reviewed"),
        ]
    ],
    Case(
        "assessment-scheme-entries",
        "detail",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/entries/",
    ),
    Case(
        "assessment-scheme-entries",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/entries/",
        body=lambda w: {
            "indicator": "M",
            "object": TOWNSHIP,
            "score": 20,
            "evidence": "泄漏检查新佐证",
        },
        outsiders=("kc", "grid2", *VIEW_ONLY),
    ),
    Case(
        "assessment-scheme-review-entry",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/entries/{w.entry.pk}/review/",
        body=lambda w: {"approve": True},
        outsiders=CONFIG_OUT,
    ),
    Case(
        "assessment-scheme-import-entries",
        "write",
        method="POST",
        insider="admin",
        fmt="multipart",
        path=lambda w: f"/api/v1/assessment/schemes/{w.scheme.pk}/import/",
        body=lambda w: {"file": _assessment_xlsx()},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:entries",
        "detail",
        lambda w: f"/assessment/schemes/{w.scheme.pk}/entries/",
    ),
    _page(
        "assessment:entries",
        "write",
        lambda w: f"/assessment/schemes/{w.scheme.pk}/entries/",
        method="POST",
        insider="admin",
        body=lambda w: {"do": "review", "entry": w.entry.pk, "approve": "1"},
        outsiders=CONFIG_OUT,
    ),
    Case(
        "assessment-system-list",
        "list",
        insider="admin",
        path=lambda w: "/api/v1/assessment/systems/",
        markers=lambda w: ["泄漏检查指标体系"],
        outsiders=CONFIG_OUT,
    ),
    Case(
        "assessment-system-list",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/assessment/systems/",
        body=lambda w: {
            "name": "泄漏检查新指标体系",
            "rows": [{"code": "M", "name": "评议", "weight": 100, "source": "manual"}],
        },
        outsiders=CONFIG_OUT,
    ),
    Case(
        "assessment-system-detail",
        "detail",
        insider="admin",
        path=lambda w: f"/api/v1/assessment/systems/{w.scheme.system_id}/",
        outsiders=CONFIG_OUT,
    ),
    _page(
        "cockpit:assessment",
        "detail",
        lambda w: f"/cockpit/panels/assessment/?area={NANGUAN}",
    ),
    _page("assessment:schemes", "list", lambda w: "/assessment/", markers=lambda w: [M_SCHEME]),
    _page("assessment:results", "detail", lambda w: f"/assessment/schemes/{w.scheme.pk}/"),
    _page(
        "assessment:results",
        "write",
        lambda w: f"/assessment/schemes/{w.scheme.pk}/",
        method="POST",
        insider="admin",
        body=lambda w: {"action": "review"},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:card",
        "detail",
        lambda w: f"/assessment/schemes/{w.scheme.pk}/objects/{w.township_code}/",
    ),
    _page(
        "assessment:score",
        "detail",
        lambda w: f"/assessment/schemes/{w.scheme.pk}/objects/{w.township_code}/Q/",
    ),
    _page(
        "assessment:rules",
        "list",
        lambda w: "/assessment/rules/",
        insider="admin",
        markers=lambda w: [M_AS_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:rule-edit",
        "list",  # a provincial setting: 403 for everyone but a province administrator
        lambda w: f"/assessment/rules/{w.assessment_rule.pk}/",
        insider="admin",
        markers=lambda w: [M_AS_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:rule-edit",
        "write",
        lambda w: f"/assessment/rules/{w.assessment_rule.pk}/",
        method="POST",
        insider="admin",
        body=lambda w: {"kind": "linear", "params": '{"low": 0, "high": 20}', "do": "save"},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:rule-new",
        "write",
        lambda w: "/assessment/rules/new/",
        method="POST",
        insider="admin",
        body=lambda w: {
            "name": "泄漏检查新评分规则",
            "kind": "bonus",
            "params": '{"per": 1, "cap": 5}',
            "do": "save",
        },
        outsiders=CONFIG_OUT,
    ),
    # -- assessment: indicator systems (a provincial setting: 403 for all but a province
    # administrator), evidence files of hand-filed scores (the scheme's assessors and the
    # object's own area)
    _page(
        "assessment:systems",
        "list",
        lambda w: "/assessment/systems/",
        insider="admin",
        markers=lambda w: ["泄漏检查指标体系"],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:systems",
        "write",
        lambda w: "/assessment/systems/",
        method="POST",
        insider="admin",
        body=lambda w: {
            "name": "泄漏检查页面指标体系",
            "rows": "指标编码,指标名称,权重,数据来源\nM,评议,100,人工填报",
        },
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:system",
        "list",
        lambda w: f"/assessment/systems/{w.scheme.system_id}/",
        insider="admin",
        markers=lambda w: ["泄漏检查指标体系"],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:entry-file", "detail", lambda w: f"/assessment/entries/files/{w.entry_file.pk}/"
    ),
    # -- self-assessment (自评): 南关区's task book (its area's), a task of the township
    # (its owner's: not another township's, not an uninvolved department's)
    Case(
        "assessment-task-list",
        "list",
        path=lambda w: "/api/v1/assessment/tasks/",
        markers=lambda w: [M_SELF_TASK],
        ids=lambda w: {str(w.self_task.pk)},
        outsiders=OUT_CASES,
    ),
    Case(
        "assessment-task-detail",
        "detail",
        path=lambda w: f"/api/v1/assessment/tasks/{w.self_task.pk}/",
        outsiders=OUT_CASES,
    ),
    Case(
        "assessment-task-progress",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/assessment/tasks/{w.self_task.pk}/progress/",
        body=lambda w: {"percent": 60, "text": "泄漏检查新进展"},
        outsiders=(*OUT_CASES, *VIEW_ONLY),
    ),
    _page(
        "assessment:board",
        "list",
        lambda w: f"/assessment/board/?area={NANGUAN}",
        markers=lambda w: [M_SELF_TASK],
        outsiders=OUT_CASES,
    ),
    _page(
        "assessment:books", "list", lambda w: "/assessment/books/", markers=lambda w: [M_TASKBOOK]
    ),
    _page(
        "assessment:books",
        "write",
        lambda w: "/assessment/books/",
        method="POST",
        insider="admin",
        body=lambda w: {"name": "泄漏检查新任务书", "area": NANGUAN, "year": "2026"},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:book",
        "detail",
        lambda w: f"/assessment/books/{w.taskbook.pk}/",
        markers=lambda w: [M_TASKBOOK, M_SELF_TASK],
    ),
    _page(
        "assessment:book",
        "write",
        lambda w: f"/assessment/books/{w.taskbook.pk}/",
        method="POST",
        insider="admin",
        body=lambda w: {"title": "泄漏检查新任务", "owner": TOWNSHIP, "deadline": "2099-12-31"},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "assessment:task",
        "detail",
        lambda w: f"/assessment/tasks/{w.self_task.pk}/",
        markers=lambda w: [M_SELF_TASK],
        outsiders=OUT_CASES,
    ),
    _page(
        "assessment:task",
        "write",
        lambda w: f"/assessment/tasks/{w.self_task.pk}/",
        method="POST",
        body=lambda w: {"percent": "70", "text": "泄漏检查页面进展"},
        outsiders=(*OUT_CASES, *VIEW_ONLY),
    ),
    _page(
        "assessment:task-file",
        "detail",
        lambda w: f"/assessment/tasks/files/{w.task_file.pk}/",
        outsiders=OUT_CASES,
    ),
    Case(
        "warning-rule-detail",
        "detail",
        insider="admin",
        path=lambda w: f"/api/v1/warning-rules/{w.rule.pk}/",
        outsiders=CONFIG_OUT,
    ),
    Case(
        "warning-rule-detail",
        "write",
        method="PATCH",
        insider="admin",
        path=lambda w: f"/api/v1/warning-rules/{w.rule.pk}/",
        body=lambda w: {"active": False},
        outsiders=CONFIG_OUT,
    ),
    Case(
        "warning-rule-detail",
        "write",
        method="PUT",
        insider="admin",
        path=lambda w: f"/api/v1/warning-rules/{w.rule.pk}/",
        body=lambda w: {"name": "泄漏检查规则改名"},
        outsiders=CONFIG_OUT,
    ),
    Case(
        "warning-rule-preview",
        "list",  # computes on real data (examples name people), writes nothing
        markers=lambda w: [M_PERSON],
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/warning-rules/preview/",
        body=lambda w: {
            "subject_kind": "person",
            "definition": {
                "factors": [{"code": "tag", "weight": 1}],
                "thresholds": {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "green": 1},
            },
        },
        outsiders=CONFIG_OUT,
    ),
    _page(
        "risk:warnings",
        "list",
        lambda w: "/warnings/?box=all",
        markers=lambda w: [M_PERSON],
    ),
    _page("risk:warning", "detail", lambda w: f"/warnings/{w.warning.pk}/"),
    # 处置 evidence files: served through the warning's scope only.
    _page("risk:evidence", "detail", lambda w: f"/warnings/files/{w.evidence.pk}/"),
    _page(
        "risk:warning",
        "write",
        lambda w: f"/warnings/{w.warning.pk}/",
        method="POST",
        body=lambda w: {"action": "acknowledge"},
        outsiders=_writes(base=True),
        refused=(400, 403, 404),
    ),
    _page("risk:person-profile", "detail", lambda w: f"/risk/people/{w.person.pk}/"),
    _page(
        "risk:rules",
        "list",
        lambda w: "/warnings/rules/",
        insider="admin",
        markers=lambda w: [M_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "risk:rule-edit",
        "list",  # a provincial setting: 403 for everyone but a province administrator
        lambda w: f"/warnings/rules/{w.rule.pk}/",
        insider="admin",
        markers=lambda w: [M_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "risk:rule-new",
        "write",
        lambda w: "/warnings/rules/new/",
        method="POST",
        insider="admin",
        body=lambda w: {
            "name": "泄漏检查页面规则",
            "subject_kind": "person",
            "active": "on",
            "factors": '[{"code": "tag", "weight": 1}]',
            **{
                f"t_{k}": v
                for k, v in zip(
                    ["red", "orange", "yellow", "blue", "green"], [5, 4, 3, 2, 1], strict=False
                )
            },
            **{f"h_{k}": 24 for k in ["red", "orange", "yellow", "blue", "green"]},
            "unit_level": 5,
        },
        outsiders=CONFIG_OUT,
    ),
]


def _default_schema(tag: str) -> dict:
    from collection.tag_schemas import default_tag_schemas

    return default_tag_schemas()[tag]


RELEASED = {"original_charge": "盗窃", "sentence": "有期徒刑一年", "release_date": "2025-01-01"}
PETITION = {
    "reason": "征地补偿",
    "petition_count": "3",
    "last_date": "2026-10-01",
    "measures": "包案化解",
}


def _assessment_xlsx():
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["对象编码", "指标编码", "得分", "佐证材料"])
    wb.active.append([TOWNSHIP, "M", 25, "泄漏检查导入佐证"])
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("scores.xlsx", out.getvalue())


def _csv_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "new.csv", f"姓名,证件号码\n某,{ID_NUMBER}\n".encode(), content_type="text/csv"
    )


# URL names that serve no record of any jurisdiction, with the reason. A namespace
# ends in ":" and covers all its names.
NO_DATA: dict[str, str] = {
    "login": "the login form; lockout and enumeration are the auth stream's tests",
    "logout": "ends the caller's own session",
    "set_language": "sets the caller's language",
    "collection:map": "the map's frame: its points come from collection-points (probed above)",
    "django-admin-moved": "redirects to /manage/ (Django's admin is closed, docs/security.md)",
    "manage:home": "the sections of 管理后台 the caller's roles open; no records",
    "manage-calendar:calendar": "the national calendar, the same for everyone (POST above)",
    "manage-collection:schemas": "the province-wide schemas (their writes are probed above)",
    "manage-collection:field-policy": "the field policy declared in code: no records",
    "schema": "the OpenAPI document: the shape of the API, no records",
    "swagger-ui": "the page that renders the OpenAPI document",
    "public-report": "the citizens' report form: anonymous by design (web stream: item 11)",
    "open311-discovery": "the GeoReport v2 discovery document: endpoints and formats",
    "two-factor-setup": "the caller's own authenticator enrolment (auth stream's tests)",
    "two-factor-verify": "the caller's own second-factor code (auth stream's tests)",
    "open311-services": "the public list of categories (GeoReport v2 services)",
    "open311-service": "one category's definition",
    "event-category-detail": "one category of the province-wide tree, read by everyone",
    "import-job-template": "the empty spreadsheet template of a dataset",
    "tag-schemas": "the province-wide schemas of the tags' extra fields",
    "extra-schemas": "the province-wide schemas of the datasets' extra fields",
    "events:report": "GET is the empty report form (its POST is a case above)",
    "collection:person-new": "GET is the empty form for the caller's own grids",
    "collection:house-new": "GET is the empty form for the caller's own grids",
    "collection:visit-new": "GET is the empty form for the caller's own grids",
}
NO_DATA["assessment:rule-new"] = "GET: the empty rule form (its POST is a case above)"
NO_DATA["risk:rule-new"] = "GET: the empty rule form (its POST is a case above)"
NO_DATA["mediation-public"] = (
    "the parties' QR page: a random token and a phone check, no login "
    "(mediation/tests/test_rates_api_public.py)"
)
NO_DATA["event-category-list"] = "GET: the province-wide category tree, read by everyone"
NO_DATA["tag-schema"] = "GET: one province-wide tag schema (PUT/DELETE probed above)"
NO_DATA["extra-schema"] = "GET: one province-wide extra-field schema (PUT/DELETE above)"
NO_DATA["collection:service-worker"] = (
    "the grid workers' offline app: script with the shell's URLs, the same for everyone"
)
NO_DATA["collection:manifest"] = "the grid workers' web app manifest: name, icons, start URL"
NO_DATA["collection:sync"] = (
    "the phone's sync screen: an empty page the phone fills from its own store (outbox.js)"
)
NO_DATA["collection:offline-key"] = (
    "the signed-in grid worker's own sealing keys: the outbox key and this session's "
    "key of the kept lists (401/403 for anyone else); no record"
)
NO_DATA["collection:offline-data"] = (
    "outlines of the caller's own grids and those around them (as the pick map shows), "
    "the category list and the API list URLs; 403 for anyone not a grid worker"
)


def _link_pk(w: World) -> int | None:
    """The world's court link (None once the insider's removal took it, until the
    test's savepoint rolls back: the case's path is read again for its message)."""
    from mediation.models import MediationLink

    return (
        MediationLink.objects.filter(department=w.department).values_list("pk", flat=True).first()
    )


# -- mediation: disputes, their actions, rates, organisations, pages and files -----------
# No department scoping: a department of the county reads the county's disputes, as it
# reads base data (OUT); writes are refused to the view-only roles too.
MEDIATION_WRITE_OUT = (*OUT, *VIEW_ONLY)
_SPAN = "from=2000-01-01&to=2100-12-31"
MEDIATION_CASES = [
    Case(
        "dispute-list",
        "list",
        path=lambda w: "/api/v1/disputes/?limit=500",
        markers=lambda w: [M_DISPUTE],
        ids=lambda w: {w.dispute.pk},
    ),
    Case(
        "dispute-list",
        "write",
        method="POST",
        path=lambda w: "/api/v1/disputes/",
        body=lambda w: {
            "grid": GRID,
            "title": "泄漏检查新纠纷",
            "type": "neighbour",
            "parties": [{"name": "泄漏检查新当事人"}],
        },
        outsiders=MEDIATION_WRITE_OUT,
    ),
    Case("dispute-detail", "detail", path=lambda w: f"/api/v1/disputes/{w.dispute.pk}/"),
    Case(
        "dispute-perform",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/disputes/{w.dispute.pk}/actions/code/",
        body=lambda w: {"code": 5, "reason": "泄漏检查理由"},
        outsiders=MEDIATION_WRITE_OUT,
    ),
    Case(
        "dispute-rates",
        "detail",
        path=lambda w: f"/api/v1/disputes/rates/?area={GRID}&{_SPAN}",
    ),
    Case(
        "mediation-org-list",
        "list",
        path=lambda w: "/api/v1/mediation-orgs/",
        markers=lambda w: [M_MEDIATION_ORG],
    ),
    _page("mediation:list", "list", lambda w: "/mediation/", markers=lambda w: [M_DISPUTE]),
    _page("mediation:detail", "detail", lambda w: f"/mediation/{w.dispute.pk}/"),
    _page(
        "mediation:detail",
        "write",
        lambda w: f"/mediation/{w.dispute.pk}/",
        method="POST",
        body=lambda w: {"action": "code", "code": "5", "reason": "泄漏检查理由"},
        outsiders=MEDIATION_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "mediation:intake",
        "write",
        lambda w: "/mediation/new/",
        method="POST",
        body=lambda w: {
            "grid": GRID,
            "title": "泄漏检查页面纠纷",
            "type": "neighbour",
            "p0_name": "泄漏检查页面当事人",
        },
        outsiders=MEDIATION_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    _page("mediation:qr", "detail", lambda w: f"/mediation/{w.dispute.pk}/qr.svg"),
    _page(
        "mediation:agreement-file",
        "detail",
        lambda w: f"/mediation/{w.dispute.pk}/agreements/{w.dispute.agreements.get().pk}.pdf",
    ),
    _page("mediation:rates", "detail", lambda w: f"/mediation/rates/?area={GRID}&{_SPAN}"),
    _page("mediation:rates-export", "detail", lambda w: f"/mediation/rates/export/?area={GRID}"),
    # 调解码规则: the province administrator's settings.
    _page(
        "mediation:rules",
        "list",
        lambda w: "/mediation/rules/",
        insider="admin",
        markers=lambda w: [M_CODE_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:rule-edit",
        "list",
        lambda w: f"/mediation/rules/{w.code_rule.pk}/",
        insider="admin",
        markers=lambda w: [M_CODE_RULE],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:rule-new",
        "write",
        lambda w: "/mediation/rules/new/",
        method="POST",
        insider="admin",
        body=lambda w: {"name": "泄漏检查新调解码规则", "code": "3", "min_parties": "3"},
        outsiders=CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    # 对接部门: the province administrator's settings (the world's court: w.department).
    _page(
        "mediation:links",
        "list",
        lambda w: "/mediation/links/",
        insider="admin",
        markers=lambda w: [w.department.name],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:links",
        "write",
        lambda w: "/mediation/links/",
        method="POST",
        insider="admin",
        body=lambda w: {"department": w.other_department.code, "kind": "police"},
        outsiders=CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "mediation:link-edit",
        "list",
        lambda w: f"/mediation/links/{_link_pk(w)}/",
        insider="admin",
        markers=lambda w: [w.department.name],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:link-edit",
        "write",
        lambda w: f"/mediation/links/{_link_pk(w)}/",
        method="POST",
        insider="admin",
        body=lambda w: {"kind": "petition"},
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:link-remove",
        "list",
        lambda w: f"/mediation/links/{_link_pk(w)}/remove/",
        insider="admin",
        markers=lambda w: [w.department.name],
        outsiders=CONFIG_OUT,
    ),
    _page(
        "mediation:link-remove",
        "write",
        lambda w: f"/mediation/links/{_link_pk(w)}/remove/",
        method="POST",
        insider="admin",
        outsiders=CONFIG_OUT,
    ),
    # The intake's lookup by ID number: the person of the grid, masked; nothing for a
    # clerk of another county or a worker of another township.
    _page(
        "mediation:party-lookup",
        "list",
        lambda w: f"/mediation/parties/lookup/?id_number={ID_NUMBER}",
        markers=lambda w: [M_PERSON],
    ),
    # 诉调对接: the linked court's list (a department that is no link: 403; one dispute: 404).
    Case(
        "dispute-link-list",
        "list",
        path=lambda w: "/api/v1/dispute-links/",
        insider="handler",
        outsiders=OUT_CASES,
        markers=lambda w: [M_DISPUTE],
        ids=lambda w: {w.dispute.pk},
    ),
    Case(
        "dispute-link-detail",
        "detail",
        path=lambda w: f"/api/v1/dispute-links/{w.dispute.pk}/",
        insider="handler",
        outsiders=OUT_CASES,
    ),
    Case(
        "dispute-link-list",
        "write",
        method="POST",
        path=lambda w: "/api/v1/dispute-links/",
        insider="handler",
        body=lambda w: {
            "grid": GRID,
            "title": "泄漏检查诉调纠纷",
            "type": "contract",
            "parties": [{"name": "泄漏检查诉调当事人"}],
        },
        outsiders=(*OUT_CASES, *VIEW_ONLY),
    ),
]
CASES += MEDIATION_CASES


def params(cases: list[Case]):
    """(case, outsider, auth) for pytest, with the xfails of known, assigned leaks."""
    out = []
    for case in cases:
        actors = [*case.outsiders, *(["insider"] if case.insider else [])]
        for actor in actors:
            auths = ("session", "token") if case.api else ("session",)
            if actor == "dept" and case.api:  # also as its department's system
                auths = (*auths, "department")
            for auth in auths:
                if actor == "anon" and auth == "token":
                    continue
                marks = ()
                if actor in case.xfail:
                    marks = (pytest.mark.xfail(strict=True, reason=case.xfail[actor]),)
                out.append(
                    pytest.param(case, actor, auth, marks=marks, id=f"{case.id}-{actor}-{auth}")
                )
    return out


# -- command and dispatch (command/): commands, positions, plans, activations -----------
# Commands are seen by their area's issuers and leaders and by their recipients; a
# department handler sees only what was addressed to the department; positions by the
# unit staff and leaders of their area; plans by the administrators and issuers of the
# plan's area or below.
CMD_OUT = ("kc", "grid2", "dept", "kc_auditor")
CMD_WRITE_OUT = ("kc", "grid2", "dept", "auditor", "kc_auditor")
RESPOND_OUT = ("kc", "grid2", "dept", "dispatcher", *VIEW_ONLY)
PLAN_CONFIG_OUT = (*CMD_OUT, *VIEW_ONLY, "dispatcher", "kc_admin")


def _deadline() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(hours=6)).isoformat()


def _command_body(w: World) -> dict:
    return {
        "title": "泄漏检查新指令",
        "area": NANGUAN,
        "deadline": _deadline(),
        "users": [w.worker.pk],
    }


def _plan_body(w: World) -> dict:
    return {
        "name": "泄漏检查新预案",
        "area": NANGUAN,
        "steps": [{"title": "泄漏检查新步骤", "unit_level": 4, "offset": 3}],
    }


def _page_deadline() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localtime(timezone.now() + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")


COMMAND_CASES = [
    Case(
        "command-list",
        "list",
        path=lambda w: "/api/v1/commands/?limit=500",
        markers=lambda w: [M_COMMAND],
        ids=lambda w: {w.command.pk},
        outsiders=(*CMD_OUT, "anon"),
    ),
    Case(
        "command-list",
        "write",
        method="POST",
        path=lambda w: "/api/v1/commands/",
        body=_command_body,
        outsiders=CMD_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    Case(
        "command-detail",
        "detail",
        path=lambda w: f"/api/v1/commands/{w.command.pk}/",
        outsiders=CMD_OUT,
    ),
    *[
        Case(
            f"command-{name}",
            "write",
            method="POST",
            insider="worker",
            path=lambda w, name=name: f"/api/v1/commands/{w.command.pk}/{name}/",
            body=lambda w: {"note": "泄漏检查反馈"},
            outsiders=RESPOND_OUT,
        )
        for name in ("sign", "progress", "feedback")
    ],
    Case(
        "position-list",
        "list",
        path=lambda w: "/api/v1/positions/",
        markers=lambda w: [position_marker(w)],
        outsiders=(*CMD_OUT, "anon"),
    ),
    # One's own position: who holds no unit role has none to share.
    Case(
        "position-list",
        "write",
        method="POST",
        insider="village",
        path=lambda w: "/api/v1/positions/",
        body=lambda w: {"lng": w.grid.centroid.x, "lat": w.grid.centroid.y, "accuracy": 20},
        outsiders=("dept", *VIEW_ONLY),
    ),
    Case(
        "position-nearest",
        "list",
        path=lambda w: f"/api/v1/positions/nearest/?event={w.events['accepted'].number}",
        markers=lambda w: [position_marker(w)],
        outsiders=(*CMD_OUT, "anon"),
    ),
    Case(
        "position-route",
        "detail",
        path=lambda w: f"/api/v1/positions/route/?user={w.worker.pk}",
        outsiders=CMD_OUT,
    ),
    Case(
        "plan-list",
        "list",
        path=lambda w: "/api/v1/plans/",
        markers=lambda w: [M_PLAN],
        ids=lambda w: {w.plan.pk},
        outsiders=(*CMD_OUT, "anon"),
    ),
    Case(
        "plan-list",
        "write",
        method="POST",
        insider="admin",
        path=lambda w: "/api/v1/plans/",
        body=_plan_body,
        outsiders=PLAN_CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    Case("plan-detail", "detail", path=lambda w: f"/api/v1/plans/{w.plan.pk}/", outsiders=CMD_OUT),
    *[
        Case(
            "plan-detail",
            "write",
            method=method,
            insider="admin",
            path=lambda w: f"/api/v1/plans/{w.plan.pk}/",
            body=lambda w: {"name": "泄漏检查改名预案"},
            outsiders=PLAN_CONFIG_OUT,
        )
        for method in ("PUT", "PATCH")
    ],
    Case(
        "plan-activation-list",
        "list",
        path=lambda w: "/api/v1/plan-activations/",
        markers=lambda w: [M_PLAN],
        ids=lambda w: {w.activation.pk, w.proposal.pk},
        outsiders=(*CMD_OUT, "anon"),
    ),
    Case(
        "plan-activation-list",
        "write",
        method="POST",
        path=lambda w: "/api/v1/plan-activations/",
        body=lambda w: {"plan": w.plan.pk, "event": w.events["handling"].number},
        outsiders=CMD_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    Case(
        "plan-activation-detail",
        "detail",
        path=lambda w: f"/api/v1/plan-activations/{w.activation.pk}/",
        outsiders=CMD_OUT,
    ),
    Case(
        "plan-activation-accept",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/plan-activations/{w.proposal.pk}/accept/",
        outsiders=CMD_WRITE_OUT,
    ),
    Case(
        "plan-activation-close",
        "write",
        method="POST",
        path=lambda w: f"/api/v1/plan-activations/{w.activation.pk}/close/",
        body=lambda w: {"summary": "泄漏检查总结"},
        outsiders=CMD_WRITE_OUT,
    ),
    # Pages.
    _page(
        "command:list",
        "list",
        lambda w: "/command/",
        markers=lambda w: [M_COMMAND],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page(
        "command:new",
        "write",
        lambda w: "/command/new/",
        method="POST",
        body=lambda w: {
            "area": NANGUAN,
            "title": "泄漏检查页面指令",
            "deadline": _page_deadline(),
            "users": [w.worker.pk],
        },
        outsiders=CMD_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "command:mine",
        "list",
        lambda w: "/command/mine/",
        insider="worker",
        markers=lambda w: [M_COMMAND],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page(
        "command:map",
        "list",
        lambda w: f"/command/map/?area={NANGUAN}",
        markers=lambda w: [M_COMMAND, M_PLAN],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page(
        "command:map-data",
        "list",
        lambda w: f"/command/map/data/?area={NANGUAN}",
        markers=lambda w: [M_EVENT, position_marker(w)],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page("command:detail", "detail", lambda w: f"/command/{w.command.pk}/", outsiders=CMD_OUT),
    _page(
        "command:detail",
        "write",
        lambda w: f"/command/{w.command.pk}/",
        method="POST",
        insider="worker",
        body=lambda w: {"action": "sign"},
        outsiders=RESPOND_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "command:evidence",
        "detail",
        lambda w: f"/command/files/{w.command_file.pk}/",
        outsiders=CMD_OUT,
    ),
    _page(
        "command:plans",
        "list",
        lambda w: "/command/plans/",
        markers=lambda w: [M_PLAN],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page(
        "command:plan-new",
        "write",
        lambda w: "/command/plans/new/",
        method="POST",
        insider="admin",
        body=lambda w: {
            "area": NANGUAN,
            "name": "泄漏检查页面预案",
            "min_urgency": "urgent",
            "step-0-title": "泄漏检查页面步骤",
            "step-0-who": "level:4",
            "step-0-offset": "2",
            "step-0-offset_unit": "hours",
        },
        outsiders=PLAN_CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    _page("command:plan", "detail", lambda w: f"/command/plans/{w.plan.pk}/", outsiders=CMD_OUT),
    _page(
        "command:plan",
        "write",
        lambda w: f"/command/plans/{w.plan.pk}/",
        method="POST",
        insider="admin",
        body=lambda w: {
            "name": "泄漏检查页面改名",
            "min_urgency": "normal",
            "active": "on",
            "step-0-title": "泄漏检查页面步骤",
            "step-0-who": "level:4",
            "step-0-offset": "2",
            "step-0-offset_unit": "hours",
        },
        outsiders=PLAN_CONFIG_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "command:plan-file",
        "detail",
        lambda w: f"/command/plans/files/{w.plan_file.pk}/",
        outsiders=CMD_OUT,
    ),
    _page(
        "command:activate",
        "list",
        lambda w: f"/command/activate/?event={w.events['handling'].number}",
        markers=lambda w: [M_PLAN],
        outsiders=(*CMD_OUT, "anon"),
    ),
    _page(
        "command:activate",
        "write",
        lambda w: "/command/activate/",
        method="POST",
        body=lambda w: {"plan": w.plan.pk, "event": w.events["handling"].number},
        outsiders=CMD_WRITE_OUT,
        refused=(400, 403, 404),
    ),
    _page(
        "command:activation",
        "detail",
        lambda w: f"/command/activations/{w.activation.pk}/",
        outsiders=CMD_OUT,
    ),
    _page(
        "command:activation",
        "write",
        lambda w: f"/command/activations/{w.activation.pk}/",
        method="POST",
        body=lambda w: {"action": "close", "summary": "泄漏检查页面总结"},
        outsiders=CMD_WRITE_OUT,
        refused=(400, 403, 404),
    ),
]
CASES += COMMAND_CASES
NO_DATA["command:new"] = "GET: the empty command form for the caller's own areas (POST above)"
NO_DATA["command:plan-new"] = "GET: the empty plan form (its POST is a case above)"
