from rest_framework import serializers

from governance.api.fields import MethodCharField
from governance.masking import mask_id_number, mask_phone
from mediation.models import Agreement, CodeChange, Dispute, FollowUp, Party, Session


class PartySerializer(serializers.ModelSerializer):
    role_label = MethodCharField(source="get_role_display")
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["id", "kind", "role", "role_label", "name", "id_number", "phone", "person"]

    def get_id_number(self, p) -> str:
        return mask_id_number(p.id_number)

    def get_phone(self, p) -> str:
        return mask_phone(p.phone)


class DisputeSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="code_key")
    code_label = MethodCharField(source="get_code_display")
    status_label = MethodCharField(source="get_status_display")
    type_label = MethodCharField(source="get_type_display")
    grid = serializers.CharField(source="grid.code")
    org = serializers.CharField(source="org.name", default=None)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "title",
            "type",
            "type_label",
            "amount",
            "people_count",
            "flags",
            "source",
            "status",
            "status_label",
            "code",
            "code_label",
            "grid",
            "org",
            "referral",
            "registered_at",
            "deadline",
            "closed_at",
            "next_step",
            "rating",
        ]


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "held_at", "place", "note"]


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "terms", "signed_on", "broken"]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "due_on", "done_at", "result", "note"]


class CodeChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeChange
        fields = ["code_from", "code_to", "manual", "reason", "step", "at"]


class DisputeDetailSerializer(DisputeSerializer):
    parties = PartySerializer(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    agreements = AgreementSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    code_changes = CodeChangeSerializer(many=True, read_only=True)

    class Meta(DisputeSerializer.Meta):
        fields = [
            *DisputeSerializer.Meta.fields,
            "description",
            "outcome_note",
            "parties",
            "sessions",
            "agreements",
            "follow_ups",
            "code_changes",
        ]


class DisputeActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    terms = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    referral = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    code = serializers.IntegerField(required=False, allow_null=True, default=None)
    org = serializers.IntegerField(required=False, allow_null=True, default=None)
    mediator = serializers.IntegerField(required=False, allow_null=True, default=None)
    follow_up = serializers.IntegerField(required=False, allow_null=True, default=None)
    result = serializers.CharField(required=False, allow_blank=True, default="")


class DisputeInputSerializer(serializers.Serializer):
    grid = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=200, allow_blank=True)
    type = serializers.CharField(max_length=16)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(required=False, allow_blank=True, default="0")
    people_count = serializers.IntegerField(required=False, default=1, min_value=1)
    flags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    parties = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    event = serializers.IntegerField(required=False, allow_null=True, default=None)
    visit = serializers.IntegerField(required=False, allow_null=True, default=None)
    allow_duplicate = serializers.BooleanField(required=False, default=False)


class MediationOrgSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(help_text="调解组织名称 name")
    kind = serializers.CharField(help_text="类型 kind")
    area = serializers.CharField(source="area.code", help_text="所在区域代码 area code")
