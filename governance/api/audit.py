from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from governance.models import AuditLog
from governance.selectors import audit_log_list


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = ["id", "at", "actor_name", "action", "object_type", "object_id",
                  "object_repr", "changes", "area_path", "ip"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter(f, str) for f in ("action", "object_type", "object_id")]))
class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """审计日志(只读,限审计员管辖范围) Audit trail, read-only, scoped to the auditor."""

    serializer_class = AuditLogSerializer
    queryset = AuditLog.objects.none()

    def get_queryset(self):
        qs = audit_log_list(user=self.request.user)
        for field in ("action", "object_type", "object_id"):
            value = self.request.query_params.get(field)
            if value:
                qs = qs.filter(**{field: value})
        return qs
