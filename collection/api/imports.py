"""部门数据批量导入 API (实有人口, 实有房屋, 组织): upload, follow the job, confirm the
preview, cancel, download the error report and the template. Jobs are scoped by the
importer's jurisdiction like every record."""

import io

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from collection import imports
from collection.importing.specs import SPECS
from collection.models import Dataset, ImportJob
from governance.api.fields import MethodCharField
from governance.api.parsers import FormParser, MultiPartParser
from governance.api.views import ScopedViewSet
from governance.roles import Action

NOT_FOUND = "未找到,或不在您的管辖范围内 Not found."


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    status_display = MethodCharField(source="get_status_display", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "original_name",
            "dataset",
            "mode",
            "status",
            "status_display",
            "progress",
            "total",
            "valid",
            "invalid",
            "creates",
            "updates",
            "error_message",
            "created_by",
            "created_at",
            "finished_at",
        ]


class ImportJobDetailSerializer(ImportJobSerializer):
    rejected = serializers.SerializerMethodField()
    has_report = serializers.SerializerMethodField()

    class Meta(ImportJobSerializer.Meta):
        fields = ImportJobSerializer.Meta.fields + ["plan", "rejected", "has_report"]

    def get_rejected(self, job) -> list[dict]:
        return imports.import_job_preview(job=job)

    def get_has_report(self, job) -> bool:
        return job.invalid > 0 and job.rows.exists()


class ImportUploadSerializer(serializers.Serializer):
    # Empty files are accepted here so the job fails with the import's own message.
    file = serializers.FileField(allow_empty_file=True)
    dataset = serializers.ChoiceField(
        choices=Dataset.choices, default=Dataset.PEOPLE, help_text="people | houses | organisations"
    )
    mode = serializers.ChoiceField(
        choices=ImportJob.Mode.choices, default=ImportJob.Mode.ALL_OR_NOTHING
    )


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """部门数据批量导入:上传 CSV/XLSX → 校验预览 → 确认导入;可取消,可下载错误报告和模板。"""

    queryset = ImportJob.objects.none()
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self):
        return imports.import_job_list(user=self.request.user)

    def get_serializer_class(self):
        return ImportJobSerializer if self.action == "list" else ImportJobDetailSerializer

    def _job(self, pk, action_: str = Action.VIEW) -> ImportJob:
        try:
            return imports.import_job_get(user=self.request.user, pk=pk, action=action_)
        except (ObjectDoesNotExist, ValueError, TypeError):
            raise NotFound(NOT_FOUND) from None

    def _body(self, job: ImportJob, http=status.HTTP_200_OK) -> Response:
        return Response(ImportJobDetailSerializer(job).data, status=http)

    def retrieve(self, request, pk=None):
        return self._body(self._job(pk))

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobDetailSerializer},
    )
    def create(self, request):
        s = ImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        job = imports.import_job_create(actor=request.user, **s.validated_data)
        return self._body(job, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportJobDetailSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """确认预览并导入(仅限“待确认”状态,否则 409)。"""
        job = imports.import_job_apply_request(actor=request.user, job=self._job(pk, Action.CHANGE))
        return self._body(job, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ImportJobDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """取消尚未结束的任务(已结束则 409)。"""
        job = imports.import_job_cancel(actor=request.user, job=self._job(pk, Action.CHANGE))
        return self._body(job)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY
        }
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """错误报告(XLSX):未导入的行、原内容与错误原因。"""
        job = self._job(pk)
        data = imports.import_report(user=request.user, job=job)
        if data is None:
            return Response(
                {"detail": "该任务没有错误行 / The job has no rejected rows.", "code": "no_report"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return FileResponse(
            io.BytesIO(data), as_attachment=True, filename=f"导入错误报告-{job.pk}.xlsx"
        )

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, enum=list(SPECS))],
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY
        },
    )
    @action(detail=False, methods=["get"])
    def template(self, request):
        """导入模板(XLSX):表头、示例行和填写说明,含管理员配置的扩展字段。"""
        dataset = request.query_params.get("dataset", "people")
        if dataset not in SPECS:
            return Response(
                {
                    "detail": f"数据类应为 {'、'.join(SPECS)} 之一 / dataset must be "
                    f"one of {', '.join(SPECS)}.",
                    "code": "invalid",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return FileResponse(
            io.BytesIO(imports.import_template(dataset=dataset)),
            as_attachment=True,
            filename=f"{SPECS[dataset].label}-模板.xlsx",
        )
