from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.access import WHOLE_PROVINCE, allowed
from governance.api.views import ScopedViewSet
from governance.roles import Action
from risk import selectors, services
from risk.definitions import clean_definition
from risk.evaluation import preview
from risk.models import Rule, Warning

from .serializers import (
    PersonRiskSerializer,
    RuleInputSerializer,
    RuleSerializer,
    WarningActionSerializer,
    WarningDetailSerializer,
    WarningSerializer,
)

ACTIONS = {
    "acknowledge": services.warning_acknowledge,
    "handle": services.warning_handle,
    "release": services.warning_release,
}


class WarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """风险预警:列表(区域、等级、状态、对象类型筛选)、详情、签收/处置/解除。"""

    queryset = Warning.objects.none()

    def scoped_queryset(self):
        if self.action == "list":
            p = self.request.query_params
            return selectors.warning_list(
                user=self.request.user,
                area=p.get("area"),
                colour=p.get("colour"),
                status=p.get("status"),
                subject_kind=p.get("subject_kind"),
            )
        return selectors.warning_list(user=self.request.user).prefetch_related("log", "files")

    def get_serializer_class(self):
        return WarningSerializer if self.action == "list" else WarningDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str),
            OpenApiParameter("colour", str, enum=["red", "orange", "yellow", "blue", "green"]),
            OpenApiParameter("status", str, enum=Warning.Status.values),
            OpenApiParameter("subject_kind", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=WarningActionSerializer, responses={200: WarningDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z]+)")
    def perform(self, request, pk=None, name=None):
        """acknowledge 签收 · handle 处置(note 必填,evidence;multipart 时 files 佐证文件)·
        release 解除(note 必填)"""
        warning = self.get_object()
        service = ACTIONS.get(name)
        if service is None:
            raise ValidationError(_("未知操作:%(a)s") % {"a": name}, code="invalid_action")
        s = WarningActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        kwargs = {"note": s.validated_data["note"]}
        if name == "handle":
            kwargs["evidence"] = s.validated_data["evidence"]
            kwargs["files"] = request.FILES.getlist("files")
        service(actor=request.user, warning=warning, **kwargs)
        fresh = self.get_queryset().get(pk=warning.pk)
        return Response(WarningDetailSerializer(fresh, context={"request": request}).data)


class RuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """预警规则(省级管理员):列表、详情、新建、修改(每次修改生成新版本)、预览。"""

    queryset = Rule.objects.none()
    serializer_class = RuleSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self):
        # Provincial settings: only a province administrator sees them (others: 404).
        if not allowed(self.request.user, WHOLE_PROVINCE, Action.CONFIGURE):
            return Rule.objects.none()
        return selectors.rule_list()

    def _require_admin(self):
        if not allowed(self.request.user, WHOLE_PROVINCE, Action.CONFIGURE):
            from governance.errors import Forbidden

            raise Forbidden(_("只有省级管理员可以配置预警规则。"))

    @extend_schema(request=RuleInputSerializer, responses={201: RuleSerializer})
    def create(self, request):
        self._require_admin()
        s = RuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        rule = services.rule_create(
            actor=request.user,
            name=d.get("name", ""),
            subject_kind=d.get("subject_kind", ""),
            definition=d.get("definition"),
            active=d.get("active", True),
        )
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleInputSerializer, responses={200: RuleSerializer})
    def update(self, request, pk=None, partial=False):
        rule = self.get_object()
        s = RuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        rule = services.rule_update(
            actor=request.user,
            rule=rule,
            name=d.get("name"),
            definition=d.get("definition"),
            active=d.get("active"),
        )
        return Response(RuleSerializer(selectors.rule_get(pk=rule.pk)).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=RuleInputSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What the rule would raise today (counts per colour, ten examples), not saved."""
        self._require_admin()
        s = RuleInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        kind = s.validated_data.get("subject_kind", "")
        definition = clean_definition(kind, s.validated_data.get("definition"))
        return Response(preview(kind, definition, user=request.user))


class PersonRiskViewSet(ScopedViewSet):
    """重点人员风险评分:各因子的取值、权重与贡献(贡献之和即分值)。"""

    queryset = Warning.objects.none()

    def scoped_queryset(self):
        return Warning.objects.none()

    @extend_schema(responses={200: PersonRiskSerializer})
    def retrieve(self, request, pk=None):
        card = selectors.person_risk(user=request.user, pk=pk)
        return Response(PersonRiskSerializer(card).data)
