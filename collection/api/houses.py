"""Houses (实有房屋, rental houses among them), and the points of houses and places for
the map."""

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
