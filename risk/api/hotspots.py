"""Hot spots, 冒烟指数 and key-event colours over the API (read-only, computed on the fly).

The views only parse the query and call the selectors of risk/hotspots.py and
risk/event_colours.py; those check the area against the jurisdiction (404), refuse bad
input (400) and stop a slow statement (503). Answers go through the serializers below,
which are also the OpenAPI contract."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from events.models import Event
from governance.api.views import ScopedViewSet
from grids.models import Area

from .. import event_colours, hotspots

# -- serializers --------------------------------------------------------------------------


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码 area code")
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="层级 1 省 … 6 网格")


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HotspotTrendSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="本期事件数 events in this window")
    previous = serializers.IntegerField(
        help_text="上期落在同一范围内的同类事件数 same family, previous window, inside the polygon"
    )
    change = serializers.IntegerField(help_text="current − previous")


class NearPlaceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="场所名称,出租房屋为地址 name (a rental: address)")
    kind = serializers.CharField(help_text="key_place/school_area/crowded/hazard/rental")
    kind_label = serializers.CharField()
    distance_m = serializers.FloatField(help_text="到聚集区的距离(米) metres to the polygon")


class HotspotPropertiesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="聚集的事件数 events in the cluster")
    category = CodeNameSerializer(help_text="事件大类 category family (top-level category)")
    trend = HotspotTrendSerializer()
    places = NearPlaceSerializer(many=True, help_text="附近的重点场所(最近的 5 个)")


class HotspotFeatureSerializer(serializers.Serializer):
    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = serializers.JSONField(help_text="GeoJSON Polygon, WGS 84")
    properties = HotspotPropertiesSerializer()


class WindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField(help_text="本期开始 start of this window")
    until = serializers.DateTimeField(help_text="本期结束(当前时间) end of this window: now")


class HotspotCollectionSerializer(serializers.Serializer):
    type = serializers.CharField(default="FeatureCollection")
    area = AreaRefSerializer()
    window = WindowSerializer()
    distance = serializers.IntegerField(help_text="聚类距离(米) DBSCAN distance, metres")
    min_count = serializers.IntegerField(help_text="最少事件数 DBSCAN minimum points")
    features = HotspotFeatureSerializer(many=True)


class IndexItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField(required=False, help_text="场所 id (of=place)")
    code = serializers.CharField(required=False, help_text="网格代码 (of=grid)")
    name = serializers.CharField()
    kind = serializers.CharField(required=False, help_text="场所类型 (of=place)")
    kind_label = serializers.CharField(required=False)
    grid = CodeNameSerializer(required=False, help_text="场所所在网格 (of=place)")
    events = serializers.IntegerField(help_text="计入的事件数 events counted")
    weighted = serializers.FloatField(help_text="加权事件数 S weighted count")
    index = serializers.FloatField(help_text="冒烟指数 0–100 = 100·(1 − e^(−S/K))")


class IndexSerializer(serializers.Serializer):
    area = AreaRefSerializer()
    of = serializers.ChoiceField(["place", "grid"])
    days = serializers.IntegerField()
    results = IndexItemSerializer(many=True)


class FactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.JSONField(help_text="因子取值 the factor's value (number or code)")
    value_label = serializers.CharField(required=False)
    points = serializers.IntegerField(help_text="得分 points it adds to the score")
    detail = serializers.DictField(child=serializers.IntegerField(), required=False)


class KeyEventSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    category = CodeNameSerializer()
    family = CodeNameSerializer()
    grid = CodeNameSerializer(allow_null=True)
    reported_at = serializers.DateTimeField()
    score = serializers.IntegerField(help_text="各因子得分之和 sum of the factors' points")
    colour = serializers.ChoiceField(event_colours.COLOURS)
    colour_label = serializers.CharField()
    factors = FactorSerializer(many=True)


class ColourCountsSerializer(serializers.Serializer):
    red = serializers.IntegerField()
    orange = serializers.IntegerField()
    yellow = serializers.IntegerField()
    blue = serializers.IntegerField()
    green = serializers.IntegerField()


class KeyEventListSerializer(serializers.Serializer):
    area = AreaRefSerializer()
    as_of = serializers.DateTimeField()
    counts = ColourCountsSerializer(help_text="各颜色的在办事件数 open cases per colour")
    results = KeyEventSerializer(many=True)


# -- views --------------------------------------------------------------------------------

AREA = OpenApiParameter("area", str, description="区划代码,缺省为管辖范围的顶层 area code")
DAYS = OpenApiParameter(
    "days", int, description=f"天数 1–{hotspots.DAYS_MAX},缺省 {hotspots.DAYS_DEFAULT}"
)
TIMEOUT = OpenApiResponse(description="计算超时 the computation hit the statement timeout")


class HotspotViewSet(ScopedViewSet):
    """事件聚集(冒烟)热点:近 N 天已定位事件按大类做 DBSCAN 聚类,返回聚集区多边形、数量、
    趋势(与上一等长时段相比)和附近的重点场所。"""

    queryset = Area.objects.all()
    pagination_class = None

    @extend_schema(
        parameters=[
            AREA,
            DAYS,
            OpenApiParameter(
                "category", str, description="事件分类编码(含下级) category code, with its subtree"
            ),
            OpenApiParameter(
                "distance",
                int,
                description=f"聚类距离(米) 1–{hotspots.DISTANCE_MAX},缺省 "
                f"{hotspots.DISTANCE_DEFAULT}",
            ),
            OpenApiParameter(
                "min_count",
                int,
                description=f"最少事件数 {hotspots.MIN_COUNT_MIN}–{hotspots.MIN_COUNT_MAX},"
                f"缺省 {hotspots.MIN_COUNT_DEFAULT}",
            ),
        ],
        responses={200: HotspotCollectionSerializer, 503: TIMEOUT},
    )
    def clusters(self, request):
        q = request.query_params
        area = hotspots.risk_area(user=request.user, code=q.get("area"))
        params = hotspots.hotspot_params(q)
        data = hotspots.hotspot_geojson(user=request.user, area=area, params=params)
        return Response(HotspotCollectionSerializer(data).data)

    @extend_schema(
        parameters=[
            AREA,
            DAYS,
            OpenApiParameter("of", str, enum=["place", "grid"], description="场所或网格"),
        ],
        responses={200: IndexSerializer, 503: TIMEOUT},
    )
    def index(self, request):
        q = request.query_params
        area = hotspots.risk_area(user=request.user, code=q.get("area"))
        of = q.get("of") or "place"
        if of not in ("place", "grid"):
            raise ValidationError(_("of 须为 place 或 grid。"), code="invalid_of")
        days = hotspots.bounded_int(
            q.get("days"), name="days", default=hotspots.DAYS_DEFAULT, low=1, high=hotspots.DAYS_MAX
        )
        results = hotspots.smoke_index(user=request.user, area=area, of=of, days=days)
        data = {
            "area": {"code": area.code, "name": area.name, "level": area.level},
            "of": of,
            "days": days,
            "results": results,
        }
        return Response(IndexSerializer(data).data)


class KeyEventViewSet(ScopedViewSet):
    """重点事件五色预警:辖区在办事件的颜色(红橙黄蓝绿)及得出颜色的各因子取值与得分。"""

    queryset = Event.objects.all()
    pagination_class = None
    lookup_field = "number"

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("colour", str, enum=event_colours.COLOURS, description="颜色"),
            OpenApiParameter(
                "limit",
                int,
                description=f"条数 1–{event_colours.LIST_MAX},缺省 {event_colours.LIST_DEFAULT}",
            ),
        ],
        responses={200: KeyEventListSerializer, 503: TIMEOUT},
        operation_id="key_events_list",
    )
    def ranked(self, request):
        # Not `list`: the answer is one object (counts and results), not an array.
        q = request.query_params
        area = hotspots.risk_area(user=request.user, code=q.get("area"))
        colour = event_colours.colour_param(q.get("colour"))
        limit = event_colours.key_events_limit(q.get("limit"))
        data = event_colours.key_events(user=request.user, area=area, colour=colour, limit=limit)
        return Response(KeyEventListSerializer(data).data)

    @extend_schema(responses={200: KeyEventSerializer, 503: TIMEOUT})
    def retrieve(self, request, number=None):
        data = event_colours.event_colour_by_number(user=request.user, number=number)
        return Response(KeyEventSerializer(data).data)
