from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from governance.api.views import ScopedReadOnlyViewSet
from governance.models import AuditLog
from governance.selectors import audit_log_list


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = [
            "id",
            "at",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "area_path",
            "ip",
        ]

    def to_representation(self, instance):
        from governance.audit import scrub, scrub_text

        # Rows written before the trail was scrubbed on write are masked when read.
        data = super().to_representation(instance)
        data["changes"] = scrub(data["changes"])
        data["object_repr"] = scrub_text(data["object_repr"] or "")
        return data


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter(f, str) for f in ("action", "object_type", "object_id")]
    )
)
class AuditLogViewSet(ScopedReadOnlyViewSet):
    """审计日志(只读,限审计员管辖范围) Audit trail, read-only, scoped to the auditor."""

    serializer_class = AuditLogSerializer
    queryset = AuditLog.objects.none()

    def scoped_queryset(self):
        qs = audit_log_list(user=self.request.user)
        for field in ("action", "object_type", "object_id"):
            value = self.request.query_params.get(field)
            if value:
                qs = qs.filter(**{field: value})
        return qs
