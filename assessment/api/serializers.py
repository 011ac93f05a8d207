from rest_framework import serializers

from assessment.models import (
    Indicator,
    IndicatorSystem,
    ManualEntry,
    Result,
    Scheme,
    Task,
    TaskState,
)
from governance.api.fields import MethodCharField


class SchemeSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="system.name")
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    state_label = MethodCharField(source="get_state_display")

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


class EvidenceFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = MethodCharField(source="get_absolute_url")


class EntrySerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    object = serializers.CharField(source="object_code")
    files = EvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = ManualEntry
        fields = [
            "id",
            "indicator",
            "object",
            "score",
            "evidence",
            "files",
            "state",
            "entered_at",
            "reviewed_at",
            "review_note",
        ]


class EntryInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=32)
    object = serializers.CharField(max_length=32)
    score = serializers.FloatField()
    evidence = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="佐证文件(multipart)"
    )


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


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    name = serializers.CharField()
    due = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)


class ProgressReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    percent = serializers.IntegerField()
    text = serializers.CharField()
    milestone = serializers.IntegerField(source="milestone_id", allow_null=True)
    reported_at = serializers.DateTimeField()
    files = EvidenceFileSerializer(many=True)


class TaskSerializer(serializers.ModelSerializer):
    book = serializers.CharField(source="book.name")
    indicator = serializers.CharField(source="indicator.code", default="")
    owner = serializers.CharField(source="owner_name")
    owner_code = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=TaskState.choices)
    state_label = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "book",
            "title",
            "indicator",
            "owner",
            "owner_code",
            "deadline",
            "progress",
            "state",
            "state_label",
        ]

    def get_owner_code(self, task) -> str:
        owner = task.owner_department or task.owner_area
        return owner.code if owner else ""

    def get_state_label(self, task) -> str:
        return str(TaskState(task.state).label)


class TaskDetailSerializer(TaskSerializer):
    milestones = MilestoneSerializer(many=True)
    reports = ProgressReportSerializer(many=True)

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "milestones", "reports"]


class ProgressInputSerializer(serializers.Serializer):
    percent = serializers.IntegerField(help_text="完成进度 0–100")
    text = serializers.CharField(max_length=2000)
    milestone = serializers.IntegerField(required=False, allow_null=True)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="佐证文件(multipart)"
    )
