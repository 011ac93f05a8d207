from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from assessment import selectors, services, taskbook
from assessment.actions import may_configure_rules
from assessment.export import results_workbook
from assessment.models import IndicatorSystem, Scheme, Task, TaskState
from governance.api.views import ScopedViewSet
from governance.errors import NotFound
from grids.models import Area

from .serializers import (
    EntryInputSerializer,
    EntryReviewSerializer,
    EntrySerializer,
    ImportSerializer,
    IndicatorSystemInputSerializer,
    IndicatorSystemSerializer,
    ProgressInputSerializer,
    ResultSerializer,
    SchemeSerializer,
    TaskDetailSerializer,
    TaskSerializer,
)

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

    @extend_schema(methods=["GET"], responses={200: EntrySerializer(many=True)}, request=None)
    @extend_schema(methods=["POST"], request=EntryInputSerializer, responses={201: EntrySerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def entries(self, request, pk=None):
        """人工填报:列表;提交(指标、对象编码、得分、佐证材料文字和/或佐证文件 files,
        multipart),待方案所在区域的管理员审核。"""
        scheme = self.get_object()
        if request.method == "GET":
            rows = selectors.entry_list(user=request.user, scheme=scheme)
            return Response(EntrySerializer(rows, many=True).data)
        s = EntryInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        indicator = scheme.system.nodes.filter(code=s.validated_data["indicator"]).first()
        if indicator is None:
            raise NotFound()
        entry = services.manual_entry_submit(
            actor=request.user,
            scheme=scheme,
            indicator=indicator,
            object_code=s.validated_data["object"],
            score=s.validated_data["score"],
            evidence=s.validated_data.get("evidence", ""),
            files=s.validated_data.get("files") or [],
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EntryReviewSerializer, responses={200: EntrySerializer})
    @action(detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9]+)/review")
    def review_entry(self, request, pk=None, entry_id=None):
        scheme = self.get_object()
        entry = selectors.entry_list(user=request.user, scheme=scheme).filter(pk=entry_id).first()
        if entry is None:
            raise NotFound()
        s = EntryReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        entry = services.manual_entry_review(
            actor=request.user,
            entry=entry,
            approve=s.validated_data["approve"],
            note=s.validated_data.get("note", ""),
        )
        return Response(EntrySerializer(entry).data)

    @extend_schema(request=ImportSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_entries(self, request, pk=None):
        """第三方结果导入(XLSX:对象编码、指标编码、得分、佐证材料),整表校验。"""
        scheme = self.get_object()
        s = ImportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        entries = services.entries_import(
            actor=request.user, scheme=scheme, content=s.validated_data["file"].read()
        )
        return Response({"imported": len(entries)}, status=status.HTTP_201_CREATED)


class IndicatorSystemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """指标体系(省级管理员):列表、详情(指标树)、新建(扁平行:code、name、parent、weight、
    kind、source、figure、rule,整体校验,错误指明行)。"""

    queryset = IndicatorSystem.objects.none()
    serializer_class = IndicatorSystemSerializer

    def scoped_queryset(self):
        # A provincial setting: only a province administrator reads it (others: nothing).
        if not may_configure_rules(self.request.user):
            return IndicatorSystem.objects.none()
        return IndicatorSystem.objects.prefetch_related("nodes__rule")

    @extend_schema(
        request=IndicatorSystemInputSerializer, responses={201: IndicatorSystemSerializer}
    )
    def create(self, request, *args, **kwargs):
        s = IndicatorSystemInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        system = services.indicator_system_create(actor=request.user, **s.validated_data)
        return Response(IndicatorSystemSerializer(system).data, status=status.HTTP_201_CREATED)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """自评任务(任务书):列表(?area=CODE 责任单位在该区域内,?state=not_started|
    in_progress|done|overdue)、详情(路线图、进展报告、佐证文件)、报告进展(progress)。"""

    queryset = Task.objects.none()
    serializer_class = TaskSerializer

    def scoped_queryset(self):
        tasks = taskbook.task_list(user=self.request.user)
        area = self.request.query_params.get("area")
        if area:
            place = Area.objects.filter(code=area).first()
            tasks = tasks.filter(owner_path__startswith=place.path) if place else tasks.none()
        state = self.request.query_params.get("state")
        if state:
            tasks = tasks.filter(state=state)
        if self.action != "list":
            tasks = tasks.prefetch_related("milestones", "reports__files")
        return tasks

    def get_serializer_class(self):
        return TaskSerializer if self.action == "list" else TaskDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str),
            OpenApiParameter("state", str, enum=TaskState.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProgressInputSerializer, responses={201: TaskDetailSerializer})
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def progress(self, request, pk=None):
        """报告进展:完成进度(0–100)、进展情况、完成的节点(可选)、佐证文件(multipart)。"""
        task = self.get_object()
        s = ProgressInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        taskbook.progress_report(
            actor=request.user,
            task=task,
            percent=s.validated_data["percent"],
            text=s.validated_data["text"],
            milestone=s.validated_data.get("milestone"),
            files=s.validated_data.get("files") or [],
        )
        task = taskbook.task_list(user=request.user).filter(pk=task.pk)
        task = task.prefetch_related("milestones", "reports__files").get()
        return Response(TaskDetailSerializer(task).data, status=status.HTTP_201_CREATED)
