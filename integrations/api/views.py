from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.views import ACTION_FOR_METHOD, ScopedReadOnlyViewSet
from governance.roles import Action
from integrations import selectors, services
from integrations.authentication import DepartmentTokenFirstMixin
from integrations.idempotency import idempotent
from integrations.models import WebhookDelivery, WebhookSubscription

from .serializers import (
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)


def _action(request) -> str:
    return ACTION_FOR_METHOD.get(request.method, Action.CHANGE)


class WebhookSubscriptionViewSet(DepartmentTokenFirstMixin, ScopedReadOnlyViewSet):
    """推送订阅(限管辖范围内的部门) Webhook subscriptions of departments in jurisdiction."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer

    def scoped_queryset(self):
        return selectors.webhook_subscription_list(
            user=self.request.user, auth=self.request.auth, action=_action(self.request)
        )


class WebhookDeliveryViewSet(DepartmentTokenFirstMixin, ScopedReadOnlyViewSet):
    """推送记录及每次尝试 Webhook deliveries and their attempt log."""

    queryset = WebhookDelivery.objects.all()

    def get_serializer_class(self):
        return (
            WebhookDeliverySerializer if self.action == "list" else WebhookDeliveryDetailSerializer
        )

    def scoped_queryset(self):
        qs = selectors.webhook_delivery_list(
            user=self.request.user, auth=self.request.auth, action=_action(self.request)
        )
        if self.action != "list":
            return qs.prefetch_related("attempt_log")
        params = self.request.query_params
        if params.get("status"):
            if params["status"] not in WebhookDelivery.Status.values:
                raise ValidationError("状态无效 Invalid status.", code="invalid")
            qs = qs.filter(status=params["status"])
        if params.get("event_type"):
            qs = qs.filter(event_type=params["event_type"])
        if params.get("subscription"):
            if not params["subscription"].isdigit():
                raise ValidationError("订阅编号无效 Invalid subscription.", code="invalid")
            qs = qs.filter(subscription_id=params["subscription"])
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=WebhookDelivery.Status.values),
            OpenApiParameter("event_type", str),
            OpenApiParameter("subscription", int),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliveryDetailSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="幂等键(可选) optional: a repeat replays the first answer",
            )
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent()
    def replay(self, request, pk=None):
        """重新推送(重新开始计数的一轮尝试) Send again, with a fresh series of attempts."""
        delivery = services.webhook_delivery_replay(actor=request.user, delivery=self.get_object())
        delivery = self.get_queryset().get(pk=delivery.pk)
        return Response(
            WebhookDeliveryDetailSerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )
