"""Special groups and key youth (特殊人群 · 重点青少年): a person's tags and the tag
schemas phone apps render their forms from."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import selectors
from collection import tags as tag_services
from collection.models import Person, PersonTag
from integrations.idempotency import idempotent

from .serializers import (
    PersonTagSerializer,
    TagEndSerializer,
    TagSchemaSerializer,
    TagWriteSerializer,
)

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail", "code"[, "errors"]}')


def _not_found():
    return NotFound(_("未找到,或不在您的管辖范围内。"))


def _person(request, pk) -> Person:
    try:
        return selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise _not_found() from None


def _tag(request, person_pk, tag) -> PersonTag:
    try:
        return tag_services.person_tag_get(user=request.user, person_pk=person_pk, tag=tag)
    except PersonTag.DoesNotExist:
        raise _not_found() from None


def _service_kwargs(data: dict) -> dict:
    kwargs = {
        k: data[k] for k in ("start_date", "visit_every_days", "extra", "version") if k in data
    }
    if "responsible" in data:
        pk = data["responsible"]
        user = get_user_model().objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and user is None:
            raise ValidationError(
                _("责任人须在该人员所在网格或其上级区域任职。"), code="invalid_responsible"
            )
        kwargs["responsible"] = user
    return kwargs


def _out(request, tag_obj, **kwargs) -> Response:
    return Response(PersonTagSerializer(tag_obj, context={"request": request}).data, **kwargs)


class PersonTagListView(APIView):
    """人员标签(特殊人群 · 重点青少年):列出某人的标签,或登记/更新一个标签。

    POST creates the person's active tag of that kind, or updates it if there is one
    (201 / 200). `extra` is validated against the tag's schema (see tag-schemas/);
    on failure `errors` maps each field to its message."""

    @extend_schema(
        parameters=[OpenApiParameter("include_ended", bool, description="也列出已结束的标签")],
        responses={200: PersonTagSerializer(many=True), 404: ERROR},
    )
    def get(self, request, person_pk):
        include = request.query_params.get("include_ended", "") in ("1", "true", "True")
        try:
            rows = tag_services.person_tag_list(
                user=request.user, person_pk=person_pk, include_ended=include
            )
        except Person.DoesNotExist:
            raise _not_found() from None
        return Response(PersonTagSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request=TagWriteSerializer,
        responses={
            201: PersonTagSerializer,
            200: PersonTagSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
        },
    )
    @idempotent()
    def post(self, request, person_pk):
        person = _person(request, person_pk)
        s = TagWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if not data.get("tag"):
            return Response({"detail": _("请选择人员类别。"), "code": "required"}, status=400)
        tag_obj, created = tag_services.person_tag_set(
            actor=request.user, person=person, tag=data.pop("tag"), **_service_kwargs(data)
        )
        return _out(request, tag_obj, status=201 if created else 200)


class PersonTagDetailView(APIView):
    """某人的一个在管标签:查看、修改(PATCH,extra 整体替换)、结束(DELETE,须说明原因)。

    DELETE ends the tag rather than deleting it (body or query: `reason`, optional
    `end_date`, default today) and answers with the ended tag."""

    @extend_schema(responses={200: PersonTagSerializer, 404: ERROR})
    def get(self, request, person_pk, tag):
        return _out(request, _tag(request, person_pk, tag))

    @extend_schema(
        request=TagWriteSerializer,
        responses={200: PersonTagSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @idempotent()
    def patch(self, request, person_pk, tag):
        tag_obj = _tag(request, person_pk, tag)
        s = TagWriteSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if data.pop("tag", tag) != tag:
            return Response(
                {"detail": _("不能修改人员类别,请结束后重新登记。"), "code": "invalid"}, status=400
            )
        tag_obj, _created = tag_services.person_tag_set(
            actor=request.user, person=tag_obj.person, tag=tag, **_service_kwargs(data)
        )
        return _out(request, tag_obj)

    @extend_schema(
        request=TagEndSerializer,
        parameters=[
            OpenApiParameter("reason", str),
            OpenApiParameter("end_date", OpenApiTypes.DATE),
        ],
        responses={200: PersonTagSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @idempotent()
    def delete(self, request, person_pk, tag):
        tag_obj = _tag(request, person_pk, tag)
        s = TagEndSerializer(data=request.data or request.query_params)
        s.is_valid(raise_exception=True)
        tag_obj = tag_services.person_tag_end(
            actor=request.user,
            tag_obj=tag_obj,
            end_date=s.validated_data.get("end_date"),
            reason=s.validated_data["reason"],
            version=s.validated_data.get("version"),
        )
        return _out(request, tag_obj)


def _schema_rows(tags=None) -> list[dict]:
    schemas = tag_services.tag_schemas()
    overridden = tag_services.tag_schema_overridden()
    return [
        {
            "tag": t,
            "label": str(label),
            "overridden": t in overridden,
            "visit_every_days": tag_services.default_visit_every_days(t, schemas[t]),
            "schema": schemas[t],
        }
        for t, label in PersonTag.Tag.choices
        if tags is None or t in tags
    ]


class TagSchemaListView(APIView):
    """各类人员标签的专项信息 Schema(生效的:管理员覆盖的,否则默认),供移动端渲染表单。"""

    @extend_schema(responses={200: TagSchemaSerializer(many=True)})
    def get(self, request):
        return Response(_schema_rows())


class TagSchemaDetailView(APIView):
    """一类标签的 Schema;省级管理员可覆盖(PUT,请求体为 JSON Schema)或恢复默认(DELETE)。"""

    def _check(self, tag):
        if tag not in PersonTag.Tag.values:
            raise _not_found()

    @extend_schema(responses={200: TagSchemaSerializer, 404: ERROR})
    def get(self, request, tag):
        self._check(tag)
        return Response(_schema_rows({tag})[0])

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses={200: TagSchemaSerializer, 400: ERROR, 403: ERROR}
    )
    def put(self, request, tag):
        self._check(tag)
        tag_services.tag_schema_override(actor=request.user, tag=tag, schema=request.data)
        return Response(_schema_rows({tag})[0])

    @extend_schema(request=None, responses={200: TagSchemaSerializer, 403: ERROR})
    def delete(self, request, tag):
        self._check(tag)
        tag_services.tag_schema_reset(actor=request.user, tag=tag)
        return Response(_schema_rows({tag})[0])
