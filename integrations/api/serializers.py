from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """The secret is never part of it: it is shown once, when created or rotated."""

    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "department",
            "department_name",
            "name",
            "url",
            "event_types",
            "active",
            "created_at",
        ]
        read_only_fields = fields


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "attempted_at",
            "status_code",
            "error",
            "response_excerpt",
            "duration_ms",
        ]
        read_only_fields = fields


# Wrapped in allOf so that drf-spectacular keeps the enum inline: as a component named
# after the property, it would collide with the other apps' `status` enums (warning
# drf_spectacular.W001, which fails the deploy check).
@extend_schema_field({"allOf": [{"type": "string", "enum": WebhookDelivery.Status.values}]})
class DeliveryStatusField(serializers.CharField):
    pass


class WebhookDeliverySerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="subscription.department.code", read_only=True)
    status = DeliveryStatusField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "department",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload", "area_path", "attempt_log"]
        read_only_fields = fields
