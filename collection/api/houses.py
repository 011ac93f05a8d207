"""Houses (实有房屋, rental houses among them), and the points of houses and places for
the map."""

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import selectors, services
from collection.models import House

from .bodies import HouseCreateSerializer, HouseUpdateSerializer
from .common import EditableGridRecordViewSet
from .serializers import HouseSerializer, PersonSerializer


def house_location(lng, lat) -> Point | None:
    """The point a phone picked (WGS84 lng/lat; both or neither)."""
    if lng in (None, "") and lat in (None, ""):
        return None
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        x = y = float("nan")
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ValidationError("位置坐标无效 Invalid lng/lat.", code="invalid")
    return Point(x, y, srid=4326)


@extend_schema_view(
    create=extend_schema(request=HouseCreateSerializer, responses={201: HouseSerializer}),
    partial_update=extend_schema(request=HouseUpdateSerializer, responses={200: HouseSerializer}),
)
class HouseViewSet(EditableGridRecordViewSet):
    """实有房屋(含出租房)。"""

    serializer_class = HouseSerializer
    queryset = House.objects.none()
    export_dataset = "houses"
    create_service = staticmethod(services.house_create)
    fields = ("address", "use", "owner_name", "extra")
    update_service = staticmethod(services.house_update)
    update_target = "house"
    update_serializer = HouseUpdateSerializer

    def create_data(self, request) -> dict:
        data = super().create_data(request)
        location = house_location(request.data.get("lng"), request.data.get("lat"))
        if location is not None:
            data["location"] = location
        return data

    def update_data(self, validated: dict) -> dict:
        lng, lat = validated.pop("lng", None), validated.pop("lat", None)
        location = house_location(lng, lat)
        if location is not None:
            validated["location"] = location
        return validated

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.house_list(
            user=self.request.user, q=p.get("q", ""), use=p.get("use", ""), grid=p.get("grid", "")
        )

    @extend_schema(responses={200: PersonSerializer(many=True)})
    @action(detail=True, pagination_class=None)
    def residents(self, request, pk=None):
        house = self.get_object()
        people = selectors.person_list(user=request.user).filter(house=house)
        return Response(PersonSerializer(people, many=True, context={"request": request}).data)


class PointsView(APIView):
    """房屋与重点场所点位(GeoJSON,按管辖范围)。Houses and places with a location."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        features = []
        for h in selectors.house_list(user=request.user).filter(location__isnull=False)[:5000]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [h.location.x, h.location.y]},
                    "properties": {
                        "kind": "house",
                        "label": h.address,
                        "rental": h.use == House.Use.RENTAL,
                    },
                }
            )
        for p in selectors.place_list(user=request.user).filter(location__isnull=False)[:5000]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [p.location.x, p.location.y]},
                    "properties": {"kind": "place", "label": p.name, "rental": False},
                }
            )
        return Response({"type": "FeatureCollection", "features": features})
