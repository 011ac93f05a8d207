from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import duties
from collection.work_models import TaskItem, VerificationTask
from grids.models import Area

from .views import _error


class TaskItemSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)

    class Meta:
        model = TaskItem
        fields = ["id", "area", "title", "rule", "every_days", "created_at"]


class TaskItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """网格事务准入清单:县区、乡镇设定网格员必须采集和走访的事项。"""

    serializer_class = TaskItemSerializer
    queryset = TaskItem.objects.none()

    def get_queryset(self):
        return TaskItem.objects.restrict(self.request.user).select_related("area")

    def create(self, request):
        area = Area.objects.restrict(request.user).filter(code=request.data.get("area")).first()
        if area is None:
            return Response({"detail": "区域不存在或不在您的管辖范围内 Unknown area.",
                             "code": "invalid"}, status=400)
        try:
            item = duties.task_item_create(actor=request.user, area=area,
                                           title=request.data.get("title", ""),
                                           rule=request.data.get("rule", ""),
                                           every_days=int(request.data.get("every_days", 30)))
        except (ValidationError, ValueError) as exc:
            return _error(exc) if isinstance(exc, ValidationError) else Response(
                {"detail": "周期须为整数 every_days must be an integer.", "code": "invalid"},
                status=400)
        return Response(TaskItemSerializer(item).data, status=201)


class GridDutiesView(APIView):
    """本网格待办:按准入清单列出缺失或逾期的采集、走访事项。"""

    @extend_schema(parameters=[OpenApiParameter("grid", str, required=True)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        grid = Area.objects.restrict(request.user).filter(
            code=request.query_params.get("grid", ""), level=6).first()
        if grid is None:
            return Response({"detail": "网格不存在或不在您的管辖范围内 Unknown grid.",
                             "code": "not_found"}, status=404)
        return Response(duties.grid_duties(user=request.user, grid=grid))


class VerificationSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = VerificationTask
        fields = ["id", "dataset", "object_id", "grid", "source", "status", "note",
                  "decided_at", "created_at"]


class VerificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """核准任务:部门下推的数据由网格员确认、更正或驳回。"""

    serializer_class = VerificationSerializer
    queryset = VerificationTask.objects.none()

    def get_queryset(self):
        qs = VerificationTask.objects.restrict(self.request.user).select_related("grid")
        status = self.request.query_params.get("status")
        return qs.filter(status=status) if status else qs.order_by("-created_at")

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        try:
            task = duties.verification_decide(
                actor=request.user, task=self.get_object(),
                decision=request.data.get("decision", ""), note=request.data.get("note", ""),
                corrections=request.data.get("corrections") or None)
        except ValidationError as exc:
            return _error(exc)
        return Response(VerificationSerializer(task).data)

    @action(detail=False)
    def progress(self, request):
        """核准进度(按网格)。"""
        return Response(duties.verification_progress(user=request.user))
