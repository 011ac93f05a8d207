from governance.roles import Action

from .models import DepartmentToken, WebhookDelivery, WebhookSubscription


def _own_department(qs, auth, field: str):
    """A department system (token) sees its own department's rows only, not those of
    every department in its area."""
    if isinstance(auth, DepartmentToken):
        return qs.filter(**{field: auth.department_id})
    return qs


def webhook_subscription_list(*, user, auth=None, action: str = Action.VIEW):
    qs = WebhookSubscription.objects.restrict(user, action).select_related("department")
    return _own_department(qs, auth, "department").order_by("-created_at", "-id")


def webhook_delivery_list(*, user, auth=None, action: str = Action.VIEW):
    qs = WebhookDelivery.objects.restrict(user, action).select_related("subscription__department")
    return _own_department(qs, auth, "subscription__department").order_by("-created_at", "-id")
