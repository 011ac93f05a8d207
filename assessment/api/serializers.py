from rest_framework import serializers

from assessment.models import Indicator, IndicatorSystem, ManualEntry, Result, Scheme


class SchemeSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="system.name")
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Scheme
        fields = [
            "id",
            "name",
            "system",
            "area",
            "area_name",
            "object_kind",
            "object_level",
            "period_kind",
            "period_start",
            "period_end",
            "state",
            "state_label",
            "publish_ranking",
        ]


class ResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="object_code")
    name = serializers.CharField(source="object_name")
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = Result
        fields = [
            "code",
            "name",
            "score",
            "full_marks",
            "rank",
            "change",
            "vetoed",
            "weakest",
            "indicators",
        ]

    def get_indicators(self, result) -> list[dict]:
        return [
            {
                "code": s.indicator.code,
                "name": s.indicator.name,
                "level": s.indicator.level,
                "score": s.score,
                "full_marks": s.full_marks,
            }
            for s in sorted(result.scores.all(), key=lambda s: s.indicator.position)
        ]


class EntrySerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    object = serializers.CharField(source="object_code")

    class Meta:
        model = ManualEntry
        fields = [
            "id",
            "indicator",
            "object",
            "score",
            "evidence",
            "state",
            "entered_at",
            "reviewed_at",
            "review_note",
        ]


class EntryInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=32)
    object = serializers.CharField(max_length=32)
    score = serializers.FloatField()
    evidence = serializers.CharField(max_length=4000)


class EntryReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default="")
    rule = serializers.CharField(source="rule.name", default="")

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "parent",
            "level",
            "weight",
            "full_marks",
            "kind",
            "source",
            "figure",
            "rule",
        ]


class IndicatorSystemSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(source="nodes", many=True, read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = ["id", "name", "total_marks", "indicators"]


class IndicatorSystemInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    total_marks = serializers.FloatField(default=100)
    rows = serializers.ListField(child=serializers.DictField(), max_length=500)
