"""Outbox subscribers: a newly reported event that matches an active plan's category and
urgency gets a proposal to activate it (the dispatcher accepts or declines).

A batch subscriber (governance/outbox.py, `batch=True`): the cases of a whole drain are
read in one statement and proposed in one transaction."""

from __future__ import annotations


def propose_plans_on_event(messages) -> None:
    from events.models import Event

    from .plans import activations_propose_all

    order = {}  # number → position: the cases in the order they were reported
    for message in messages:
        order.setdefault((message.payload or {}).get("number"), len(order))
    order.pop(None, None)
    events = Event.objects.filter(number__in=order)
    activations_propose_all(sorted(events, key=lambda e: order[e.number]))
