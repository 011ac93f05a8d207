"""What the department systems hear of the kernel's outbox (registered in apps.py).

Each outbox message becomes a signed webhook, with the same event type, payload and
audience as when the services called `webhook_publish` themselves:

- `change.<dataset>` (a record of the change feed, or an import's summary) →
  `<dataset>.changed`, to the departments the message names, else to every department
  whose area contains the record's (an announcement carries no content: subscribers
  read the data through their own scoped API);
- `event.<action>` (a step of a case) → `event.<action>`, to the departments that hold
  or held the case, as named by the message.

Handlers run at least once per message: `webhook_publish` creates the deliveries in the
handler's transaction, which also records the message as handled.
"""

from __future__ import annotations

from governance.models import Department, OutboxMessage

from .services import departments_above, webhook_publish


def _audience(message: OutboxMessage) -> list[Department]:
    if message.departments is None:
        return departments_above(message.area_path)
    return list(Department.objects.filter(pk__in=message.departments))


def webhooks_for_change(message: OutboxMessage) -> None:
    dataset = message.topic.removeprefix("change.")
    webhook_publish(
        event_type=f"{dataset}.changed",
        payload=message.payload,
        area_path=message.area_path,
        departments=_audience(message),
    )


def webhooks_for_event(message: OutboxMessage) -> None:
    webhook_publish(
        event_type=message.topic,
        payload=message.payload,
        area_path=message.area_path,
        departments=_audience(message),
    )
