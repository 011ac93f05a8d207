"""People (实有人口): list, retrieve, register, change, reveal, export."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from collection import selectors, services
from collection.models import House, Person
from collection.transfers import PersonTransferRequested
from governance.api.views import ScopedViewSet
from integrations.idempotency import idempotent

from .bodies import RevealedSerializer, RevealSerializer
from .common import request_grid
from .exports import ExportMixin
from .serializers import PersonSerializer, PersonWriteSerializer


class PersonViewSet(ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """实有人口:按管辖范围列出、查看、登记、修改;证件号码与电话按角色脱敏。"""

    serializer_class = PersonSerializer
    queryset = Person.objects.none()
    export_dataset = "people"

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.person_list(
            user=self.request.user,
            q=p.get("q", ""),
            id_number=p.get("id_number", ""),
            tag=p.get("tag", ""),
            kind=p.get("kind", ""),
            grid=p.get("grid", ""),
        ).prefetch_related("tags")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("id_number", str),
            OpenApiParameter("tag", str),
            OpenApiParameter("kind", str),
            OpenApiParameter("grid", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _data(self, request):
        s = PersonWriteSerializer(data=request.data, partial=request.method == "PATCH")
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if "house" in data:
            data["house"] = (
                House.objects.restrict(request.user).filter(pk=data["house"]).first()
                if data["house"]
                else None
            )
        return data

    @extend_schema(
        request=PersonWriteSerializer, responses={201: PersonSerializer, 202: OpenApiTypes.OBJECT}
    )
    @idempotent()
    def create(self, request):
        """登记;证件号码已在管辖范围外登记的,不透露该记录,改为向原登记地提交迁入申请(202)。
        A number held outside the caller's jurisdiction is not disclosed: a transfer request
        goes to the holding side instead (202 `transfer_requested`)."""
        data = self._data(request)
        data.pop("version", None)  # a new record has none yet
        try:
            grid = request_grid(request, data.pop("grid", None))
            person = services.person_create(actor=request.user, grid=grid, **data)
        except PersonTransferRequested as exc:
            return Response(
                {"detail": " ".join(exc.messages), "code": exc.code, "transfer": exc.transfer.pk},
                status=202,
            )
        return Response(PersonSerializer(person, context={"request": request}).data, status=201)

    @extend_schema(request=PersonWriteSerializer, responses={200: PersonSerializer})
    @idempotent()
    def partial_update(self, request, pk=None):
        """修改;带 version(读取时的版本)且记录已被他人修改时 409,返回双方版本。
        With `version`: a stale change is refused with 409 and both versions."""
        person = self.get_object()
        data = self._data(request)
        grid = request_grid(request, data.pop("grid")) if "grid" in data else None
        person = services.person_update(actor=request.user, person=person, grid=grid, **data)
        return Response(PersonSerializer(person, context={"request": request}).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealedSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """查看完整证件号码或电话(留痕)。Reveal a protected value; audited."""
        person = self.get_object()  # outside the jurisdiction: 404 whatever the body
        s = RevealSerializer(data=request.data)
        s.is_valid(raise_exception=True)  # a field name, not any JSON value
        field = s.validated_data["field"]
        value = services.person_reveal(actor=request.user, person=person, field=field)
        return Response({"field": field, "value": value})
