"""Recording and reading the change feed (see governance.models.Change)."""

from __future__ import annotations

from .models import Change


def record_change(*, dataset: str, obj, op: str, area_path: str) -> Change:
    """Called by services inside their transaction; announces the change to webhook
    subscribers after commit (the payload carries no personal data)."""
    change = Change.objects.create(dataset=dataset, object_id=str(obj.pk), op=op,
                                   area_path=area_path)
    from integrations.services import webhook_publish

    webhook_publish(event_type=f"{dataset}.changed", area_path=area_path,
                    payload={"dataset": dataset, "id": change.object_id, "op": op,
                             "seq": change.seq})
    return change


def record_changes_bulk(*, dataset: str, rows: list[tuple[str, str, str]]) -> int:
    """(object_id, op, area_path) for set-based writers such as imports."""
    Change.objects.bulk_create([Change(dataset=dataset, object_id=i, op=op, area_path=p)
                                for i, op, p in rows])
    return len(rows)


def changes_since(*, user, dataset: str, since: int = 0, limit: int = 500):
    return (Change.objects.restrict(user).filter(dataset=dataset, seq__gt=since)
            .order_by("seq")[:limit])


