from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assessment import selectors, services
from assessment.export import results_workbook
from assessment.models import Scheme
from governance.api.views import ScopedViewSet

from .serializers import ResultSerializer, SchemeSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SchemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """考核方案:列表、详情、结果(?area=CODE)、XLSX 导出、计算、审核、发布。"""

    queryset = Scheme.objects.none()
    serializer_class = SchemeSerializer

    def scoped_queryset(self):
        return selectors.scheme_list(user=self.request.user)

    def _results(self, scheme):
        return selectors.result_list(
            user=self.request.user, scheme=scheme, area=self.request.query_params.get("area")
        )

    @extend_schema(
        parameters=[OpenApiParameter("area", str)], responses={200: ResultSerializer(many=True)}
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        scheme = self.get_object()
        return Response(ResultSerializer(self._results(scheme), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("area", str)], responses={200: bytes})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        scheme = self.get_object()
        nodes = list(scheme.system.nodes.order_by("position"))
        body = results_workbook(scheme, self._results(scheme), nodes)
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="assessment-{scheme.pk}.xlsx"'
        return response

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        """Queues the computation (Celery); the revision appears when it is done."""
        services.scheme_compute_request(actor=request.user, scheme=self.get_object())
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: SchemeSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        scheme = services.scheme_review(actor=request.user, scheme=self.get_object())
        return Response(SchemeSerializer(scheme).data)

    @extend_schema(request=None, responses={200: SchemeSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        scheme = services.scheme_publish(actor=request.user, scheme=self.get_object())
        return Response(SchemeSerializer(scheme).data)
