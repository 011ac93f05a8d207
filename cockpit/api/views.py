from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from grids.models import Area

from .. import selectors
from .serializers import SummarySerializer


class SummaryViewSet(ScopedViewSet):
    """驾驶舱概览:辖区(默认为管辖范围的顶层)及其下级的人、房、企、地、事数量,读自汇总表。"""

    queryset = Area.objects.all()
    pagination_class = None  # one object, not a page

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area", str, description="区划代码,缺省为管辖范围的顶层 area code (default: top)"
            )
        ],
        responses={200: SummarySerializer},
    )
    def summary(self, request):
        code = request.query_params.get("area")
        return Response(
            SummarySerializer(selectors.cockpit_summary(user=request.user, code=code)).data
        )
