from rest_framework import serializers

from governance.api.fields import MethodCharField
from risk.models import KEY_BY_COLOUR, Rule, Warning, WarningEvidence, WarningLog


class WarningLogSerializer(serializers.ModelSerializer):
    colour_from = serializers.SerializerMethodField()
    colour_to = serializers.SerializerMethodField()

    class Meta:
        model = WarningLog
        fields = ["kind", "colour_from", "colour_to", "score", "note", "at"]

    def get_colour_from(self, log) -> str | None:
        return KEY_BY_COLOUR.get(log.colour_from)

    def get_colour_to(self, log) -> str | None:
        return KEY_BY_COLOUR.get(log.colour_to)


class WarningSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(source="colour_key")
    colour_label = MethodCharField(source="get_colour_display")
    status_label = MethodCharField(source="get_status_display")
    rule = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()

    class Meta:
        model = Warning
        fields = [
            "id",
            "rule",
            "subject_kind",
            "subject_id",
            "subject_label",
            "colour",
            "colour_label",
            "score",
            "status",
            "status_label",
            "unit",
            "escalations",
            "due_at",
            "issued_at",
            "updated_at",
            "closed_at",
            "note",
            "evidence",
        ]

    def get_rule(self, w) -> dict:
        return {"id": w.rule_id, "name": w.rule.name, "version": w.version.number}

    def get_unit(self, w) -> dict:
        return {"level": w.unit_level, "code": w.unit_path.rstrip("/").rsplit("/", 1)[-1]}


class WarningEvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = MethodCharField(source="get_absolute_url")

    class Meta:
        model = WarningEvidence
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]


class WarningDetailSerializer(WarningSerializer):
    log = WarningLogSerializer(many=True, read_only=True)
    files = WarningEvidenceSerializer(many=True, read_only=True)

    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "log", "files"]


class WarningActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    # handle only, multipart: images, PDF, audio, video (checked by content)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class RuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    definition = serializers.JSONField(source="version.definition", read_only=True)

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "subject_kind",
            "active",
            "version",
            "definition",
            "last_run_at",
            "last_run_status",
            "last_run_ms",
            "last_run_message",
        ]


class RuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    subject_kind = serializers.CharField(max_length=10, required=False)
    active = serializers.BooleanField(required=False)
    definition = serializers.JSONField(required=False)


# -- the key-person scorecard (GET /api/v1/people/{id}/risk/) ------------------------------


class ScorecardFactorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="因子编码 factor code")
    name = serializers.CharField(help_text="因子名称 factor name")
    params = serializers.DictField(help_text="因子参数 the factor's parameters")
    value = serializers.FloatField(help_text="取值 the factor's value for the person")
    weight = serializers.FloatField(help_text="权重 weight")
    contribution = serializers.FloatField(help_text="贡献 = 取值 × 权重 value × weight")


class ScorecardRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class RuleScorecardSerializer(serializers.Serializer):
    rule = ScorecardRuleSerializer()
    score = serializers.FloatField()
    colour = serializers.CharField(allow_null=True, help_text="red … green, or null")
    factors = ScorecardFactorSerializer(many=True)


class PersonRiskSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="分值:各因子贡献之和 the sum of the contributions")
    colour = serializers.CharField(allow_null=True, help_text="red … green, or null (none)")
    rule = ScorecardRuleSerializer(allow_null=True, help_text="得出分值的规则 the deciding rule")
    factors = ScorecardFactorSerializer(many=True)
    rules = RuleScorecardSerializer(many=True, help_text="每条在用规则的评分 every active rule")
