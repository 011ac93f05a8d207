from django.urls import reverse
from rest_framework import serializers

from command.models import (
    Command,
    CommandRecipient,
    CommandReport,
    Plan,
    PlanActivation,
    PlanStep,
    Priority,
    StaffLastPosition,
)
from command.positions import age_seconds
from governance.api.fields import MethodCharField


class ReportSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = CommandReport
        fields = ["kind", "note", "author", "at", "files"]

    def get_author(self, r) -> str:
        return (r.author.full_name or r.author.username) if r.author_id else ""

    def get_files(self, r) -> list[str]:
        return [reverse("command:evidence", args=[f.pk]) for f in r.files.all()]


class RecipientSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    state_label = MethodCharField(source="get_state_display")
    reports = ReportSerializer(many=True, read_only=True)

    class Meta:
        model = CommandRecipient
        fields = [
            "id",
            "kind",
            "label",
            "state",
            "state_label",
            "overdue",
            "delivered_at",
            "signed_at",
            "done_at",
            "feedback",
            "reports",
        ]

    def get_kind(self, r) -> str:
        return "user" if r.user_id else "unit" if r.unit_id else "department"


class CommandSerializer(serializers.ModelSerializer):
    issuer = serializers.SerializerMethodField()
    area = serializers.CharField(source="area.code")
    event = serializers.SerializerMethodField()
    recipients_total = serializers.IntegerField(source="n_recipients", read_only=True)
    recipients_done = serializers.IntegerField(source="n_done", read_only=True)
    recipients_overdue = serializers.IntegerField(source="n_overdue", read_only=True)

    class Meta:
        model = Command
        fields = [
            "id",
            "title",
            "priority",
            "status",
            "deadline",
            "created_at",
            "closed_at",
            "issuer",
            "area",
            "event",
            "warning",
            "activation",
            "recipients_total",
            "recipients_done",
            "recipients_overdue",
        ]

    def get_issuer(self, c) -> str:
        return (c.issuer.full_name or c.issuer.username) if c.issuer_id else ""

    def get_event(self, c) -> str | None:
        return c.event.number if c.event_id else None


class CommandDetailSerializer(CommandSerializer):
    recipients = RecipientSerializer(many=True, read_only=True)
    recipients_total = serializers.SerializerMethodField()
    recipients_done = serializers.SerializerMethodField()
    recipients_overdue = serializers.SerializerMethodField()

    class Meta(CommandSerializer.Meta):
        fields = [*CommandSerializer.Meta.fields, "body", "remind_minutes", "recipients"]

    def get_recipients_total(self, c) -> int:
        return len(c.recipients.all())

    def get_recipients_done(self, c) -> int:
        return sum(1 for r in c.recipients.all() if r.state == "done")

    def get_recipients_overdue(self, c) -> int:
        return sum(1 for r in c.recipients.all() if r.overdue and r.state != "done")


class CommandInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    deadline = serializers.DateTimeField()
    area = serializers.RegexField(r"^\d{6,15}$", help_text="指挥范围(区划代码)")
    users = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    units = serializers.ListField(
        child=serializers.RegexField(r"^\d{6,15}$"), required=False, max_length=500
    )
    departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    grid_workers_of = serializers.RegexField(r"^\d{6,15}$", required=False)
    event = serializers.CharField(required=False, max_length=24, help_text="事件编号")
    warning = serializers.IntegerField(required=False, min_value=1)
    remind_minutes = serializers.IntegerField(required=False, min_value=0, max_value=10080)


class RespondSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    recipient = serializers.IntegerField(required=False, min_value=1)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class PositionInputSerializer(serializers.Serializer):
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    accuracy = serializers.FloatField()


class PositionSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()
    lng = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    age_seconds = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()

    class Meta:
        model = StaffLastPosition
        fields = ["user", "name", "lng", "lat", "accuracy", "recorded_at", "age_seconds", "unit"]

    def get_name(self, p) -> str:
        return p.user.full_name or p.user.username

    def get_lng(self, p) -> float:
        return round(p.location.x, 6)

    def get_lat(self, p) -> float:
        return round(p.location.y, 6)

    def get_age_seconds(self, p) -> int:
        return age_seconds(p.recorded_at)

    def get_unit(self, p) -> str:
        return p.area_path.rstrip("/").rsplit("/", 1)[-1]


class NearestSerializer(PositionSerializer):
    distance_m = serializers.SerializerMethodField()

    class Meta(PositionSerializer.Meta):
        fields = [*PositionSerializer.Meta.fields, "distance_m"]

    def get_distance_m(self, p) -> float:
        return round(p.distance.m, 1)


class PlanStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanStep
        fields = [
            "order",
            "title",
            "instructions",
            "role",
            "unit_level",
            "department",
            "offset",
            "offset_unit",
            "checklist",
        ]


class PlanSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    category = serializers.SerializerMethodField()
    steps = PlanStepSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "area",
            "category",
            "min_urgency",
            "description",
            "contacts",
            "active",
            "version",
            "updated_at",
            "steps",
        ]

    def get_category(self, p) -> str | None:
        return p.category.code if p.category_id else None


class StepInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    role = serializers.CharField(required=False, allow_blank=True, max_length=32)
    unit_level = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=6)
    department = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=8760)
    offset_unit = serializers.ChoiceField(choices=PlanStep.OffsetUnit.choices, required=False)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=30
    )


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    role = serializers.CharField(required=False, allow_blank=True, max_length=50)


class PlanInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    area = serializers.RegexField(r"^\d{6,15}$", required=False)
    category = serializers.CharField(required=False, allow_blank=True, max_length=32)
    min_urgency = serializers.ChoiceField(choices=Priority.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    contacts = ContactSerializer(many=True, required=False)
    active = serializers.BooleanField(required=False)
    steps = StepInputSerializer(many=True, required=False)


class ActivationSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name")
    event = serializers.CharField(source="event.number")
    status_label = MethodCharField(source="get_status_display")

    class Meta:
        model = PlanActivation
        fields = [
            "id",
            "plan",
            "plan_name",
            "plan_version",
            "event",
            "status",
            "status_label",
            "proposed_at",
            "activated_at",
            "closed_at",
            "summary",
        ]


class BoardRecipientSerializer(serializers.Serializer):
    label = serializers.CharField(source="recipient.label")
    state = serializers.CharField(source="recipient.state")
    overdue = serializers.BooleanField(source="recipient.overdue")
    late = serializers.BooleanField()


class BoardRowSerializer(serializers.Serializer):
    order = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    command = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    recipients = BoardRecipientSerializer(many=True)

    def get_order(self, row) -> int | None:
        return row["step"].order if row["step"] else None

    def get_title(self, row) -> str:
        return row["step"].title if row["step"] else row["command"].title

    def get_command(self, row) -> int | None:
        return row["command"].pk if row["command"] else None

    def get_deadline(self, row) -> str | None:
        return row["command"].deadline.isoformat() if row["command"] else None


class ActivationDetailSerializer(ActivationSerializer):
    board = serializers.SerializerMethodField()

    class Meta(ActivationSerializer.Meta):
        fields = [*ActivationSerializer.Meta.fields, "board"]

    def get_board(self, act) -> list[dict]:
        from command.selectors import activation_board

        return BoardRowSerializer(activation_board(activation=act), many=True).data


class ActivationInputSerializer(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1)
    event = serializers.CharField(max_length=24)


class CloseSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=4000)
