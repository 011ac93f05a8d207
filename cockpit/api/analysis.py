"""多维研判 API: the pivot, staff workload and period comparison (docs/cockpit.md). The
views only call the selectors of cockpit/analysis/; bad input raises there and the one
exception handler answers 400/404 with {"detail", "code"}."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from governance.api.views import LagTolerantMixin, ScopedViewSet
from grids.models import Area

from ..analysis import (
    DIMENSIONS,
    analysis_compare,
    analysis_pivot,
    analysis_workload,
)
from .serializers import SummaryAreaSerializer

# -- contracts ------------------------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="键 key (area code, period, id, value)")
    name = serializers.CharField(help_text="名称 name")


class PivotRowSerializer(MemberSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="各列数量 count per column key"
    )
    total = serializers.IntegerField(help_text="行合计 row total")


class PivotSerializer(serializers.Serializer):
    area = SummaryAreaSerializer()
    measure = serializers.CharField(help_text="统计量 measure: reported (merged not counted)")
    row_dimension = serializers.CharField()
    col_dimension = serializers.CharField(allow_null=True)
    row_label = serializers.CharField()
    col_label = serializers.CharField()
    # `from` is a keyword: declared through the fields mapping.
    to = serializers.DateField(help_text="截止日期 last day (inclusive)")
    source = serializers.CharField(help_text="rollup | raw: which table answered")
    columns = MemberSerializer(many=True)
    rows = PivotRowSerializer(many=True)
    totals = serializers.DictField(
        child=serializers.IntegerField(), help_text="列合计 column totals"
    )
    total = serializers.IntegerField(help_text="总计 grand total")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="起始日期 first day (inclusive)")
        return fields


class WorkloadRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    handled = serializers.IntegerField(help_text="办结件数 cases closed in the period")
    on_time = serializers.IntegerField(help_text="按期办结 closed by the deadline")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按期率 %")
    mean_accept_hours = serializers.FloatField(allow_null=True, help_text="平均受理时长(小时)")
    mean_close_hours = serializers.FloatField(allow_null=True, help_text="平均办结时长(小时)")
    reopens = serializers.IntegerField(help_text="核查不通过次数 reopens")
    closes = serializers.IntegerField(help_text="办结次数 closes")
    reopen_rate = serializers.FloatField(allow_null=True, help_text="返工率 % (reopens/closes)")


class WorkloadSerializer(serializers.Serializer):
    area = SummaryAreaSerializer()
    by = serializers.CharField()
    to = serializers.DateField()
    rows = WorkloadRowSerializer(many=True)
    total = WorkloadRowSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


class SpanSerializer(serializers.Serializer):
    to = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


class CompareRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    current = serializers.IntegerField(help_text="本期 this period")
    previous = serializers.IntegerField(help_text="上期 previous period")
    last_year = serializers.IntegerField(help_text="上年同期 same period last year")
    mom_pct = serializers.FloatField(allow_null=True, help_text="环比 % (null: 上期为 0)")
    yoy_pct = serializers.FloatField(allow_null=True, help_text="同比 % (null: 上年同期为 0)")


class CompareSerializer(serializers.Serializer):
    area = SummaryAreaSerializer()
    period = serializers.CharField()
    by = serializers.CharField()
    current = SpanSerializer()
    previous = SpanSerializer()
    last_year = SpanSerializer()
    rows = CompareRowSerializer(many=True)
    total = CompareRowSerializer()


# -- views ----------------------------------------------------------------------------------

AREA = OpenApiParameter("area", str, description="区划代码,缺省为管辖范围的顶层 area code")
FROM = OpenApiParameter("from", str, description="起始日期 YYYY-MM-DD (default: 29 days before to)")
TO = OpenApiParameter("to", str, description="截止日期 YYYY-MM-DD (default: today)")
DIMS = ", ".join(DIMENSIONS)


class AnalysisViewSet(LagTolerantMixin, ScopedViewSet):
    """多维研判:事件的多维透视、工作量与时效、同比环比;只含用户管辖范围内的数据。
    The XLSX of the pivot is the page's `/analysis/export.xlsx?<the same parameters>`."""

    queryset = Area.objects.all()
    pagination_class = None  # one answer, not a page

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("rows", str, description=f"行维度 row dimension: {DIMS}"),
            OpenApiParameter("cols", str, description=f"列维度(可选) column dimension: {DIMS}"),
            FROM,
            TO,
            OpenApiParameter("measure", str, description="统计量 measure: reported"),
        ],
        responses={200: PivotSerializer},
    )
    def events(self, request):
        answer = analysis_pivot(user=request.user, params=request.query_params)
        return Response(PivotSerializer(answer).data)

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("by", str, description="unit 处置单位/部门 | person 办理人"),
            FROM,
            TO,
        ],
        responses={200: WorkloadSerializer},
    )
    def workload(self, request):
        answer = analysis_workload(user=request.user, params=request.query_params)
        return Response(WorkloadSerializer(answer).data)

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("period", str, description="month | quarter | year"),
            OpenApiParameter("at", str, description="统计期 YYYY-MM (default: this month)"),
            OpenApiParameter("by", str, description="child 下级区域 | category 事件分类"),
        ],
        responses={200: CompareSerializer},
    )
    def compare(self, request):
        answer = analysis_compare(user=request.user, params=request.query_params)
        return Response(CompareSerializer(answer).data)
