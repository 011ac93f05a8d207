"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2/.

services.json and reading requests are public, as the standard intends, but only
for requests filed through Open311 and without any personal data (no names, no
phone numbers); with its `api_key` a client reads just the requests it filed. Filing
needs an `api_key` issued to the outside system (`open311_client_create`). Requests
enter the process like citizens' reports: they wait for moderation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from governance.audit import audit_record

from .models import Event, EventCategory, Open311Client, Source, Status
from .services import event_report

CLOSED = {Status.CLOSED, Status.VERIFIED, Status.ARCHIVED, Status.MERGED, Status.REJECTED}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(*, actor, name: str) -> tuple[Open311Client, str]:
    raw = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, key_hash=_hash(raw), key_prefix=raw[:8])
    audit_record(actor=actor, action="open311.client_create", obj=client)
    return client, raw


def _client(request) -> Open311Client | None:
    key = request.POST.get("api_key") or request.GET.get("api_key")
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=_hash(key), active=True).first()


def _error(code: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": code, "description": description}], status=code, safe=False)


def _service(c: EventCategory) -> dict:
    return {"service_code": c.code, "service_name": c.name,
            "description": f"{c.parent.name} · {c.name}" if c.parent_id else c.name,
            "metadata": False, "type": "realtime", "keywords": "",
            "group": c.parent.name if c.parent_id else c.name}


def _request(e) -> dict:
    return {
        "service_request_id": e.number,
        "status": "closed" if e.status in CLOSED else "open",
        "status_notes": e.get_status_display() + (f":{e.result}" if e.result else ""),
        "service_name": e.category.name, "service_code": e.category.code,
        "description": e.description, "agency_responsible":
            e.current_department.name if e.current_department_id else e.current_area.name,
        "service_notice": "", "requested_datetime": e.reported_at.isoformat(),
        "updated_datetime": e.updated_at.isoformat(),
        "expected_datetime": e.deadline.isoformat() if e.deadline else None,
        "address": e.address, "address_id": "", "zipcode": "",
        "lat": e.location.y if e.location else None,
        "long": e.location.x if e.location else None, "media_url": "",
    }


@require_http_methods(["GET"])
def services(request, fmt="json"):
    cats = EventCategory.objects.filter(active=True, parent__isnull=False).select_related("parent")
    return JsonResponse([_service(c) for c in cats], safe=False)


@require_http_methods(["GET"])
def service_definition(request, code, fmt="json"):
    if not EventCategory.objects.filter(code=code, active=True).exists():
        return _error(404, "service_code not found")
    return JsonResponse({"service_code": code, "attributes": []})


def _readable(request):
    """Requests a reader may see: a keyed client its own, anyone the Open311 ones."""
    client = _client(request)
    qs = client.events.all() if client is not None else Event.objects.filter(
        source=Source.OPEN311)
    return qs.select_related("category", "current_area", "current_department")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt="json"):
    if request.method == "POST":
        client = _client(request)
        if client is None:
            return _error(403, "api_key missing or invalid")
        return _create(request, client)
    if (request.GET.get("api_key")) and _client(request) is None:
        return _error(403, "api_key invalid")
    qs = _readable(request)
    ids = request.GET.get("service_request_id")
    if ids:
        qs = qs.filter(number__in=[i.strip() for i in ids.split(",")])
    else:
        codes = request.GET.get("service_code")
        if codes:
            qs = qs.filter(category__code__in=codes.split(","))
        start, end = _date(request.GET.get("start_date")), _date(request.GET.get("end_date"))
        end = end or timezone.now()
        start = start or end - timedelta(days=90)
        qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
        status = request.GET.get("status")
        if status == "open":
            qs = qs.exclude(status__in=CLOSED)
        elif status == "closed":
            qs = qs.filter(status__in=CLOSED)
    return JsonResponse([_request(e) for e in qs.order_by("-reported_at")[:1000]], safe=False)


@require_http_methods(["GET"])
def request_detail(request, number, fmt="json"):
    e = _readable(request).filter(number=number).first()
    if e is None:
        return _error(404, "service_request_id not found")
    return JsonResponse([_request(e)], safe=False)


def _date(value) -> datetime | None:
    if not value:
        return None
    return parse_datetime(value)


def _create(request, client: Open311Client) -> JsonResponse:
    p = request.POST
    category = EventCategory.objects.filter(code=p.get("service_code"), active=True).first()
    if category is None:
        return _error(400, "service_code missing or unknown")
    if not p.get("lat") or not p.get("long"):
        return _error(400, "lat and long are required (address_id lookup is not supported)")
    try:
        with transaction.atomic():
            event = event_report(
                actor=None, title=(p.get("description") or category.name)[:60],
                description=p.get("description", ""), category=category,
                source=Source.OPEN311, lng=p.get("long"), lat=p.get("lat"),
                crs=p.get("crs", "wgs84"), address=p.get("address_string", ""),
                reporter_name=" ".join(filter(None, [p.get("last_name"), p.get("first_name")])),
                reporter_phone=p.get("phone", ""))
            event.open311_client = client
            event.save(update_fields=["open311_client"])
    except (ValidationError, ValueError) as exc:
        return _error(400, " ".join(getattr(exc, "messages", [str(exc)])))
    return JsonResponse([{"service_request_id": event.number,
                          "service_notice": "已受理登记,待审核 Received, awaiting review",
                          "account_id": None}], safe=False, status=201)
