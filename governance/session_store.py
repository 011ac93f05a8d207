"""The database session engine, its one read compiled once per process.

Every request of a logged-in user reads its session first; Django builds that statement
through the ORM each time (governance/compiled.py says why that is worth avoiding). Same
table, same rows, same expiry rule as `django.contrib.sessions.backends.db`."""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

from .compiled import CompiledQuery

_SESSION = None


def _query(model) -> CompiledQuery:
    global _SESSION
    if _SESSION is None:
        _SESSION = CompiledQuery(
            lambda key, now: model.objects.filter(session_key=key, expire_date__gt=now).values(
                "session_key", "session_data", "expire_date"
            ),
            key="\x1fsample session key",
            now=datetime.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC),
        )
    return _SESSION


class SessionStore(DBStore):
    def _get_session_from_db(self):
        rows = (
            _query(self.model).rows(key=self.session_key, now=timezone.now())
            if self.session_key
            else []
        )
        if not rows:
            self._session_key = None
            return None
        return self.model(**rows[0])
