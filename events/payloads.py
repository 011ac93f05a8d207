"""The JSON a department system receives for a case (webhooks, department API).

Only departments that hold or held the case receive it (events.services._publish), and
it carries what such a department reads through the API: the reporter's phone masked
(events.masking, departments never get the full number), no reporter name."""

from .masking import mask_phone
from .models import Event


def event_payload(event: Event) -> dict:
    return {
        "number": event.number,
        "title": event.title,
        "description": event.description,
        "category": {"code": event.category.code, "name": event.category.name},
        "status": event.status,
        "urgency": event.urgency,
        "grid": {"code": event.grid.code, "name": event.grid.name} if event.grid_id else None,
        "address": event.address,
        "location": [event.location.x, event.location.y] if event.location else None,
        "current_unit": {"code": event.current_area.code, "name": event.current_area.name},
        "current_department": event.current_department.code
        if event.current_department_id
        else None,
        "step_deadline": event.step_deadline.isoformat() if event.step_deadline else None,
        "deadline": event.deadline.isoformat() if event.deadline else None,
        "due_state": event.due_state,
        "reported_at": event.reported_at.isoformat() if event.reported_at else None,
        "result": event.result,
        "reporter_phone": mask_phone(event.reporter_phone or ""),
    }
