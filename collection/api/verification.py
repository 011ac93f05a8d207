"""Verification (核准) of data pushed down from departments to the grids."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collection import verification
from collection.models import VerificationTask
from governance.api.views import ScopedViewSet
from integrations.idempotency import idempotent

from .bodies import DecideSerializer
from .common import ERROR, LIST_OF_OBJECTS


class VerificationSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = VerificationTask
        fields = [
            "id",
            "dataset",
            "object_id",
            "grid",
            "source",
            "status",
            "note",
            "decided_at",
            "created_at",
        ]


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(VerificationTask.Status.values))]
    )
)
class VerificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """核准任务:部门下推的数据由网格员确认、更正或驳回。"""

    serializer_class = VerificationSerializer
    queryset = VerificationTask.objects.none()

    def scoped_queryset(self):
        return verification.verification_task_list(
            user=self.request.user, status=self.request.query_params.get("status") or ""
        )

    @extend_schema(
        request=DecideSerializer,
        responses={200: VerificationSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    @idempotent()
    def decide(self, request, pk=None):
        """确认、更正或驳回;更正时可带记录的 version,记录已被他人修改则 409。"""
        task = verification.verification_decide(
            actor=request.user,
            task=self.get_object(),
            decision=request.data.get("decision", ""),
            note=request.data.get("note", ""),
            corrections=request.data.get("corrections") or None,
            version=request.data.get("version"),
        )
        return Response(VerificationSerializer(task).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                int,
                enum=list(verification.PROGRESS_LEVELS),
                description="汇总层级:3 县区、4 乡镇、5 村社区、6 网格(默认)",
            )
        ],
        responses={200: LIST_OF_OBJECTS, 400: ERROR},
    )
    @action(detail=False)
    def progress(self, request):
        """核准进度:按网格,或按 ?level= 汇总到县区、乡镇、村社区。"""
        raw = request.query_params.get("level", "6")
        return Response(
            verification.verification_progress(
                user=request.user, level=int(raw) if raw.isdigit() and len(raw) < 3 else -1
            )
        )
