"""Staff positions: a field worker's phone reports its own position (at most once a
minute, only inside China's bounding box, with a plausible accuracy); the command map
reads the last position per person in the reader's jurisdiction, the nearest available
staff to an event, and a person's route of the day; positions older than 30 days are
deleted (privacy, Celery beat).

A position report is not copied into the audit trail: the trail is kept for years, and
a copy of every point would defeat the 30-day retention of where people were. The rows
themselves are the record; the purge is audited.
"""

from __future__ import annotations

import datetime
import math

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import LineString, Point
from django.contrib.gis.measure import D
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.access import require
from governance.audit import audit_record
from governance.errors import Forbidden, NotFound, ServiceError
from governance.roles import UNIT_ROLES
from governance.scoping import user_role_rows

from .actions import POSITION_REPORT, POSITION_VIEW
from .models import StaffLastPosition, StaffPosition

# China's bounding box (WGS84).
LNG_RANGE = (73.0, 135.0)
LAT_RANGE = (18.0, 54.0)
MAX_ACCURACY_M = 5000.0
MIN_INTERVAL = datetime.timedelta(seconds=60)
RETENTION = datetime.timedelta(days=30)
# "Available": the last position is at most this old.
AVAILABLE_MINUTES = 60
NEAREST_RADIUS_KM = 50


class TooFrequent(ServiceError):
    status_code = 429
    default_code = "too_frequent"


def _number(value, label) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(l)s必须是数字。") % {"l": label}, code="invalid") from None
    if not math.isfinite(n):
        raise ValidationError(_("%(l)s必须是数字。") % {"l": label}, code="invalid")
    return n


def position_check(lng, lat, accuracy) -> tuple[float, float, float]:
    lng, lat = _number(lng, _("经度")), _number(lat, _("纬度"))
    accuracy = _number(accuracy, _("定位精度"))
    if not (LNG_RANGE[0] <= lng <= LNG_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        raise ValidationError(
            _("位置不在中国境内(经度 73–135,纬度 18–54),未保存。"), code="outside_china"
        )
    if not 0 < accuracy <= MAX_ACCURACY_M:
        raise ValidationError(
            _("定位精度无效(须大于 0 且不超过 5000 米),未保存。"), code="invalid_accuracy"
        )
    return lng, lat, accuracy


def unit_path_of(user) -> str:
    """The deepest area where the user holds a unit role (their place of duty)."""
    paths = [p for role, _a, p, _d in user_role_rows(user) if role in UNIT_ROLES]
    return max(paths, key=len) if paths else ""


@transaction.atomic
def position_report(*, actor, lng, lat, accuracy, now=None) -> StaffPosition:
    """The actor's own position; refused (429 `too_frequent`) within a minute of the last
    one, so a misbehaving phone cannot flood the table."""
    unit = unit_path_of(actor)
    if not unit:
        raise Forbidden(_("只有网格员和基层工作人员可以共享位置。"), code="forbidden")
    require(actor, unit, POSITION_REPORT)
    lng, lat, accuracy = position_check(lng, lat, accuracy)
    now = now or timezone.now()
    last = StaffLastPosition.objects.select_for_update().filter(user=actor).first()
    if last is not None and now - last.recorded_at < MIN_INTERVAL:
        raise TooFrequent(_("位置上报过于频繁,每分钟最多一次。"), code="too_frequent")
    point = Point(lng, lat, srid=4326)
    position = StaffPosition.objects.create(
        user=actor, location=point, accuracy=accuracy, recorded_at=now, area_path=unit
    )
    StaffLastPosition.objects.update_or_create(
        user=actor,
        defaults={"location": point, "accuracy": accuracy, "recorded_at": now, "area_path": unit},
    )
    return position


def positions_last(*, user, area_path: str | None = None, now=None):
    """The last position of each staff member in the user's jurisdiction, with its age
    in seconds (`age`)."""
    now = now or timezone.now()
    qs = StaffLastPosition.objects.restrict(user, POSITION_VIEW).select_related("user")
    if area_path:
        qs = qs.filter(area_path__startswith=area_path)
    return qs.order_by("-recorded_at")


def age_seconds(recorded_at, now=None) -> int:
    return max(0, int(((now or timezone.now()) - recorded_at).total_seconds()))


def staff_nearest(
    *,
    user,
    event,
    limit: int = 10,
    max_age_minutes: int = AVAILABLE_MINUTES,
    radius_km: float = NEAREST_RADIUS_KM,
    now=None,
):
    """Available staff (last position at most `max_age_minutes` old) in the user's
    jurisdiction within `radius_km` of the event, nearest first by geodesic distance
    (`distance` in metres): one statement, ST_DWithin on the geography's GiST index."""
    if event.location is None:
        raise ValidationError(_("该事件没有位置,无法查找附近人员。"), code="no_location")
    now = now or timezone.now()
    point = event.location
    return (
        StaffLastPosition.objects.restrict(user, POSITION_VIEW)
        .filter(
            recorded_at__gte=now - datetime.timedelta(minutes=max_age_minutes),
            location__dwithin=(point, D(km=radius_km)),
        )
        .annotate(distance=Distance("location", point))
        .select_related("user")
        .order_by("distance", "user_id")[: max(1, min(int(limit), 100))]
    )


def route_of_day(*, user, staff_id, day: datetime.date):
    """A staff member's positions of one (local) day in order, and the line through them;
    NotFound when none of them lies in the user's jurisdiction."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
    points = list(
        StaffPosition.objects.restrict(user, POSITION_VIEW)
        .filter(
            user_id=staff_id,
            recorded_at__gte=start,
            recorded_at__lt=start + datetime.timedelta(days=1),
        )
        .order_by("recorded_at")
        .only("location", "recorded_at", "accuracy")
    )
    if not points:
        raise NotFound(_("该人员当天没有位置记录,或不在您的管辖范围内。"))
    line = LineString([p.location for p in points], srid=4326) if len(points) > 1 else None
    return points, line


@transaction.atomic
def positions_purge(*, now=None) -> int:
    """Delete positions older than 30 days (history and last positions); audited as one
    system entry with the count."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _detail = StaffPosition.objects.filter(recorded_at__lt=cutoff).delete()
    last, _detail = StaffLastPosition.objects.filter(recorded_at__lt=cutoff).delete()
    if deleted or last:
        audit_record(
            actor=None,
            action="command.positions_purge",
            object_type="command.staffposition",
            object_repr=_("超过 30 天的人员位置"),
            changes={
                "deleted": [None, deleted],
                "last_deleted": [None, last],
                "before": [None, cutoff.isoformat()],
            },
        )
    return deleted
