"""Outbox subscribers: a newly reported event that matches an active plan's category and
urgency gets a proposal to activate it (the dispatcher accepts or declines)."""

from __future__ import annotations


def propose_plans_on_event(message) -> None:
    from events.models import Event

    from .plans import activations_propose

    number = (message.payload or {}).get("number")
    event = Event.objects.filter(number=number).select_related("category").first()
    if event is None:
        return
    activations_propose(event=event)
