"""Grid workers' visits (走访记录)."""

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from collection import selectors, services
from collection.models import Visit
from governance.api.views import ScopedViewSet
from integrations.idempotency import idempotent

from .bodies import VisitCreateSerializer
from .common import request_grid
from .exports import ExportMixin
from .serializers import VisitSerializer


class VisitViewSet(ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """走访记录。"""

    serializer_class = VisitSerializer
    queryset = Visit.objects.none()
    export_dataset = "visits"

    def scoped_queryset(self):
        return selectors.visit_list(user=self.request.user)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    @idempotent()
    def create(self, request):
        try:
            visited_at = parse_datetime(str(request.data.get("visited_at") or ""))
        except ValueError:  # well formed but not a real time, e.g. month 13
            visited_at = None
        if visited_at is None:
            return Response(
                {
                    "detail": "请填写有效的走访时间(ISO 8601) / visited_at is required (ISO 8601).",
                    "code": "required",
                },
                status=400,
            )
        if hasattr(request.data, "getlist"):  # multipart, with photos
            ids = [i for i in request.data.getlist("people") if i != ""]
        else:
            ids = request.data.get("people") or []
        if not isinstance(ids, list) or not all(str(i).isdigit() for i in ids):
            return Response(
                {
                    "detail": "people 须为人员编号列表 / people must be a list of ids.",
                    "code": "invalid",
                },
                status=400,
            )
        grid = request_grid(request, request.data.get("grid"))
        people = selectors.person_list(user=request.user).filter(pk__in=[int(i) for i in ids])
        visit = services.visit_create(
            actor=request.user,
            grid=grid,
            visited_at=visited_at,
            place=request.data.get("place", ""),
            findings=request.data.get("findings", ""),
            people=people,
            report_category=request.data.get("report_category") or "",
            report_title=request.data.get("report_title") or "",
            files=request.FILES.getlist("files"),
        )
        return Response(VisitSerializer(visit).data, status=201)
