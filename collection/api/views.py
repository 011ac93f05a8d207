from django.core.exceptions import ValidationError
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from collection import selectors, services
from collection.models import House, Organisation, Person, Place, Visit
from governance.api.views import ScopedViewSet
from grids.models import Area

from .bodies import (
    HouseCreateSerializer,
    OrganisationCreateSerializer,
    PlaceCreateSerializer,
    RevealedSerializer,
    RevealSerializer,
    VisitCreateSerializer,
)
from .serializers import (
    HouseSerializer,
    OrganisationSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    PlaceSerializer,
    VisitSerializer,
)

LIST_OF_OBJECTS = build_array_type(build_basic_type(OpenApiTypes.OBJECT))


def _grid(request, code):
    grid = Area.objects.restrict(request.user).filter(code=code or "", level=6).first()
    if grid is None:
        raise ValidationError("网格不存在或不在您的管辖范围内 Unknown grid.", code="invalid_grid")
    return grid


class ExportMixin:
    """`GET …/export/?fmt=xlsx|csv` with the list's own filters: masked by role, audited;
    above EXPORT_SYNC_LIMIT rows written in the background with a notification."""

    export_dataset = ""

    def __init_subclass__(cls, **kwargs):
        """The schema names the filters each list and its export really take."""
        super().__init_subclass__(**kwargs)
        if not cls.export_dataset:
            return
        from collection.exports import EXPORTS

        filters = [OpenApiParameter(f, str) for f in EXPORTS[cls.export_dataset].filters]
        views = {"export": extend_schema(
            parameters=[OpenApiParameter("fmt", str, enum=["xlsx", "csv"]), *filters])}
        if "list" not in cls.__dict__:
            views["list"] = extend_schema(parameters=filters)
        extend_schema_view(**views)(cls)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet"): OpenApiTypes.BINARY,
                              (200, "text/csv"): OpenApiTypes.BINARY,
                              202: inline_serializer("ExportQueued", {
                                  "detail": serializers.CharField(),
                                  "code": serializers.CharField()})})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """导出(按角色脱敏);数据量大时后台生成并通知。Export, masked by role."""
        from django.http import HttpResponse

        from collection import exports

        # "fmt", not "format": DRF reserves ?format= for its renderers.
        fmt = "csv" if request.query_params.get("fmt") == "csv" else "xlsx"
        dataset, p = self.export_dataset, request.query_params
        filters = {k: p.get(k, "") for k in exports.EXPORTS[dataset].filters}
        answer = exports.dataset_export_request(user=request.user, dataset=dataset, fmt=fmt,
                                                filters=filters)
        if answer.queued:
            return Response({"detail": "数据量较大,已转入后台生成,完成后将通知您。 The export "
                                       "runs in the background; you will be notified.",
                             "code": "queued"}, status=202)
        response = HttpResponse(answer.data, content_type=exports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
        return response


class PersonViewSet(ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    ScopedViewSet):
    """实有人口:按管辖范围列出、查看、登记、修改;证件号码与电话按角色脱敏。"""

    serializer_class = PersonSerializer
    queryset = Person.objects.none()
    export_dataset = "people"

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.person_list(user=self.request.user, q=p.get("q", ""),
                                     id_number=p.get("id_number", ""), tag=p.get("tag", ""),
                                     kind=p.get("kind", ""), grid=p.get("grid", "")
                                     ).prefetch_related("tags")

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("id_number", str),
                               OpenApiParameter("tag", str), OpenApiParameter("kind", str),
                               OpenApiParameter("grid", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _data(self, request):
        s = PersonWriteSerializer(data=request.data, partial=request.method == "PATCH")
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if "house" in data:
            data["house"] = House.objects.restrict(request.user).filter(
                pk=data["house"]).first() if data["house"] else None
        return data

    @extend_schema(request=PersonWriteSerializer,
                   responses={201: PersonSerializer, 202: OpenApiTypes.OBJECT})
    def create(self, request):
        """登记;证件号码已在管辖范围外登记的,不透露该记录,改为向原登记地提交迁入申请(202)。
        A number held outside the caller's jurisdiction is not disclosed: a transfer request
        goes to the holding side instead (202 `transfer_requested`)."""
        from collection.transfers import PersonTransferRequested

        data = self._data(request)
        try:
            grid = _grid(request, data.pop("grid", None))
            person = services.person_create(actor=request.user, grid=grid, **data)
        except PersonTransferRequested as exc:
            return Response({"detail": " ".join(exc.messages), "code": exc.code,
                             "transfer": exc.transfer.pk}, status=202)
        return Response(PersonSerializer(person, context={"request": request}).data,
                        status=201)

    @extend_schema(request=PersonWriteSerializer, responses={200: PersonSerializer})
    def partial_update(self, request, pk=None):
        person = self.get_object()
        data = self._data(request)
        grid = _grid(request, data.pop("grid")) if "grid" in data else None
        person = services.person_update(actor=request.user, person=person, grid=grid,
                                        **data)
        return Response(PersonSerializer(person, context={"request": request}).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealedSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """查看完整证件号码或电话(留痕)。Reveal a protected value; audited."""
        person = self.get_object()  # outside the jurisdiction: 404 whatever the body
        s = RevealSerializer(data=request.data)
        s.is_valid(raise_exception=True)  # a field name, not any JSON value
        field = s.validated_data["field"]
        value = services.person_reveal(actor=request.user, person=person, field=field)
        return Response({"field": field, "value": value})


class _GridRecordViewSet(ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         ScopedViewSet):
    create_service = None
    fields = ()

    def create(self, request):
        data = {k: request.data.get(k) for k in self.fields if k in request.data}
        grid = _grid(request, request.data.get("grid"))
        obj = type(self).create_service(actor=request.user, grid=grid, **data)
        return Response(self.get_serializer(obj).data, status=201)


@extend_schema_view(create=extend_schema(request=HouseCreateSerializer,
                                         responses={201: HouseSerializer}))
class HouseViewSet(_GridRecordViewSet):
    """实有房屋(含出租房)。"""

    serializer_class = HouseSerializer
    queryset = House.objects.none()
    export_dataset = "houses"
    create_service = staticmethod(services.house_create)
    fields = ("address", "use", "owner_name", "extra")

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.house_list(user=self.request.user, q=p.get("q", ""),
                                    use=p.get("use", ""), grid=p.get("grid", ""))

    @extend_schema(responses={200: PersonSerializer(many=True)})
    @action(detail=True, pagination_class=None)
    def residents(self, request, pk=None):
        house = self.get_object()
        people = selectors.person_list(user=request.user).filter(house=house)
        return Response(PersonSerializer(people, many=True, context={"request": request}).data)


@extend_schema_view(create=extend_schema(request=OrganisationCreateSerializer,
                                         responses={201: OrganisationSerializer}))
class OrganisationViewSet(_GridRecordViewSet):
    """非公有制经济组织与社会组织(统一社会信用代码按 GB 32100 校验)。"""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.none()
    export_dataset = "organisations"
    create_service = staticmethod(services.organisation_create)
    fields = ("name", "kind", "credit_code", "legal_person", "address", "extra")

    def scoped_queryset(self):
        p = self.request.query_params
        return selectors.organisation_list(user=self.request.user, q=p.get("q", ""),
                                           kind=p.get("kind", ""), grid=p.get("grid", ""))


@extend_schema_view(create=extend_schema(request=PlaceCreateSerializer,
                                         responses={201: PlaceSerializer}))
class PlaceViewSet(_GridRecordViewSet):
    """重点场所与校园周边。"""

    serializer_class = PlaceSerializer
    queryset = Place.objects.none()
    export_dataset = "places"
    create_service = staticmethod(services.place_create)
    fields = ("name", "kind", "address", "extra")

    def scoped_queryset(self):
        return selectors.place_list(user=self.request.user)


class VisitViewSet(ExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   ScopedViewSet):
    """走访记录。"""

    serializer_class = VisitSerializer
    queryset = Visit.objects.none()
    export_dataset = "visits"

    def scoped_queryset(self):
        return selectors.visit_list(user=self.request.user)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request):
        from django.utils.dateparse import parse_datetime

        try:
            visited_at = parse_datetime(str(request.data.get("visited_at") or ""))
        except ValueError:  # well formed but not a real time, e.g. month 13
            visited_at = None
        if visited_at is None:
            return Response({"detail": "请填写有效的走访时间(ISO 8601) / visited_at is "
                                       "required (ISO 8601).", "code": "required"}, status=400)
        ids = request.data.get("people") or []
        if not isinstance(ids, list) or not all(str(i).isdigit() for i in ids):
            return Response({"detail": "people 须为人员编号列表 / people must be a list of "
                                       "ids.", "code": "invalid"}, status=400)
        grid = _grid(request, request.data.get("grid"))
        people = selectors.person_list(user=request.user).filter(
            pk__in=[int(i) for i in ids])
        visit = services.visit_create(
            actor=request.user, grid=grid, visited_at=visited_at,
            place=request.data.get("place", ""), findings=request.data.get("findings", ""),
            people=people, report_category=request.data.get("report_category") or "",
            report_title=request.data.get("report_title") or "")
        return Response(VisitSerializer(visit).data, status=201)


class CatalogueView(APIView):
    """数据资源目录:数据集、字段、责任部门、共享级别、更新频率与记录数(按管辖范围)。"""

    @extend_schema(responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        from collection.catalogue import catalogue_list

        return Response(catalogue_list(user=request.user))


FEED_SERIALIZERS = {
    "people": (Person, PersonSerializer), "houses": (House, HouseSerializer),
    "organisations": (Organisation, OrganisationSerializer), "places": (Place, PlaceSerializer),
    "visits": (Visit, VisitSerializer),
}


class ChangeFeedView(APIView):
    """变更流:`?dataset=people&since=<seq>` 返回其后的变更及当前数据(按权限脱敏)。

    Read with a cursor: pass the `next` of one answer as `since` of the next call. `op` is
    create, update or removed (the record left the reader's area: drop the copy; only
    `id`, no `data`); treat create and update as "upsert `data`" (data is null when the
    record is no longer visible to the reader: a removal follows).
    """

    @extend_schema(parameters=[OpenApiParameter("dataset", str, required=True,
                                                enum=list(FEED_SERIALIZERS)),
                               OpenApiParameter("since", int), OpenApiParameter("limit", int)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        from governance.changes import REMOVED, changes_since

        dataset = request.query_params.get("dataset", "")
        if dataset not in FEED_SERIALIZERS:
            return Response({"detail": "未知数据集 Unknown dataset.", "code": "invalid"},
                            status=400)
        try:
            since = int(request.query_params.get("since", 0))
            limit = min(max(int(request.query_params.get("limit", 500)), 1), 1000)
        except ValueError:
            return Response({"detail": "since 与 limit 须为整数 since/limit must be integers.",
                             "code": "invalid"}, status=400)
        changes = list(changes_since(user=request.user, dataset=dataset, since=since,
                                     limit=limit))
        model, serializer = FEED_SERIALIZERS[dataset]
        current = {str(o.pk): o for o in model.objects.restrict(request.user).filter(
            pk__in=[c.object_id for c in changes])}
        results = [{
            "seq": c.seq, "op": c.op, "id": c.object_id, "at": c.at,
            # A removal carries only the id: the record left this reader's area (it may
            # come back in a later entry if the reader also sees where it went).
            "data": serializer(current[c.object_id], context={"request": request}).data
            if c.object_id in current and c.op != REMOVED else None,
        } for c in changes]
        return Response({"next": changes[-1].seq if changes else since, "results": results})


class PointsView(APIView):
    """房屋与重点场所点位(GeoJSON,按管辖范围)。Houses and places with a location."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        features = []
        for h in selectors.house_list(user=request.user).filter(location__isnull=False)[:5000]:
            features.append({"type": "Feature", "geometry": {
                "type": "Point", "coordinates": [h.location.x, h.location.y]},
                "properties": {"kind": "house", "label": h.address,
                               "rental": h.use == House.Use.RENTAL}})
        for p in selectors.place_list(user=request.user).filter(location__isnull=False)[:5000]:
            features.append({"type": "Feature", "geometry": {
                "type": "Point", "coordinates": [p.location.x, p.location.y]},
                "properties": {"kind": "place", "label": p.name, "rental": False}})
        return Response({"type": "FeatureCollection", "features": features})
