from rest_framework import serializers

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
    colour_label = serializers.CharField(source="get_colour_display")
    status_label = serializers.CharField(source="get_status_display")
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
    url = serializers.CharField(source="get_absolute_url")

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
