from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from collection.models import Visit
from events.models import Event
from governance.api.views import ScopedViewSet
from governance.errors import NotFound
from grids.models import Area
from mediation import selectors, services
from mediation.models import Dispute, FollowUp, MediationOrg
from mediation.rates import period_clean, rates_compute

from .serializers import (
    DisputeActionSerializer,
    DisputeDetailSerializer,
    DisputeInputSerializer,
    DisputeSerializer,
    MediationOrgSerializer,
)


def _org(user, pk):
    org = selectors.org_list(user=user).filter(pk=pk).first() if pk else None
    if pk and org is None:
        raise NotFound(_("找不到该调解组织。"))
    return org


def _mediator(pk):
    if not pk:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise ValidationError(_("找不到该调解员。"), code="invalid_mediator")
    return user


def dispute_action(user, dispute: Dispute, name: str, d: dict):
    """One action by name (shared by the API and the detail page)."""
    if name == "assign":
        return services.dispute_assign(
            actor=user,
            dispute=dispute,
            org=_org(user, d.get("org")),
            mediator=_mediator(d.get("mediator")),
        )
    if name == "session":
        return services.session_record(
            actor=user, dispute=dispute, note=d.get("note", ""), place=d.get("place", "")
        )
    if name == "succeed":
        return services.dispute_succeed(actor=user, dispute=dispute, terms=d.get("terms", ""))
    if name == "fail":
        return services.dispute_fail(
            actor=user, dispute=dispute, referral=d.get("referral", ""), note=d.get("note", "")
        )
    if name == "withdraw":
        return services.dispute_withdraw(actor=user, dispute=dispute, note=d.get("note", ""))
    if name == "code":
        return services.dispute_code_change(
            actor=user, dispute=dispute, code=d.get("code"), reason=d.get("reason", "")
        )
    if name == "follow_up":
        follow_up = FollowUp.objects.filter(dispute=dispute, pk=d.get("follow_up") or 0).first()
        if follow_up is None:
            raise NotFound(_("找不到该回访。"))
        return services.follow_up_record(
            actor=user, follow_up=follow_up, result=d.get("result", ""), note=d.get("note", "")
        )
    raise ValidationError(_("未知操作:%(a)s") % {"a": name}, code="invalid_action")


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """矛盾纠纷:列表(区域、调解码、状态筛选)、详情、受理、调解各环节、三源治理指标。"""

    queryset = Dispute.objects.none()

    def scoped_queryset(self):
        if self.action == "list":
            p = self.request.query_params
            return selectors.dispute_list(
                user=self.request.user,
                area=p.get("area"),
                code=p.get("code"),
                status=p.get("status"),
                overdue_only=p.get("overdue") == "1",
            )
        return Dispute.objects.restrict(self.request.user).prefetch_related(
            "parties", "sessions", "agreements", "follow_ups", "code_changes"
        )

    def get_serializer_class(self):
        return DisputeSerializer if self.action == "list" else DisputeDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str),
            OpenApiParameter("code", str, enum=["red", "orange", "yellow", "blue", "green"]),
            OpenApiParameter("status", str),
            OpenApiParameter(
                "overdue", str, enum=["1"], description="1: 最超期(未办结且已过时限,最久在前)"
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DisputeInputSerializer, responses={201: DisputeDetailSerializer})
    def create(self, request):
        """受理:窗口登记、事件转入(event)、走访发现(visit)。"""
        s = DisputeInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        common = {
            "type": d["type"],
            "amount": d["amount"],
            "people_count": d["people_count"],
            "flags": d["flags"],
            "allow_duplicate": d["allow_duplicate"],
        }
        if d["event"]:
            event = Event.objects.restrict(request.user).filter(pk=d["event"]).first()
            if event is None:
                raise NotFound(_("找不到该事件。"))
            dispute = services.dispute_from_event(
                actor=request.user, event=event, parties=d["parties"], **common
            )
        elif d["visit"]:
            visit = Visit.objects.restrict(request.user).filter(pk=d["visit"]).first()
            if visit is None:
                raise NotFound(_("找不到该走访记录。"))
            dispute = services.dispute_from_visit(
                actor=request.user, visit=visit, title=d["title"], parties=d["parties"], **common
            )
        else:
            grid = Area.objects.filter(code=d["grid"], level=6).first()
            if grid is None:
                raise ValidationError(_("网格编码无效。"), code="invalid_grid")
            dispute = services.dispute_register(
                actor=request.user,
                grid=grid,
                title=d["title"],
                description=d["description"],
                parties=d["parties"],
                **common,
            )
        fresh = selectors.dispute_get(user=request.user, pk=dispute.pk)
        return Response(DisputeDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeActionSerializer, responses={200: DisputeDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def perform(self, request, pk=None, name=None):
        """assign 分派(org, mediator) · session 调解记录(note, place) · succeed 调解成功
        (terms) · fail 调解不成(referral, note) · withdraw 撤回(note) · code 变更调解码
        (code, reason) · follow_up 回访(follow_up, result, note)"""
        dispute = self.get_object()
        s = DisputeActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        dispute_action(request.user, dispute, name, s.validated_data)
        fresh = selectors.dispute_get(user=request.user, pk=dispute.pk)
        return Response(DisputeDetailSerializer(fresh).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, required=True),
            OpenApiParameter("from", str, required=True),
            OpenApiParameter("to", str, required=True),
        ]
    )
    @action(detail=False, methods=["get"])
    def rates(self, request):
        """三源治理指标:{指标代码: {value, numerator, denominator}};
        分母为 0 时 value 为 null(无数据)。"""
        p = request.query_params
        area = selectors.area_get(user=request.user, code=p.get("area"))
        since, until = period_clean(p.get("from"), p.get("to"))
        return Response(rates_compute(area.path, since, until))


class MediationOrgViewSet(mixins.ListModelMixin, ScopedViewSet):
    """调解组织(管辖范围内)。"""

    queryset = MediationOrg.objects.none()
    pagination_class = None  # the organisations of a jurisdiction: a short list

    def scoped_queryset(self):
        return selectors.org_list(user=self.request.user)

    @extend_schema(responses={200: MediationOrgSerializer(many=True)})
    def list(self, request):
        return Response(MediationOrgSerializer(self.get_queryset(), many=True).data)
