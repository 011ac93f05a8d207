"""GeoDjango's PostGIS backend, with the one limit that server-side binding brings.

With `server_side_binding` (governance/settings/base.py, DATABASE_SERVER_BINDING) every
value travels as a protocol parameter, and PostgreSQL's wire protocol carries at most
65,535 parameters in one statement. Django's PostgreSQL backend sets no batch size —
with client-side binding it needs none — so a `bulk_create` of 4,000 rows of 20 fields
(80,000 values) fails. Here `bulk_create`, `bulk_update` and the deletion collector's
batches stay under the limit. (A single `__in` list of more than 65,535 values would
still fail: pass a set that large as one array, `= ANY(%s)`.)"""

from __future__ import annotations

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISWrapper
from django.contrib.gis.db.backends.postgis.operations import PostGISOperations

MAX_PARAMETERS = 65_535


class DatabaseOperations(PostGISOperations):
    def bulk_batch_size(self, fields, objs):
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return super().bulk_batch_size(fields, objs)
        # Composite fields (a geometry, a generic key) count once each: a safe floor.
        per_row = max(len(fields), 1)
        return max(MAX_PARAMETERS // per_row, 1)


class DatabaseWrapper(PostGISWrapper):
    ops_class = DatabaseOperations
