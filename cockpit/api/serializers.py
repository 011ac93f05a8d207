"""The summary's contract (the cockpit page is built against it)."""

from rest_framework import serializers


class SummaryAreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码 area code")
    name = serializers.CharField(help_text="名称 name")
    level = serializers.IntegerField(help_text="层级 1 省 … 6 网格 level, 1 province … 6 grid")


class CountsSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="实有人口 people")
    houses = serializers.IntegerField(help_text="实有房屋 houses")
    organisations = serializers.IntegerField(help_text="组织 organisations")
    places = serializers.IntegerField(help_text="重点场所 places")
    events_total = serializers.IntegerField(help_text="事件总数 cases (merged not counted)")
    events_open = serializers.IntegerField(help_text="在办事件 open cases")
    events_overdue = serializers.IntegerField(help_text="超期事件 overdue open cases")
    events_today = serializers.IntegerField(help_text="今日上报 reported today (Beijing)")
    people_special = serializers.IntegerField(help_text="特殊人群(人次) special groups")
    houses_rented = serializers.IntegerField(help_text="出租房屋 rented houses")
    things_hazard = serializers.IntegerField(help_text="危险品场所(物) hazardous-goods places")
    events_near_due = serializers.IntegerField(help_text="临期事件 near-due open cases")
    events_closed = serializers.IntegerField(help_text="办结事件 closed cases")
    events_overdue_rate = serializers.FloatField(help_text="超期率 % overdue of open")
    events_closure_rate = serializers.FloatField(help_text="办结率 % closure rate")
    events_on_time_rate = serializers.FloatField(help_text="按期办结率 % closed on time")
    events_satisfaction = serializers.FloatField(
        allow_null=True, help_text="满意率 % rated 4–5 (部门用户 null for department users)"
    )


class SummaryChildSerializer(CountsSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SummarySerializer(CountsSerializer):
    area = SummaryAreaSerializer()
    audience = serializers.ChoiceField(
        ["area", "department"],
        help_text="area: 辖区全部事件; department: 仅本部门办理的事件 (docs/cockpit.md)",
    )
    as_of = serializers.DateTimeField(help_text="统计时间 when the figures were read")
    children = SummaryChildSerializer(many=True, help_text="下级区域 the child areas")


class LiveGridSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LiveItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="流位置(SSE 的 id) stream id, the SSE event id")
    kind = serializers.ChoiceField(
        ["new", "escalated"], help_text="new 新上报 / escalated 上报上级、督办、超期"
    )
    action = serializers.CharField(help_text="reported / escalate / supervise / overdue")
    action_label = serializers.CharField()
    number = serializers.CharField(help_text="事件编号 case number")
    title = serializers.CharField()
    category = serializers.CharField(help_text="分类名称 category name")
    area_path = serializers.CharField(help_text="所在网格(或区域)的路径 area path")
    grid = LiveGridSerializer(allow_null=True)
    place = serializers.CharField(help_text="网格名称,无网格时为受理单位 grid or holding unit")
    urgency = serializers.CharField()
    urgency_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    at = serializers.DateTimeField(help_text="发生时间 when the step happened")
    url = serializers.CharField(help_text="事件详情页 the case's page")


class LiveRecentSerializer(serializers.Serializer):
    area = SummaryAreaSerializer()
    last_id = serializers.CharField(
        help_text="流中最新的位置:从这里接着读 /cockpit/live/?after= the newest stream id"
    )
    items = LiveItemSerializer(many=True, help_text="最新动态,新的在前 newest first")


# -- the panels (cockpit/panels.py) --------------------------------------------------------

AUDIENCE_HELP = (
    "area: 辖区全部事件 every case of the area; department: 仅本部门办理的事件 "
    "(部门用户) only the cases held by the user's department(s)"
)


def _rate(help_text):
    return serializers.FloatField(allow_null=True, help_text=help_text + " (%, null: 无可计算)")


class PanelSerializer(serializers.Serializer):
    area = SummaryAreaSerializer()
    audience = serializers.ChoiceField(["area", "department"], help_text=AUDIENCE_HELP)


class TrendPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    reported = serializers.IntegerField(help_text="当日上报 reported that day")
    closed = serializers.IntegerField(help_text="当日办结 closed that day")


class TrendWindowSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="1 今日 today, 7 近7日, 30 近30日")
    reported = serializers.IntegerField()
    closed = serializers.IntegerField()


