from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from events import config, selectors, services
from events.models import Event, EventCategory, RoutingRule, Status, Trace
from events.sources import API, report_source
from governance.api.views import ScopedReadOnlyViewSet, ScopedViewSet
from governance.models import Department
from governance.roles import Action
from grids.models import Area
from integrations.idempotency import idempotent

from .serializers import (
    CategorySerializer,
    CategoryWriteSerializer,
    EventActionSerializer,
    EventDetailSerializer,
    EventListSerializer,
    EventLocateSerializer,
    EventReportSerializer,
    RoutingRuleSerializer,
    SuperviseSerializer,
    SupervisionSerializer,
)

DETAIL = inline_serializer(
    "Detail", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


class CategoryViewSet(ScopedReadOnlyViewSet):
    """事件分类树:所有人可读;省级管理员维护(POST 新增或修改,按编码)。"""

    serializer_class = CategorySerializer
    queryset = EventCategory.objects.filter(active=True).select_related("parent")
    lookup_field = "code"
    pagination_class = None

    def scoped_queryset(self):
        # The category tree is provincial configuration, the same for every area: every
        # signed-in user reads it; only a province administrator writes it (config.py).
        return self.queryset.all()

    @extend_schema(request=CategoryWriteSerializer, responses={200: CategorySerializer})
    def create(self, request):
        s = CategoryWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        code, parent = d.pop("code"), d.pop("parent")
        try:
            d["parent"] = EventCategory.objects.get(code=parent) if parent else None
            category = config.category_save(actor=request.user, code=code, **d)
        except EventCategory.DoesNotExist:
            return Response(
                {"detail": "上级分类不存在 Unknown parent.", "code": "invalid"}, status=400
            )
        return Response(CategorySerializer(category).data)


class RoutingRuleViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """分派规则(分类 + 区域 → 承办部门),限管辖范围;管理员可新增、删除。"""

    serializer_class = RoutingRuleSerializer
    queryset = RoutingRule.objects.none()

    def scoped_queryset(self):
        action = Action.VIEW if self.request.method == "GET" else Action.CONFIGURE
        return (
            RoutingRule.objects.restrict(self.request.user, action)
            .select_related("category", "area", "department")
            .order_by("area__code", "category__code")
        )

    def create(self, request):
        try:
            rule = config.routing_rule_set(
                actor=request.user,
                category=EventCategory.objects.get(code=request.data.get("category")),
                area=Area.objects.restrict(request.user).get(code=request.data.get("area")),
                department=Department.objects.get(code=request.data.get("department")),
            )
        except (EventCategory.DoesNotExist, Area.DoesNotExist, Department.DoesNotExist):
            return Response(
                {
                    "detail": "分类、区域或部门不存在 Unknown category, area or department.",
                    "code": "invalid",
                },
                status=400,
            )
        return Response(RoutingRuleSerializer(rule).data, status=201)

    def perform_destroy(self, instance):
        config.routing_rule_delete(actor=self.request.user, rule=instance)


def _trail():
    """What the detail answer shows besides the case: its trace with each step's files,
    its files, its supervision cards."""
    return (
        Prefetch("traces", Trace.objects.prefetch_related("attachments")),
        "attachments",
        "supervisions__issued_by_area",
    )


def _with_trail(qs):
    return qs.prefetch_related(*_trail())


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """事件:上报、待办/已办/督办/超期列表、详情(全程留痕)与处置操作。

    Scoped: a case outside the caller's jurisdiction is absent from lists and 404.
    """

    lookup_field = "number"
    queryset = Event.objects.none()

    def scoped_queryset(self):
        qs = selectors.event_list(user=self.request.user)
        if self.action == "list":
            p = self.request.query_params
            qs = selectors.inbox(
                user=self.request.user,
                box=p.get("box", "all"),
                category=p.get("category", ""),
                q=p.get("q", ""),
                status=p.get("status", ""),
            )
        # `retrieve` reads its case through selectors.event_get (below).
        # The writes (perform, progress, supervise …) hand their case to a service, which
        # locks and reads it again: loading its trail first (four more statements) was
        # wasted; their answer is read afterwards with it (`_detail`).
        return qs

    def _detail(self, **lookup) -> dict:
        """The case as GET answers it, read after a write (its trail included)."""
        event = _with_trail(selectors.with_case_areas(self.get_queryset())).get(**lookup)
        return EventDetailSerializer(event, context={"request": self.request}).data

    def get_serializer_class(self):
        return EventDetailSerializer if self.action != "list" else EventListSerializer

    def retrieve(self, request, *args, **kwargs):
        # The case from the statement compiled once per jurisdiction (selectors.event_get:
        # compiling the ORM's query cost more than running it), its trail prefetched.
        try:
            event = selectors.event_get(user=request.user, number=kwargs[self.lookup_field])
        except Event.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(request, event)
        selectors.case_trail(event=event)
        return Response(self.get_serializer(event).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=["todo", "done", "supervised", "overdue", "all"]),
            OpenApiParameter("status", str),
            OpenApiParameter("category", str),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        p = request.query_params
        box, status_ = p.get("box", "all"), p.get("status", "")
        if (
            p.get("q")
            or p.get("category")
            or box not in selectors.INBOX_BOXES
            or (status_ and status_ not in Status.values)
            or not self._kept_page()
        ):
            return super().list(request, *args, **kwargs)
        # The everyday lists (a box, perhaps a status): their page and count from the
        # statements kept per jurisdiction (selectors.kept_inbox), as the inbox page's.
        cases = selectors.kept_inbox(
            user=request.user, box=box, status=status_, shape_key="api", per_page=1
        )
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    # The pages kept as statements: a client's usual limits, page by page, the first
    # hundred pages. Any other limit or offset is read through the ORM, so that no one
    # fills the kept statements with a statement per offset.
    KEPT_LIMITS = (10, 20, 50, 100)
    KEPT_PAGES = 100

    def _kept_page(self) -> bool:
        """Whether the asked page is one of the kept ones (a bad limit or offset raises
        the paginator's 400, as it would anyway)."""
        paginator = self.paginator
        limit = paginator.get_limit(self.request)
        offset = paginator.get_offset(self.request)
        return (
            limit in self.KEPT_LIMITS and offset % limit == 0 and offset < self.KEPT_PAGES * limit
        )

    @extend_schema(request=EventReportSerializer, responses={201: EventDetailSerializer})
    @idempotent()
    def create(self, request):
        """上报事件 Report a case (multipart with `files` for photos)."""
        s = EventReportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        grid = selectors.report_grid(user=request.user, code=d["grid"]) if d.get("grid") else None
        source = report_source(actor=request.user, channel=API)
        try:
            event = services.event_report(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                category=d["category"],
                source=source,
                lng=d.get("lng"),
                lat=d.get("lat"),
                crs=d["crs"],
                grid=grid,
                address=d["address"],
                urgency=d["urgency"],
                files=request.FILES.getlist("files"),
            )
        except ValueError as exc:  # LocateError: bad coordinates
            return Response(
                {"detail": str(exc), "code": getattr(exc, "code", "invalid")}, status=400
            )
        return Response(self._detail(pk=event.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=EventActionSerializer,
        responses={200: EventDetailSerializer},
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=[*services.TRANSITIONS])
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    @idempotent()
    def perform(self, request, number=None, name=None):
        """处置操作:accept, dispatch, sign, close, verify, reopen, rate, return…"""
        event = self.get_object()
        s = EventActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        kwargs = selectors.transition_targets(
            user=request.user,
            event=event,
            department=d.get("department"),
            unit=d.get("unit"),
            into=d.get("into"),
        )
        if "rating" in d:
            kwargs["rating"] = d["rating"]
        services.event_transition(
            actor=request.user,
            event=event,
            action=name,
            note=d["note"],
            files=request.FILES.getlist("files"),
            **kwargs,
        )
        return Response(self._detail(pk=event.pk))

    @extend_schema(request=SuperviseSerializer, responses={201: SupervisionSerializer})
    @action(detail=True, methods=["post"])
    @idempotent()
    def supervise(self, request, number=None):
        """督办:上级单位对未办结事件发出黄牌或红牌。"""
        event = self.get_object()
        s = SuperviseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        card = services.event_supervise(actor=request.user, event=event, **s.validated_data)
        return Response(SupervisionSerializer(card).data, status=201)

    @extend_schema(
        request=inline_serializer(
            "EventProgress",
            {
                "note": serializers.CharField(required=False, allow_blank=True),
                "files": serializers.ListField(child=serializers.FileField(), required=False),
            },
        ),
        responses={200: EventDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent()
    def progress(self, request, number=None):
        """办理进展:补充说明与材料(不改变状态)。Progress note and material."""
        services.event_attach(
            actor=request.user,
            event=self.get_object(),
            files=request.FILES.getlist("files"),
            note=request.data.get("note", ""),
        )
        return Response(self._detail(number=number))

    @extend_schema(
        request=inline_serializer(
            "EventSuspend",
            {"reason": serializers.CharField(help_text="挂起原因 why the clock stops")},
        ),
        responses={200: DETAIL},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, number=None):
        services.event_suspend(
            actor=request.user, event=self.get_object(), reason=request.data.get("reason", "")
        )
        return Response({"detail": "已挂起", "code": "ok"})

    @extend_schema(request=EventLocateSerializer, responses={200: EventDetailSerializer})
    @action(detail=True, methods=["post"])
    def locate(self, request, number=None):
        """指定网格:为仅凭地址登记、待审核的请求指定所属网格(审核前)。"""
        event = self.get_object()
        s = EventLocateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        grid = selectors.report_grid(user=request.user, code=s.validated_data["grid"])
        services.event_locate(actor=request.user, event=event, grid=grid)
        return Response(self._detail(pk=event.pk))

    @extend_schema(request=None, responses={200: DETAIL})
    @action(detail=True, methods=["post"])
    def resume(self, request, number=None):
        services.event_resume(actor=request.user, event=self.get_object())
        return Response({"detail": "已恢复计时", "code": "ok"})

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=True),
            OpenApiParameter("lng", float, required=True),
            OpenApiParameter("lat", float, required=True),
        ],
        responses={200: EventListSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request):
        """疑似重复:同类、50 米内、近 7 天的未办结事件。"""
        p = request.query_params
        try:
            category = EventCategory.objects.get(code=p.get("category"))
            lng, lat = float(p.get("lng")), float(p.get("lat"))
        except (EventCategory.DoesNotExist, TypeError, ValueError):
            return Response(
                {"detail": "参数有误 category, lng and lat are required.", "code": "invalid"},
                status=400,
            )
        qs = services.duplicates_suggest(user=request.user, category=category, lng=lng, lat=lat)
        return Response(EventListSerializer(qs[:20], many=True).data)
