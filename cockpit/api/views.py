from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from grids.models import Area

from .. import selectors


class SummaryViewSet(ScopedViewSet):
    """驾驶舱概览:辖区(默认为管辖范围的顶层)及其下级的人、房、企、地、事数量,读自汇总表。"""

    queryset = Area.objects.all()

    @extend_schema(
        parameters=[OpenApiParameter("area", str, description="区划代码 area code")],
        responses={200: dict},
    )
    def list(self, request):
        return Response(
            selectors.cockpit_summary(user=request.user, code=request.query_params.get("area"))
        )
