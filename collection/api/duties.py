"""The grid task list (网格事务准入清单) and what is due in a grid."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import duties
from collection.models import TaskItem
from governance.api.fields import MethodCharField
from governance.api.views import ScopedViewSet
from grids.models import Area

from .common import ERROR


class TaskItemSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    rule_label = MethodCharField(source="get_rule_display", read_only=True)

    class Meta:
        model = TaskItem
        fields = [
            "id",
            "area",
            "area_name",
            "title",
            "rule",
            "rule_label",
            "every_days",
            "created_at",
        ]


class TaskItemWriteSerializer(serializers.Serializer):
    """Documentation of the body; the service validates (Chinese messages, 400)."""

    area = serializers.CharField(required=False, help_text="县区或乡镇的区划代码(仅新增)")
    title = serializers.CharField(required=False)
    rule = serializers.ChoiceField(
        TaskItem.Rule.choices, required=False, help_text="核查规则(仅新增)"
    )
    every_days = serializers.IntegerField(
        required=False, min_value=1, max_value=duties.MAX_EVERY_DAYS
    )


class TaskItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """网格事务准入清单:县区、乡镇设定网格员必须采集和走访的事项。

    Lists the items set in the user's jurisdiction and those set above it that apply
    there. Only staff with change rights over an item's county or township create,
    change (PATCH: title, every_days) or delete it; others get 403, outsiders 404."""

    serializer_class = TaskItemSerializer
    queryset = TaskItem.objects.none()

    def scoped_queryset(self):
        return duties.task_item_list(user=self.request.user)

    @extend_schema(
        request=TaskItemWriteSerializer, responses={201: TaskItemSerializer, 400: ERROR, 403: ERROR}
    )
    def create(self, request):
        area = (
            Area.objects.restrict(request.user)
            .filter(code=str(request.data.get("area", "")))
            .first()
        )
        if area is None:
            return Response(
                {"detail": _("区域不存在或不在您的管辖范围内。"), "code": "invalid"}, status=400
            )
        item = duties.task_item_create(
            actor=request.user,
            area=area,
            title=request.data.get("title", ""),
            rule=request.data.get("rule", ""),
            every_days=request.data.get("every_days", 30),
        )
        return Response(TaskItemSerializer(item).data, status=201)

    @extend_schema(
        request=TaskItemWriteSerializer,
        responses={200: TaskItemSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        if (
            str(data.get("area", item.area.code)) != item.area.code
            or str(data.get("rule", item.rule)) != item.rule
        ):
            return Response(
                {
                    "detail": _("只能修改事项名称和周期;区域或规则不同请删除后重新设定。"),
                    "code": "invalid",
                },
                status=400,
            )
        item = duties.task_item_update(
            actor=request.user,
            item=item,
            title=data.get("title"),
            every_days=data.get("every_days"),
        )
        return Response(TaskItemSerializer(item).data)

    @extend_schema(request=None, responses={204: None, 403: ERROR, 404: ERROR})
    def destroy(self, request, pk=None):
        duties.task_item_delete(actor=request.user, item=self.get_object())
        return Response(status=204)


class GridDutiesView(APIView):
    """本网格待办:按准入清单列出缺失或逾期的采集、走访事项。"""

    @extend_schema(
        parameters=[OpenApiParameter("grid", str, required=True)],
        responses={200: OpenApiTypes.OBJECT, 404: ERROR},
    )
    def get(self, request):
        grid = (
            Area.objects.restrict(request.user)
            .filter(code=request.query_params.get("grid", ""), level=6)
            .first()
        )
        if grid is None:
            return Response(
                {"detail": _("网格不存在或不在您的管辖范围内。"), "code": "not_found"}, status=404
            )
        return Response(duties.grid_duties(user=request.user, grid=grid))
