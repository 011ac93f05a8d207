"""指令、位置、预案与预案启动的 API. Reads start from the selectors (scoped); every write is
a service call, whose refusals the one exception handler answers as {"detail", "code"}."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from command import plans, positions, selectors, services
from command.models import Command, Plan, PlanActivation, StaffLastPosition
from events.models import Event, EventCategory
from governance.api.views import ScopedViewSet
from governance.errors import NotFound
from grids.models import Area

from .serializers import (
    ActivationDetailSerializer,
    ActivationInputSerializer,
    ActivationSerializer,
    CloseSerializer,
    CommandDetailSerializer,
    CommandInputSerializer,
    CommandSerializer,
    NearestSerializer,
    PlanInputSerializer,
    PlanSerializer,
    PositionInputSerializer,
    PositionSerializer,
    RespondSerializer,
)


def area_in_scope(user, code) -> Area:
    area = Area.objects.restrict(user).filter(code=str(code)).first()
    if area is None:
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    return area


def event_in_scope(user, number) -> Event:
    event = Event.objects.restrict(user).filter(number=str(number)).first()
    if event is None:
        raise NotFound(_("事件不存在或不在您的管辖范围内。"))
    return event


class CommandViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """指令:列表(box=mine 我收到的 / issued 我下达的 / overdue 有超期)、详情(各接收对象的状态)、
    下达、签收、进展、反馈。"""

    queryset = Command.objects.none()

    def scoped_queryset(self):
        if self.action == "list":
            p = self.request.query_params
            return selectors.command_list(
                user=self.request.user, box=p.get("box"), status=p.get("status")
            )
        return selectors.command_visible(user=self.request.user)

    def get_object(self):
        return selectors.command_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return CommandSerializer if self.action == "list" else CommandDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=["all", "mine", "issued", "overdue"]),
            OpenApiParameter("status", str, enum=Command.Status.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CommandInputSerializer, responses={201: CommandDetailSerializer})
    def create(self, request):
        s = CommandInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        user = request.user
        area = area_in_scope(user, d["area"])
        event = event_in_scope(user, d["event"]) if d.get("event") else None
        warning = None
        if d.get("warning"):
            from risk.models import Warning

            warning = Warning.objects.restrict(user).filter(pk=d["warning"]).first()
            if warning is None:
                raise NotFound(_("预警不存在或不在您的管辖范围内。"))
        command = services.command_issue(
            actor=user,
            area=area,
            title=d["title"],
            body=d.get("body", ""),
            priority=d["priority"],
            deadline=d["deadline"],
            recipients=services.RecipientSpec(
                users=d.get("users", []),
                units=d.get("units", []),
                departments=d.get("departments", []),
                grid_workers_of=d.get("grid_workers_of"),
            ),
            event=event,
            warning=warning,
            remind_minutes=d.get("remind_minutes", 120),
        )
        fresh = selectors.command_get(user=user, pk=command.pk)
        return Response(CommandDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)

    def _respond(self, request, service, pk):
        command = self.get_object()
        s = RespondSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        kwargs = {"note": d.get("note", ""), "recipient_id": d.get("recipient")}
        if service is not services.command_sign:
            kwargs["files"] = request.FILES.getlist("files")
        service(actor=request.user, command=command, **kwargs)
        fresh = selectors.command_get(user=request.user, pk=command.pk)
        return Response(CommandDetailSerializer(fresh).data)

    @extend_schema(request=RespondSerializer, responses={200: CommandDetailSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """签收(note 可选)。"""
        return self._respond(request, services.command_sign, pk)

    @extend_schema(request=RespondSerializer, responses={200: CommandDetailSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """进展(note 必填;multipart 时 files 现场照片)。"""
        return self._respond(request, services.command_progress, pk)

    @extend_schema(request=RespondSerializer, responses={200: CommandDetailSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """反馈完成(note 必填;files 现场照片)。"""
        return self._respond(request, services.command_feedback, pk)


class NearestQuery(serializers.Serializer):
    event = serializers.CharField(max_length=24)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=10)
    max_age = serializers.IntegerField(required=False, min_value=1, max_value=1440, default=60)
    radius_km = serializers.FloatField(required=False, min_value=0.1, max_value=500, default=50)


class RouteQuery(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    date = serializers.DateField(required=False)


class RouteSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    date = serializers.DateField()
    points = serializers.ListField(child=serializers.DictField())
    line = serializers.DictField(allow_null=True)


class PositionViewSet(mixins.ListModelMixin, ScopedViewSet):
    """人员位置:上报本人位置(每分钟至多一次)、辖区内各人员的最新位置(含时长)、
    事件附近的可用人员(按距离)、某人当天的轨迹。"""

    queryset = StaffLastPosition.objects.none()
    serializer_class = PositionSerializer

    def scoped_queryset(self):
        area = self.request.query_params.get("area")
        path = area_in_scope(self.request.user, area).path if area else None
        return positions.positions_last(user=self.request.user, area_path=path)

    @extend_schema(parameters=[OpenApiParameter("area", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=PositionInputSerializer,
        responses={
            201: PositionSerializer,
            429: OpenApiResponse(description="每分钟至多上报一次(code: too_frequent)"),
        },
    )
    def create(self, request):
        s = PositionInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        positions.position_report(
            actor=request.user, lng=d["lng"], lat=d["lat"], accuracy=d["accuracy"]
        )
        last = StaffLastPosition.objects.select_related("user").get(user=request.user)
        return Response(PositionSerializer(last).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[NearestQuery], responses={200: NearestSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def nearest(self, request):
        """事件附近的可用人员(最近位置不超过 max_age 分钟),由近到远。"""
        q = NearestQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        d = q.validated_data
        event = event_in_scope(request.user, d["event"])
        rows = positions.staff_nearest(
            user=request.user,
            event=event,
            limit=d["limit"],
            max_age_minutes=d["max_age"],
            radius_km=d["radius_km"],
        )
        return Response(NearestSerializer(rows, many=True).data)

    @extend_schema(parameters=[RouteQuery], responses={200: RouteSerializer})
    @action(detail=False, methods=["get"])
    def route(self, request):
        """某人员当天(date,默认今天)的位置轨迹。"""
        q = RouteQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        from django.utils import timezone

        day = q.validated_data.get("date") or timezone.localdate()
        points, line = positions.route_of_day(
            user=request.user, staff_id=q.validated_data["user"], day=day
        )
        import json

        return Response(
            {
                "user": q.validated_data["user"],
                "date": day,
                "points": [
                    {
                        "lng": round(p.location.x, 6),
                        "lat": round(p.location.y, 6),
                        "accuracy": p.accuracy,
                        "recorded_at": p.recorded_at.isoformat(),
                    }
                    for p in points
                ],
                "line": json.loads(line.geojson) if line is not None else None,
            }
        )


def _category(code):
    if code in (None, ""):
        return None
    cat = EventCategory.objects.filter(code=str(code)).first()
    if cat is None:
        raise ValidationError(_("事件分类不存在。"), code="invalid_category")
    return cat


class PlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """应急预案:列表、详情(步骤、时限、检查清单、联系人)、新建与修改(管理员;每次修改版本加一)。"""

    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.plan_list(user=self.request.user)

    @extend_schema(request=PlanInputSerializer, responses={201: PlanSerializer})
    def create(self, request):
        s = PlanInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        if not d.get("area"):
            raise ValidationError(_("请填写预案适用区域。"), code="required")
        plan = plans.plan_create(
            actor=request.user,
            area=area_in_scope(request.user, d["area"]),
            name=d.get("name", ""),
            category=_category(d.get("category")),
            min_urgency=d.get("min_urgency", "urgent"),
            description=d.get("description", ""),
            contacts=d.get("contacts"),
            active=d.get("active", True),
            steps=[dict(x) for x in d.get("steps", [])],
        )
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanInputSerializer, responses={200: PlanSerializer})
    def update(self, request, pk=None, partial=False):
        plan = self.get_object()
        s = PlanInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        plan = plans.plan_update(
            actor=request.user,
            plan=plan,
            name=d.get("name"),
            category=_category(d.get("category")) if "category" in d else ...,
            min_urgency=d.get("min_urgency"),
            description=d.get("description"),
            contacts=[dict(c) for c in d["contacts"]] if "contacts" in d else None,
            active=d.get("active"),
            steps=[dict(x) for x in d["steps"]] if "steps" in d else None,
        )
        return Response(PlanSerializer(selectors.plan_get(user=request.user, pk=plan.pk)).data)

    @extend_schema(request=PlanInputSerializer, responses={200: PlanSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class ActivationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """预案启动:列表、看板(每一步、接收对象、谁已超期)、从事件启动、接受建议、不予启动、关闭(总结)。"""

    queryset = PlanActivation.objects.none()

    def scoped_queryset(self):
        return selectors.activation_list(
            user=self.request.user, status=self.request.query_params.get("status")
        )

    def get_serializer_class(self):
        return ActivationSerializer if self.action == "list" else ActivationDetailSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=PlanActivation.Status.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ActivationInputSerializer, responses={201: ActivationDetailSerializer})
    def create(self, request):
        s = ActivationInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        event = event_in_scope(request.user, d["event"])
        plan = selectors.plan_get(user=request.user, pk=d["plan"])
        act = plans.plan_activate(actor=request.user, plan=plan, event=event)
        return Response(ActivationDetailSerializer(act).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ActivationDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """接受系统建议,启动预案。"""
        act = self.get_object()
        if act.status != PlanActivation.Status.PROPOSED:
            from governance.errors import Conflict

            raise Conflict(_("该记录不是待确认的启动建议。"), code="invalid_state")
        act = plans.plan_activate(actor=request.user, plan=act.plan, event=act.event)
        return Response(ActivationDetailSerializer(act).data)

    @extend_schema(request=CloseSerializer, responses={200: ActivationDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """关闭预案(summary 总结必填)。"""
        act = self.get_object()
        s = CloseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        act = plans.activation_close(
            actor=request.user, activation=act, summary=s.validated_data["summary"]
        )
        return Response(ActivationDetailSerializer(act).data)
