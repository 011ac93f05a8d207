"""Exports of the lists (collection/exports.py): `…/export/` on each list's viewset."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collection import exports
from governance.replica import lag_tolerant


class ExportMixin:
    """`GET …/export/?fmt=xlsx|csv` with the list's own filters: masked by role, audited;
    above EXPORT_SYNC_LIMIT rows written in the background with a notification."""

    export_dataset = ""

    def __init_subclass__(cls, **kwargs):
        """The schema names the filters each list and its export really take."""
        super().__init_subclass__(**kwargs)
        if not cls.export_dataset:
            return
        filters = [OpenApiParameter(f, str) for f in exports.EXPORTS[cls.export_dataset].filters]
        views = {
            "export": extend_schema(
                parameters=[OpenApiParameter("fmt", str, enum=["xlsx", "csv"]), *filters]
            )
        }
        if "list" not in cls.__dict__:
            views["list"] = extend_schema(parameters=filters)
        extend_schema_view(**views)(cls)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            202: inline_serializer(
                "ExportQueued", {"detail": serializers.CharField(), "code": serializers.CharField()}
            ),
        }
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """导出(按角色脱敏);数据量大时后台生成并通知。Export, masked by role."""
        # "fmt", not "format": DRF reserves ?format= for its renderers.
        fmt = "csv" if request.query_params.get("fmt") == "csv" else "xlsx"
        dataset, p = self.export_dataset, request.query_params
        filters = {k: p.get(k, "") for k in exports.EXPORTS[dataset].filters}
        with lag_tolerant():  # the rows may be seconds old (governance/replica.py)
            answer = exports.dataset_export_request(
                user=request.user, dataset=dataset, fmt=fmt, filters=filters
            )
        if answer.queued:
            return Response(
                {
                    "detail": "数据量较大,已转入后台生成,完成后将通知您。 The export "
                    "runs in the background; you will be notified.",
                    "code": "queued",
                },
                status=202,
            )
        response = HttpResponse(answer.data, content_type=exports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
        return response
