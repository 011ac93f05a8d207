from rest_framework import serializers

from events.models import Attachment, Event, EventCategory, SupervisionCard, Trace, Urgency
from governance.api.fields import MethodCharField


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(
        source="parent.code", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = EventCategory
        fields = [
            "code",
            "name",
            "parent",
            "accept_level",
            "accept_hours",
            "handle_days",
            "verify_days",
            "evidence_required",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    # Files are served by the scoped view (events.views.attachment_download), never by a
    # media URL.
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "url",
            "thumbnail_url",
            "content_type",
            "original_name",
            "size",
            "uploaded_at",
        ]

    def _url(self, att, name):
        from django.urls import reverse

        path = reverse(name, args=[att.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, att) -> str:
        return self._url(att, "events:attachment")

    def get_thumbnail_url(self, att) -> str | None:
        return self._url(att, "events:attachment-thumbnail") if att.thumbnail else None


class TraceSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Trace
        fields = [
            "action",
            "actor_name",
            "from_status",
            "to_status",
            "unit",
            "note",
            "at",
            "attachments",
        ]


class SupervisionSerializer(serializers.ModelSerializer):
    issued_by_area = serializers.CharField(source="issued_by_area.name")

    class Meta:
        model = SupervisionCard
        fields = [
            "id",
            "colour",
            "message",
            "deadline",
            "issued_at",
            "issued_by_area",
            "answer",
            "answered_at",
        ]


class EventListSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name")
    status_name = MethodCharField(source="get_status_display")
    current_unit = serializers.SerializerMethodField()
    grid = serializers.CharField(source="grid.code", allow_null=True)  # none while held

    class Meta:
        model = Event
        fields = [
            "number",
            "title",
            "category",
            "status",
            "status_name",
            "urgency",
            "grid",
            "current_unit",
            "step_deadline",
            "deadline",
            "due_state",
            "reported_at",
        ]

    def get_current_unit(self, obj) -> str:
        return obj.current_department.name if obj.current_department_id else obj.current_area.name


class EventDetailSerializer(EventListSerializer):
    traces = TraceSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    supervisions = SupervisionSerializer(many=True, read_only=True)
    location = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    suggested_department = serializers.SerializerMethodField()

    class Meta(EventListSerializer.Meta):
        fields = EventListSerializer.Meta.fields + [
            "description",
            "source",
            "address",
            "location",
            "reporter_name",
            "reporter_phone",
            "result",
            "rating",
            "suspended_at",
            "suspend_reason",
            "traces",
            "attachments",
            "supervisions",
            "actions",
            "suggested_department",
        ]

    def get_location(self, obj) -> list[float] | None:
        return [obj.location.x, obj.location.y] if obj.location else None

    def get_actions(self, obj) -> list[str]:
        from events.flows import available_actions

        return available_actions(obj, self.context["request"].user)

    def get_suggested_department(self, obj) -> str | None:
        from events.routing import suggested_department

        dept = suggested_department(obj)
        return dept.code if dept else None

    def get_reporter_phone(self, obj) -> str:
        from events.masking import phone_for

        return phone_for(self.context["request"].user, obj)

    def get_reporter_name(self, obj) -> str:
        from events.masking import reporter_name_for

        return reporter_name_for(self.context["request"].user, obj)


class EventReportSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=EventCategory.objects.filter(active=True)
    )
    lng = serializers.FloatField(required=False)
    lat = serializers.FloatField(required=False)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    grid = serializers.CharField(required=False, max_length=15)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class EventActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    rating = serializers.IntegerField(required=False)
    into = serializers.CharField(required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class SuperviseSerializer(serializers.Serializer):
    colour = serializers.ChoiceField(choices=SupervisionCard.Colour.choices)
    message = serializers.CharField()
    days = serializers.IntegerField(min_value=1, max_value=30, default=2)


class CategoryWriteSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{2,8}$")
    name = serializers.CharField(max_length=100)
    parent = serializers.CharField(required=False, allow_null=True, default=None)
    accept_level = serializers.IntegerField(min_value=1, max_value=6, default=5)
    accept_hours = serializers.IntegerField(min_value=1, max_value=240, default=4)
    handle_days = serializers.IntegerField(min_value=0, max_value=365, default=5)
    verify_days = serializers.IntegerField(min_value=0, max_value=60, default=2)
    evidence_required = serializers.BooleanField(default=False)
    active = serializers.BooleanField(default=True)


class RoutingRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="category.code")
    area = serializers.CharField(source="area.code")
    department = serializers.CharField(source="department.code")


class EventLocateSerializer(serializers.Serializer):
    grid = serializers.CharField(max_length=15, help_text="网格编码 grid code")
