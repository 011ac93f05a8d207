"""Every write of the integrations app. Each public function owns its transaction and
audit row; `webhooks` for outgoing events, `access` for department systems calling in."""

from .access import (
    department_service_user,
    department_token_hash,
    department_token_issue,
    department_token_revoke,
    department_token_touch,
    idempotency_keys_purge,
)
from .webhooks import (
    BACKOFF_SECONDS,
    MAX_ATTEMPTS,
    Announcement,
    departments_above,
    webhook_body,
    webhook_deliveries_requeue_due,
    webhook_delivery_attempt,
    webhook_delivery_replay,
    webhook_publish,
    webhook_publish_many,
    webhook_secret_rotate,
    webhook_subscription_create,
    webhook_subscription_deactivate,
)

__all__ = [
    "BACKOFF_SECONDS",
    "MAX_ATTEMPTS",
    "Announcement",
    "departments_above",
    "department_service_user",
    "department_token_hash",
    "department_token_issue",
    "department_token_revoke",
    "department_token_touch",
    "idempotency_keys_purge",
    "webhook_body",
    "webhook_deliveries_requeue_due",
    "webhook_delivery_attempt",
    "webhook_delivery_replay",
    "webhook_publish",
    "webhook_publish_many",
    "webhook_secret_rotate",
    "webhook_subscription_create",
    "webhook_subscription_deactivate",
]
