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


class SummaryChildSerializer(CountsSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SummarySerializer(CountsSerializer):
    area = SummaryAreaSerializer()
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
