"""What the collection API views share: the error body in the schema, the grid named in
a request, and the base of the grid records' viewsets (list, retrieve, export, create,
and change where the record has an update service)."""

from django.core.exceptions import ValidationError
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from grids.models import Area
from integrations.idempotency import idempotent

from .exports import ExportMixin

LIST_OF_OBJECTS = build_array_type(build_basic_type(OpenApiTypes.OBJECT))
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail", "code"}')


def request_grid(request, code):
    grid = Area.objects.restrict(request.user).filter(code=code or "", level=6).first()
    if grid is None:
        raise ValidationError("网格不存在或不在您的管辖范围内 Unknown grid.", code="invalid_grid")
    return grid


class GridRecordViewSet(
    ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    create_service = None
    fields = ()

    def create_data(self, request) -> dict:
        return {k: request.data.get(k) for k in self.fields if k in request.data}

    def update_data(self, validated: dict) -> dict:
        return validated

    @idempotent()
    def create(self, request):
        data = self.create_data(request)
        grid = request_grid(request, request.data.get("grid"))
        obj = type(self).create_service(actor=request.user, grid=grid, **data)
        return Response(self.get_serializer(obj).data, status=201)


class EditableGridRecordViewSet(GridRecordViewSet):
    """Also PATCH, through the record's update service."""

    update_service = None
    update_target = ""  # the service's keyword for the record
    update_serializer = None  # the body: the fields a change may carry, and `version`

    @idempotent()
    def partial_update(self, request, pk=None):
        """修改(部分字段);带 version 时,记录已被他人修改则 409 并返回双方版本。"""
        obj = self.get_object()
        s = self.update_serializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        data = self.update_data(dict(s.validated_data))
        obj = type(self).update_service(actor=request.user, **{self.update_target: obj}, **data)
        return Response(self.get_serializer(obj).data)
