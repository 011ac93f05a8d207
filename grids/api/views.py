from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.views import ScopedReadOnlyViewSet
from governance.scoping import path_in_jurisdiction
from grids import selectors
from grids.locate import LocateError, locate, parse_point
from grids.models import Area

from .serializers import AreaSerializer, ErrorSerializer, LocateResponseSerializer

ZOOM = OpenApiParameter("zoom", int, description="地图缩放级别,决定简化程度 map zoom (0–20)")


def _zoom(request):
    try:
        return int(request.query_params.get("zoom", 8))
    except ValueError:
        return 8


class AreaViewSet(ScopedReadOnlyViewSet):
    """区域(省、市、县、乡镇、村、网格),限当前用户管辖范围。"""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    lookup_field = "code"

    def scoped_queryset(self):
        qs = (
            super()
            .scoped_queryset()
            .select_related("parent")
            .defer("boundary", "boundary_simple", "parent__boundary", "parent__boundary_simple")
        )
        params = self.request.query_params
        if params.get("level"):
            qs = qs.filter(level=params["level"]) if params["level"].isdigit() else qs.none()
        if params.get("parent"):
            qs = qs.filter(parent__code=params["parent"])
        if params.get("search"):
            qs = qs.filter(name__icontains=params["search"])
        return qs.order_by("code")

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="层级 1–6"),
            OpenApiParameter("parent", str, description="上级区划代码"),
            OpenApiParameter("search", str, description="名称包含"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[ZOOM], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, url_path="children")
    def children(self, request, code=None):
        """下级区域 GeoJSON(按缩放级别简化)。Children as simplified GeoJSON."""
        area = self.get_object()
        return Response(
            selectors.area_children_geojson(user=request.user, area=area, zoom=_zoom(request))
        )

    @extend_schema(parameters=[ZOOM], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, url_path="geojson")
    def geojson(self, request, code=None):
        """本区域边界 GeoJSON。The area's own boundary as GeoJSON."""
        area = self.get_object()
        return Response(
            selectors.area_self_geojson(user=request.user, area=area, zoom=_zoom(request))
        )


class LocateView(APIView):
    """坐标定位网格 Point → grid.

    Accepts WGS84, GCJ-02 (AMap, WeChat) or BD-09 (Baidu) coordinates. Answers 404
    when no grid in the caller's jurisdiction contains the point.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("lng", float, required=True, description="经度"),
            OpenApiParameter("lat", float, required=True, description="纬度"),
            OpenApiParameter(
                "crs", str, enum=["wgs84", "gcj02", "bd09"], description="坐标系,默认 wgs84"
            ),
        ],
        responses={200: LocateResponseSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        q = request.query_params
        try:
            lng, lat, crs = parse_point(q.get("lng"), q.get("lat"), q.get("crs", "wgs84"))
        except LocateError as exc:
            return Response(
                {"detail": str(exc), "code": exc.code}, status=status.HTTP_400_BAD_REQUEST
            )
        result = locate(lng, lat, crs)
        if result is None or not path_in_jurisdiction(request.user, result.area_path):
            # Outside every grid, or in a grid the caller may not see: the same answer.
            return Response(
                {
                    "detail": "该位置不在任何(您管辖范围内的)网格中 No grid contains this point.",
                    "code": "not_found",
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(LocateResponseSerializer(result).data)
