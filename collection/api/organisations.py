"""Organisations (组织) and key places (重点场所)."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from collection import selectors, services
from collection.models import Organisation, Place

from .bodies import (
    OrganisationCreateSerializer,
    OrganisationUpdateSerializer,
    PlaceCreateSerializer,
)
from .common import EditableGridRecordViewSet, GridRecordViewSet
from .serializers import OrganisationSerializer, PlaceSerializer


@extend_schema_view(
    create=extend_schema(
        request=OrganisationCreateSerializer, responses={201: OrganisationSerializer}
    ),
    partial_update=extend_schema(
        request=OrganisationUpdateSerializer, responses={200: OrganisationSerializer}
    ),
)
class OrganisationViewSet(EditableGridRecordViewSet):
    """非公有制经济组织与社会组织(统一社会信用代码按 GB 32100 校验)。"""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.none()
    export_dataset = "organisations"
    create_service = staticmethod(services.organisation_create)
    fields = ("name", "kind", "credit_code", "legal_person", "address", "extra")
    update_service = staticmethod(services.organisation_update)
    update_target = "organisation"
    update_serializer = OrganisationUpdateSerializer

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.organisation_list(
            user=self.request.user, q=p.get("q", ""), kind=p.get("kind", ""), grid=p.get("grid", "")
        )


@extend_schema_view(
    create=extend_schema(request=PlaceCreateSerializer, responses={201: PlaceSerializer})
)
class PlaceViewSet(GridRecordViewSet):
    """重点场所与校园周边。"""

    serializer_class = PlaceSerializer
    queryset = Place.objects.none()
    export_dataset = "places"
    create_service = staticmethod(services.place_create)
    fields = ("name", "kind", "address", "extra")

    def scoped_queryset(self):
        return selectors.place_list(user=self.request.user)
