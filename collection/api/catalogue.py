"""What there is (the data catalogue) and what changed (the change feed)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from collection.catalogue import catalogue_list
from collection.models import House, Organisation, Person, Place, Visit
from governance.changes import REMOVED, changes_since

from .common import LIST_OF_OBJECTS
from .serializers import (
    HouseSerializer,
    OrganisationSerializer,
    PersonSerializer,
    PlaceSerializer,
    VisitSerializer,
)


class CatalogueView(APIView):
    """数据资源目录:数据集、字段、责任部门、共享级别、更新频率与记录数(按管辖范围)。"""

    @extend_schema(responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        return Response(catalogue_list(user=request.user))


FEED_SERIALIZERS = {
    "people": (Person, PersonSerializer),
    "houses": (House, HouseSerializer),
    "organisations": (Organisation, OrganisationSerializer),
    "places": (Place, PlaceSerializer),
    "visits": (Visit, VisitSerializer),
}


class ChangeFeedView(APIView):
    """变更流:`?dataset=people&since=<seq>` 返回其后的变更及当前数据(按权限脱敏)。

    Read with a cursor: pass the `next` of one answer as `since` of the next call. `op` is
    create, update or removed (the record left the reader's area: drop the copy; only
    `id`, no `data`); treat create and update as "upsert `data`" (data is null when the
    record is no longer visible to the reader: a removal follows).
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("dataset", str, required=True, enum=list(FEED_SERIALIZERS)),
            OpenApiParameter("since", int),
            OpenApiParameter("limit", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        dataset = request.query_params.get("dataset", "")
        if dataset not in FEED_SERIALIZERS:
            return Response(
                {"detail": "未知数据集 Unknown dataset.", "code": "invalid"}, status=400
            )
        try:
            since = int(request.query_params.get("since", 0))
            limit = min(max(int(request.query_params.get("limit", 500)), 1), 1000)
        except ValueError:
            return Response(
                {
                    "detail": "since 与 limit 须为整数 since/limit must be integers.",
                    "code": "invalid",
                },
                status=400,
            )
        changes = list(changes_since(user=request.user, dataset=dataset, since=since, limit=limit))
        model, serializer = FEED_SERIALIZERS[dataset]
        current = {
            str(o.pk): o
            for o in model.objects.restrict(request.user).filter(
                pk__in=[c.object_id for c in changes]
            )
        }
        results = [
            {
                "seq": c.seq,
                "op": c.op,
                "id": c.object_id,
                "at": c.at,
                # A removal carries only the id: the record left this reader's area (it may
                # come back in a later entry if the reader also sees where it went).
                "data": serializer(current[c.object_id], context={"request": request}).data
                if c.object_id in current and c.op != REMOVED
                else None,
            }
            for c in changes
        ]
        return Response({"next": changes[-1].seq if changes else since, "results": results})
