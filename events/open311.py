"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Every endpoint answers in both formats of the specification, chosen by the extension:
`.xml` (the specification's default, also used when the extension is left out) and
`.json`; errors too, as the specification's error document (`<errors><error><code/>
<description/></error></errors>`, or `[{"code", "description"}]`), with the HTTP status
of the error. `discovery.{xml,json}` describes the endpoint.

services and reading requests are public, as the standard intends, but only for
requests filed through Open311 and without any personal data (no names, no phone
numbers); with its `api_key` a client reads just the requests it filed. Filing needs an
`api_key` issued to the outside system (`open311_client_create`). Requests enter the
process like citizens' reports: they wait for moderation.

A request needs a location: `lat` and `long`, or an `address_string`. An address alone
is matched against the names of the area tree (grids.geocode); when that names a grid
the request is filed in it, otherwise it is held for moderation at the area the address
names (the whole tree when it names none), without a grid, until a moderator sets one
(events.services.event_locate). `address_id` (an address registry of the jurisdiction)
is not supported.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from functools import wraps
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from governance.audit import audit_record
from grids.geocode import area_for_address
from grids.models import Area

from .models import Event, EventCategory, Open311Client, Source, Status
from .services import event_report

CLOSED = {Status.CLOSED, Status.VERIFIED, Status.ARCHIVED, Status.MERGED, Status.REJECTED}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00Z"  # when this endpoint's behaviour last changed
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json"}
# XML element of one item of a list, by the list's element (the specification's names).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(*, actor, name: str) -> tuple[Open311Client, str]:
    raw = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, key_hash=_hash(raw), key_prefix=raw[:8])
    audit_record(actor=actor, action="open311.client_create", obj=client)
    return client, raw


# -- the two formats ------------------------------------------------------------------


def _xml_element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_xml_element(key, child))
    elif isinstance(value, (list, tuple)):
        for child in value:
            element.append(_xml_element(ITEM_TAGS.get(tag, "item"), child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def _render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` in the requested format: XML under `root` (a list's items named by
    ITEM_TAGS), JSON as is (lists stay bare arrays, as in the specification)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = ET.tostring(_xml_element(root, data), encoding="unicode", xml_declaration=True)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": code, "description": description}], status=code)


def open311_endpoint(*methods):
    """The format from the URL (XML by default), the allowed methods, and every refusal
    as the specification's error document in that format."""

    def decorate(view):
        @csrf_exempt  # outside systems authenticate with api_key, not cookies
        @wraps(view)
        def wrapper(request, *args, fmt=None, **kwargs):
            fmt = (fmt or "xml").lower()
            if fmt not in CONTENT_TYPES:
                return _error("xml", 404, _("不支持的格式,请用 .xml 或 .json。"))
            if request.method not in methods:
                response = _error(fmt, 405, _("不支持该请求方法。"))
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, fmt, *args, **kwargs)

        return wrapper

    return decorate


# -- documents ------------------------------------------------------------------------


def _service(c: EventCategory) -> dict:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": f"{c.parent.name} · {c.name}" if c.parent_id else c.name,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": c.parent.name if c.parent_id else c.name,
    }


def _request(e) -> dict:
    return {
        "service_request_id": e.number,
        "status": "closed" if e.status in CLOSED else "open",
        "status_notes": e.get_status_display() + (f":{e.result}" if e.result else ""),
        "service_name": e.category.name,
        "service_code": e.category.code,
        "description": e.description,
        "agency_responsible": e.current_department.name
        if e.current_department_id
        else e.current_area.name,
        "service_notice": "",
        "requested_datetime": e.reported_at.isoformat(),
        "updated_datetime": e.updated_at.isoformat(),
        "expected_datetime": e.deadline.isoformat() if e.deadline else None,
        "address": e.address,
        "address_id": "",
        "zipcode": "",
        "lat": e.location.y if e.location else None,
        "long": e.location.x if e.location else None,
        "media_url": "",
    }


@open311_endpoint("GET")
def discovery(request, fmt):
    root = request.build_absolute_uri("/open311/v2").rstrip("/")
    return _render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("GridGov 平台管理员(社会治理综合指挥中心)"),
            "key_service": _("向平台管理员申请 api_key,提交请求时附上。"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": root,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_endpoint("GET")
def services(request, fmt):
    cats = (
        EventCategory.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("code")
    )
    return _render(fmt, "services", [_service(c) for c in cats])


@open311_endpoint("GET")
def service_definition(request, fmt, code):
    if not EventCategory.objects.filter(code=code, active=True).exists():
        return _error(fmt, 404, _("未找到该服务代码(service_code)。"))
    return _render(fmt, "service_definition", {"service_code": code, "attributes": []})


def _client(request) -> Open311Client | None:
    key = request.POST.get("api_key") or request.GET.get("api_key")
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=_hash(key), active=True).first()


