"""The extra-field schemas of the data classes (collection/extra_fields.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import extra_fields
from collection.models import Dataset

from .common import ERROR


class ExtraSchemaSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    label = serializers.CharField()
    schema = serializers.JSONField()


def _schema_row(dataset: str) -> dict:
    return next(r for r in extra_fields.extra_schemas() if r["dataset"] == dataset)


class ExtraSchemaListView(APIView):
    """实有人口、房屋、组织、场所的扩展字段 Schema(未配置为 {}),供表单和移动端渲染。"""

    @extend_schema(responses={200: ExtraSchemaSerializer(many=True)})
    def get(self, request):
        return Response(extra_fields.extra_schemas())


class ExtraSchemaDetailView(APIView):
    """一个数据类的扩展字段 Schema;省级管理员可设定(PUT,请求体为 JSON Schema,
    须为含 properties 的 object)或删除(DELETE,此后不再校验扩展信息)。"""

    def _check(self, dataset):
        if dataset not in Dataset.values:
            raise NotFound(_("未知的数据类。"))

    @extend_schema(responses={200: ExtraSchemaSerializer, 404: ERROR})
    def get(self, request, dataset):
        self._check(dataset)
        return Response(_schema_row(dataset))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: ExtraSchemaSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def put(self, request, dataset):
        self._check(dataset)
        extra_fields.extra_schema_set(actor=request.user, dataset=dataset, schema=request.data)
        return Response(_schema_row(dataset))

    @extend_schema(request=None, responses={200: ExtraSchemaSerializer, 403: ERROR, 404: ERROR})
    def delete(self, request, dataset):
        self._check(dataset)
        extra_fields.extra_schema_delete(actor=request.user, dataset=dataset)
        return Response(_schema_row(dataset))
