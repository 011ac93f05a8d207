import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from governance.api.views import LagTolerantMixin, ScopedViewSet
from grids.models import Area

from .. import live, panels, selectors
from .serializers import (
    BreakdownSerializer,
    LiveRecentSerializer,
    MediationPanelSerializer,
    OverdueUnitsSerializer,
    RankingSerializer,
    SatisfactionSerializer,
    SummarySerializer,
    TimelinessSerializer,
    TrendSerializer,
    WarningsSerializer,
)

LIMIT = re.compile(r"[0-9]{1,3}")
AREA = OpenApiParameter(
    "area", str, description="区划代码,缺省为管辖范围的顶层 area code (default: top)"
)


class SummaryViewSet(LagTolerantMixin, ScopedViewSet):
    """驾驶舱概览:辖区(默认为管辖范围的顶层)及其下级的人、房、企、地、事数量,读自汇总表。"""

    queryset = Area.objects.all()
    pagination_class = None  # one object, not a page

    @extend_schema(parameters=[AREA], responses={200: SummarySerializer})
    def summary(self, request):
        code = request.query_params.get("area")
        return Response(
            SummarySerializer(selectors.cockpit_summary(user=request.user, code=code)).data
        )


class LiveViewSet(LagTolerantMixin, ScopedViewSet):
    """驾驶舱实时动态:辖区内最近的新上报与上报上级、督办、超期事件(新的在前),与
    `/cockpit/live/` 的服务器推送同源;只含当前用户可查看的事件。"""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area", str, description="区划代码,缺省为管辖范围的顶层 area code (default: top)"
            ),
            OpenApiParameter(
                "limit",
                int,
                description=f"条数 1–{live.RECENT_MAX},缺省 {live.RECENT_DEFAULT} how many",
            ),
        ],
        responses={200: LiveRecentSerializer},
    )
    def recent(self, request):
        area = selectors.cockpit_area(user=request.user, code=request.query_params.get("area"))
        raw = request.query_params.get("limit", "")
        limit = live.RECENT_DEFAULT
        if raw != "":
            if not LIMIT.fullmatch(raw) or not 1 <= int(raw) <= live.RECENT_MAX:
                raise ValidationError(
                    _("limit 须为 1 到 %(max)d 的整数。") % {"max": live.RECENT_MAX},
                    code="invalid_limit",
                )
            limit = int(raw)
        return Response(
            LiveRecentSerializer(live.live_recent(user=request.user, area=area, limit=limit)).data
        )


class PanelViewSet(LagTolerantMixin, ScopedViewSet):
    """驾驶舱各面板:趋势、分类统计、时效、满意度、排名、超期单位、风险预警、矛盾纠纷。每个面板读汇总表一次,
    范围同概览(管辖范围外或其上级:404;部门用户只计本部门办理的事件)。"""

    queryset = Area.objects.all()
    pagination_class = None

    def _area(self):
        return self.request.query_params.get("area")

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("days", int, enum=list(panels.TREND_DAYS), description="7 或 30"),
        ],
        responses={200: TrendSerializer},
    )
    def trend(self, request):
        data = panels.cockpit_trend(
            user=request.user, code=self._area(), days=request.query_params.get("days")
        )
        return Response(TrendSerializer(data).data)

    @extend_schema(
        parameters=[AREA, OpenApiParameter("by", str, enum=list(panels.BREAKDOWNS))],
        responses={200: BreakdownSerializer},
    )
    def breakdown(self, request):
        data = panels.cockpit_breakdown(
            user=request.user, code=self._area(), by=request.query_params.get("by")
        )
        return Response(BreakdownSerializer(data).data)

    @extend_schema(parameters=[AREA], responses={200: TimelinessSerializer})
    def timeliness(self, request):
        data = panels.cockpit_timeliness(user=request.user, code=self._area())
        return Response(TimelinessSerializer(data).data)

    @extend_schema(parameters=[AREA], responses={200: SatisfactionSerializer})
    def satisfaction(self, request):
        data = panels.cockpit_satisfaction(user=request.user, code=self._area())
        return Response(SatisfactionSerializer(data).data)

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("of", str, enum=list(panels.RANKED_OF)),
            OpenApiParameter("by", str, enum=list(panels.RANKINGS)),
        ],
        responses={200: RankingSerializer},
    )
    def ranking(self, request):
        q = request.query_params
        data = panels.cockpit_ranking(
            user=request.user, code=self._area(), of=q.get("of"), by=q.get("by")
        )
        return Response(RankingSerializer(data).data)

    @extend_schema(parameters=[AREA], responses={200: OverdueUnitsSerializer})
    def overdue_units(self, request):
        data = panels.cockpit_overdue_units(user=request.user, code=self._area())
        return Response(OverdueUnitsSerializer(data).data)

    @extend_schema(parameters=[AREA], responses={200: WarningsSerializer})
    def warnings(self, request):
        """未解除的风险预警:辖区及各下级区域按等级(红橙黄蓝绿)的数量,读自汇总表。"""
        data = panels.cockpit_warnings(user=request.user, code=self._area())
        return Response(WarningsSerializer(data).data)

    @extend_schema(parameters=[AREA], responses={200: MediationPanelSerializer})
    def mediation(self, request):
        """矛盾纠纷:辖区及各下级区域在调纠纷按调解码(红橙黄蓝绿)的数量、近一年三源治理
        指标(读自汇总表)与最超期的未办结纠纷。"""
        data = panels.cockpit_mediation(user=request.user, code=self._area())
        return Response(MediationPanelSerializer(data).data)
