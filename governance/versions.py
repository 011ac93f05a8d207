"""Row versions: a write that carries the version its author read is refused (409) when
the row changed in between, instead of silently overwriting the other change.

A phone may queue an edit offline for hours; meanwhile another worker, a 核准 or a
department import changes the record. The version is the row's `updated_at` in
microseconds since the epoch, as an opaque string: every writer already moves it (Django's
`auto_now` on save, the imports' `updated_at = now()`), so no writer can forget to bump
it, and no column or migration is needed.

    def person_update(*, actor, person, version=None, **data):
        require(...)
        version_check(person, version, actor=actor)  # locks; StaleVersion if it moved
        ...

`StaleVersion` carries the current row; the API's exception handler answers it with
both versions (`server` rendered through the presenter registered for the model, so the
field policy masks it as in any other answer; `yours` the submitted body).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from governance.errors import Conflict, NotFound

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def row_version(obj) -> str:
    """The version of a row as read: its `updated_at` in microseconds since the epoch."""
    return str((obj.updated_at - EPOCH) // MICROSECOND)


class StaleVersion(Conflict):
    """The row changed after the writer read it (409, code `conflict`)."""

    # Both languages at once, as the idempotency messages: the phone shows it as is.
    default_message = (
        "该记录在您读取后已被他人修改,请对照服务器上的版本逐项确认后重新提交。"
        " / The record was changed after you read it: compare with the server's version."
    )

    def __init__(self, current):
        super().__init__()
        self.current = current
        self.version = row_version(current)


def version_check(obj, version: str | None, *, actor) -> None:
    """With a version: lock the row, reload it, refuse if it moved. Without: nothing (the
    web forms save as before). Call it inside the write's transaction, before reading
    the fields the write changes: on success `obj` holds the locked current row.

    A row that moved out of the actor's jurisdiction meanwhile (a transfer) is not shown
    to them as the server's version: that is a 404, as for any row outside it."""
    if version is None:
        return
    model = type(obj)
    obj.refresh_from_db(from_queryset=model._base_manager.select_for_update())
    if row_version(obj) == str(version).strip():
        return
    if not model.objects.restrict(actor).filter(pk=obj.pk).exists():
        raise NotFound()
    raise StaleVersion(obj)


# How the API shows the current row in a 409: a function (obj, request) -> dict per
# model, registered by the app that owns the model's serializers (the kernel imports no
# app). The presenter must apply the field policy as the app's own answers do.
_PRESENTERS: dict[type, Callable] = {}


def conflict_presenter_register(model: type, present: Callable) -> None:
    _PRESENTERS[model] = present


def conflict_present(obj, request) -> dict | None:
    present = _PRESENTERS.get(type(obj))
    return present(obj, request) if present is not None else None