def _readable(request):
    """Requests a reader may see: a keyed client its own, anyone the Open311 ones."""
    client = _client(request)
    qs = client.events.all() if client is not None else Event.objects.filter(source=Source.OPEN311)
    return qs.select_related("category", "current_area", "current_department")


@open311_endpoint("GET", "POST")
def requests_view(request, fmt):
    if request.method == "POST":
        client = _client(request)
        if client is None:
            return _error(fmt, 403, _("api_key 缺失或无效。"))
        return _create(request, fmt, client)
    if request.GET.get("api_key") and _client(request) is None:
        return _error(fmt, 403, _("api_key 无效。"))
    qs = _readable(request)
    ids = request.GET.get("service_request_id")
    if ids:
        qs = qs.filter(number__in=[i.strip() for i in ids.split(",")][:100])
    else:
        codes = request.GET.get("service_code")
        if codes:
            qs = qs.filter(category__code__in=codes.split(",")[:100])
        try:
            start, end = _date(request.GET.get("start_date")), _date(request.GET.get("end_date"))
        except ValueError:
            return _error(
                fmt, 400, _("start_date 与 end_date 须为 W3C 日期时间,如 2026-01-01T00:00:00Z。")
            )
        end = end or timezone.now()
        start = start or end - timedelta(days=90)
        qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
        wanted = {s for s in request.GET.get("status", "").split(",") if s}
        if wanted - {"open", "closed"}:
            return _error(fmt, 400, _("status 只能是 open 或 closed。"))
        if wanted == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
    return _render(
        fmt, "service_requests", [_request(e) for e in qs.order_by("-reported_at")[:1000]]
    )


@open311_endpoint("GET")
def request_detail(request, fmt, number):
    if request.GET.get("api_key") and _client(request) is None:
        return _error(fmt, 403, _("api_key 无效。"))
    e = _readable(request).filter(number=number).first()
    if e is None:
        return _error(fmt, 404, _("未找到该请求(service_request_id)。"))
    return _render(fmt, "service_requests", [_request(e)])


def _date(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(value)
    return parsed


def _place(p) -> tuple[dict, str | None]:
    """event_report's location arguments from the request, or an error description."""
    lat, lng = p.get("lat", "").strip(), p.get("long", "").strip()
    address = p.get("address_string", "").strip()
    if lat or lng:
        if not (lat and lng):
            return {}, _("lat 与 long 须同时提供。")
        return {"lat": lat, "lng": lng, "crs": p.get("crs", "wgs84")}, None
    if address:
        # The deepest area the address names, or the whole tree (its root) when it
        # names none: held there for moderation (module docstring).
        area = (
            area_for_address(address)
            or Area.objects.filter(parent__isnull=True).order_by("code").first()
        )
        if area is None:
            return {}, _("无法确定该地址的位置,请提供 lat 与 long。")
        return {"area": area}, None
    if p.get("address_id"):
        return {}, _("不支持 address_id,请提供 address_string 或 lat 与 long。")
    return {}, _("请提供位置:lat 与 long,或 address_string。")


def _create(request, fmt: str, client: Open311Client) -> HttpResponse:
    p = request.POST
    category = EventCategory.objects.filter(
        code=p.get("service_code", ""), active=True, parent__isnull=False
    ).first()
    if category is None:
        return _error(fmt, 400, _("service_code 缺失或未知。"))
    place, problem = _place(p)
    if problem:
        return _error(fmt, 400, problem)
    try:
        with transaction.atomic():
            event = event_report(
                actor=None,
                title=(p.get("description") or category.name)[:60],
                description=p.get("description", ""),
                category=category,
                source=Source.OPEN311,
                address=p.get("address_string", ""),
                reporter_name=" ".join(filter(None, [p.get("last_name"), p.get("first_name")])),
                reporter_phone=p.get("phone", ""),
                **place,
            )
            event.open311_client = client
            event.save(update_fields=["open311_client"])
    except (ValidationError, ValueError) as exc:
        return _error(fmt, 400, " ".join(getattr(exc, "messages", [str(exc)])))
    return _render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": event.number,
                "service_notice": _("已受理登记,待审核。"),
                "account_id": None,
            }
        ],
        status=201,
    )
