"""What the department systems hear of the kernel's outbox (registered in apps.py).

Each outbox message becomes a signed webhook, with the same event type, payload and
audience as when the services called `webhook_publish` themselves:

- `change.<dataset>` (a record of the change feed, or an import's summary) →
  `<dataset>.changed`, to the departments the message names, else to every department
  whose area contains the record's (an announcement carries no content: subscribers
  read the data through their own scoped API);
- `event.<action>` (a step of a case) → `event.<action>`, to the departments that hold
  or held the case, as named by the message.

Both take a drain's messages in one batch (`outbox.subscribe(..., batch=True)`): one
read of the subscriptions and one INSERT of the deliveries for all of them, in one
transaction with the record that they were handled, instead of a transaction, a read
and an INSERT per message. Handlers run at least once per message: the deliveries are
created in the handler's transaction, which also records the messages as handled.
"""

from __future__ import annotations

from governance.models import OutboxMessage
from grids.models import ancestor_paths

from .services import Announcement, webhook_publish_many

# The names the outbox's delivery records know these subscribers by (kept from when they
# took one message at a time: a message half-way through a drain keeps its record).
CHANGE_SUBSCRIBER = "integrations.subscribers.webhooks_for_change"
EVENT_SUBSCRIBER = "integrations.subscribers.webhooks_for_event"


def _audiences(messages: list[OutboxMessage]) -> list[list[int]]:
    """Each message's department ids: those it names, else the departments whose area
    contains its own (one read for all the messages' areas)."""
    from governance.models import Department

    paths = {m.area_path for m in messages if m.departments is None and m.area_path}
    above: dict[str, list[int]] = {}
    if paths:
        wanted = {p: set(ancestor_paths(p)) for p in paths}
        rows = list(
            Department.objects.filter(area__path__in=set().union(*wanted.values())).values_list(
                "pk", "area__path"
            )
        )
        above = {p: [pk for pk, at in rows if at in ancestors] for p, ancestors in wanted.items()}
    return [
        list(m.departments) if m.departments is not None else above.get(m.area_path, [])
        for m in messages
    ]


def webhooks_for_change(messages: list[OutboxMessage]) -> None:
    webhook_publish_many(
        [
            Announcement(
                f"{m.topic.removeprefix('change.')}.changed", m.payload, m.area_path, audience
            )
            for m, audience in zip(messages, _audiences(messages), strict=True)
        ]
    )


def webhooks_for_event(messages: list[OutboxMessage]) -> None:
    webhook_publish_many(
        [
            Announcement(m.topic, m.payload, m.area_path, audience)
            for m, audience in zip(messages, _audiences(messages), strict=True)
        ]
    )
