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
