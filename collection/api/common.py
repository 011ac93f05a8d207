"""What the collection API views share: the error body in the schema, the grid named in
a request, and the base of the grid records' viewsets (list, retrieve, export, create)."""

from django.core.exceptions import ValidationError
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from grids.models import Area

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

    def create(self, request):
        data = {k: request.data.get(k) for k in self.fields if k in request.data}
        grid = request_grid(request, request.data.get("grid"))
        obj = type(self).create_service(actor=request.user, grid=grid, **data)
        return Response(self.get_serializer(obj).data, status=201)
