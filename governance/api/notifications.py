from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from governance.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    # In the requester's language (Accept-Language), whoever's action sent it.
    title = serializers.CharField(source="shown_title", read_only=True)
    body = serializers.CharField(source="shown_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="不填则全部标为已读 all when absent",
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("unread", str, description="非空则只列未读 any value: unread only")
        ]
    )
)
class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    """我的站内通知(只看自己的)。My notifications."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def scoped_queryset(self):
        qs = Notification.objects.filter(user=self.request.user)
        if self.request.query_params.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        request=NotificationReadSerializer,
        responses={
            200: inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})
        },
    )
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark all (or `ids`) as read."""
        s = NotificationReadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
        ids = s.validated_data.get("ids")
        if ids:
            qs = qs.filter(id__in=ids)
        return Response({"marked": qs.update(read_at=timezone.now())})