class TrendSerializer(PanelSerializer):
    days = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField()
    series = TrendPointSerializer(many=True, help_text="逐日 day by day, oldest first")
    windows = TrendWindowSerializer(many=True, help_text="今日、近7日、近30日合计")


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="取值 value (category: id; other: 其他)")
    label = serializers.CharField()
    n = serializers.IntegerField()


class BreakdownSerializer(PanelSerializer):
    by = serializers.CharField()
    available = serializers.BooleanField(help_text="部门用户无此分解 false for department users")
    total = serializers.IntegerField(allow_null=True)
    rows = BreakdownRowSerializer(many=True)


class TimelinessSerializer(PanelSerializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    near_due = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_late = serializers.IntegerField()
    verified = serializers.IntegerField(allow_null=True)
    on_time_rate = _rate("按期办结率 on-time closure rate")
    closure_rate = _rate("办结率 closure rate")
    overdue_rate = _rate("超期率 overdue rate")
    close_time_available = serializers.BooleanField()
    close_time = BreakdownRowSerializer(many=True, help_text="办结用时分布 time to close")


class RatingSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    n = serializers.IntegerField()


class SatisfactionSerializer(PanelSerializer):
    available = serializers.BooleanField()
    rated = serializers.IntegerField(allow_null=True)
    satisfaction = _rate("满意率 share rated 4–5")
    rating_mean = serializers.FloatField(allow_null=True, help_text="平均评分 mean rating 1–5")
    ratings = RatingSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="名次 (null: 无可计算)")
    code = serializers.CharField(help_text="区划代码,或部门 id area code or department id")
    name = serializers.CharField()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed = serializers.IntegerField()
    on_time_rate = _rate("按期办结率")
    closure_rate = _rate("办结率")
    overdue_rate = _rate("超期率")


class RankingSerializer(PanelSerializer):
    of = serializers.CharField()
    by = serializers.CharField()
    rows = RankingRowSerializer(many=True)


class OverdueUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    overdue = serializers.IntegerField()
    near_due = serializers.IntegerField()


class OverdueDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    overdue = serializers.IntegerField()
    near_due = serializers.IntegerField()


class OverdueUnitsSerializer(PanelSerializer):
    units_available = serializers.BooleanField()
    units = OverdueUnitSerializer(many=True, help_text="承办单位(其区域)top 10 holding units")
    departments = OverdueDepartmentSerializer(many=True, help_text="承办部门 top 10")


class WarningCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text="未解除预警 open warnings")
    red = serializers.IntegerField(help_text="红色 red")
    orange = serializers.IntegerField(help_text="橙色 orange")
    yellow = serializers.IntegerField(help_text="黄色 yellow")
    blue = serializers.IntegerField(help_text="蓝色 blue")
    green = serializers.IntegerField(help_text="绿色 green")


class WarningColourSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class WarningChildSerializer(WarningCountsSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class WarningsSerializer(PanelSerializer, WarningCountsSerializer):
    colours = WarningColourSerializer(many=True, help_text="等级,红色在前 colours, red first")
    children = WarningChildSerializer(many=True)


class DisputeCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text="在调矛盾纠纷 open disputes")
    red = serializers.IntegerField(help_text="红码 red")
    orange = serializers.IntegerField(help_text="橙码 orange")
    yellow = serializers.IntegerField(help_text="黄码 yellow")
    blue = serializers.IntegerField(help_text="蓝码 blue")
    green = serializers.IntegerField(help_text="绿码 green")


class DisputeChildSerializer(DisputeCountsSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DisputeRateSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="指标代码 rate code (docs/mediation.md)")
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="0–1;分母为 0 时 null(无数据)")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()


class OverdueDisputeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    code = serializers.CharField(help_text="调解码 red … green")
    code_label = serializers.CharField()
    status_label = serializers.CharField()
    grid = serializers.CharField(help_text="网格名称 grid name")
    deadline = serializers.DateTimeField()
    overdue_days = serializers.IntegerField(help_text="超期天数 whole days past the deadline")


class MediationPanelSerializer(PanelSerializer, DisputeCountsSerializer):
    colours = WarningColourSerializer(many=True, help_text="调解码,红码在前 codes, red first")
    children = DisputeChildSerializer(many=True)
    since = serializers.DateField(help_text="指标统计起始日 rates from")
    until = serializers.DateField(help_text="指标统计截止日 rates to")
    rates = DisputeRateSerializer(many=True, help_text="三源治理指标(近一年受理的纠纷)")
    overdue = OverdueDisputeSerializer(many=True, help_text="最超期的未办结纠纷(至多 5 件)")
