"""GeoDjango's PostGIS backend, with the one limit that server-side binding brings, and
prepared statements kept across a rollback.

With `server_side_binding` (governance/settings/base.py, DATABASE_SERVER_BINDING) every
value travels as a protocol parameter, and PostgreSQL's wire protocol carries at most
65,535 parameters in one statement. Django's PostgreSQL backend sets no limit — with
client-side binding it needs none — so a `bulk_create` of 4,000 rows of 20 fields
(80,000 values) or an `id__in` list of 70,000 ids would fail. Here:

- `bulk_create`, `bulk_update` and the deletion collector's batches stay under the limit;
- an `__in` list longer than `ARRAY_IN_ABOVE` values is sent as one array parameter,
  `IN (SELECT unnest(%s::<column type>[]))`, on plain and related fields alike (a
  province's evaluation can issue 100,000 warnings, a due-state run flag as many cases).

psycopg forgets a connection's prepared statements at every rollback, a savepoint's
included, and deallocates them on the server. PostgreSQL itself keeps them: a prepared
statement belongs to the session, not to a transaction. psycopg is careful for DDL rolled
back under a statement prepared against it; GridGov runs no DDL in a request or a task
(migrations are their own connections' business, and psycopg still forgets everything
after a DROP or ALTER it runs). Every refused case step (the state changed meanwhile, a
department signing a case another token took) and every failed form inside a transaction
rolled back, and the connection then parsed and planned each of its ~90 statements again
for their next ten runs (five before psycopg prepares one, five custom plans after):
57 times in one load run, about a quarter of every statement the server ran
(docs/performance.md, "Load"). Here a rollback leaves the cache alone."""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISWrapper
from django.contrib.gis.db.backends.postgis.operations import PostGISOperations
from django.db.models import Field
from django.db.models.expressions import ColPairs
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.utils.datastructures import OrderedSet

MAX_PARAMETERS = 65_535
BULK_UPDATE_ROWS = 1_000
# Below this an `__in` list is Django's own `IN (%s, %s, …)`, as everywhere else.
ARRAY_IN_ABOVE = 5_000


def _server_binding(connection) -> bool:
    return bool(connection.settings_dict["OPTIONS"].get("server_side_binding"))


class DatabaseOperations(PostGISOperations):
    def bulk_batch_size(self, fields, objs):
        if not _server_binding(self.connection):
            return super().bulk_batch_size(fields, objs)
        if len(fields) > 2 and fields[0] is fields[1]:
            # bulk_update passes [pk, pk, *fields]: a WHEN pk THEN value pair per field
            # and row, and the row's pk once more in the WHERE. Its CASE is searched
            # row by row (n rows × n branches): a thousand rows a statement, not 13,000.
            per_row = 2 * (len(fields) - 2) + 1
            return max(min(MAX_PARAMETERS // per_row, BULK_UPDATE_ROWS), 1)
        else:
            # A value per field and row (a geometry, a generic key: one each).
            per_row = max(len(fields), 1)
        return max(MAX_PARAMETERS // per_row, 1)


class DatabaseWrapper(PostGISWrapper):
    ops_class = DatabaseOperations

    def _rollback(self):
        with _prepared_statements_kept(self.connection):
            return super()._rollback()

    def _savepoint_rollback(self, sid):
        with _prepared_statements_kept(self.connection):
            return super()._savepoint_rollback(sid)


@contextmanager
def _prepared_statements_kept(connection):
    """While inside, psycopg sees an empty prepared-statement cache that prepares nothing:
    what a rollback clears is that one. A psycopg without this (private) cache is left
    to do as it does; governance/tests/test_server_binding.py notices."""
    prepared = getattr(connection, "_prepared", None)
    if prepared is None:
        yield
        return
    stand_in = type(prepared)()
    stand_in.prepare_threshold = None  # prepares and counts nothing (a savepoint's SQL)
    connection._prepared = stand_in
    try:
        yield
    finally:
        connection._prepared = prepared


class _ArrayIn:
    """A long list of values as one array parameter (see the module's docstring)."""

    def process_rhs(self, compiler, connection):
        if (
            self.rhs_is_direct_value()
            and not isinstance(self.lhs, ColPairs | tuple)
            and len(self.rhs) > ARRAY_IN_ABOVE
            and _server_binding(connection)
        ):
            try:
                values = OrderedSet(self.rhs)
                values.discard(None)
            except TypeError:  # unhashable values: left to Django
                return super().process_rhs(compiler, connection)
            sqls, params = self.batch_process_rhs(compiler, connection, values)
            # The array is typed as the column (a list of str would be `unknown[]`), without
            # its length or precision: `'…'::varchar(64)` would cut a longer value to one
            # that matches.
            db_type = self.lhs.output_field.cast_db_type(connection)
            db_type = db_type and re.sub(r"\(.*?\)", "", db_type)
            if db_type and all(sql == "%s" for sql in sqls):  # plain values, no casts
                return f"(SELECT unnest(%s::{db_type}[]))", [list(params)]
        return super().process_rhs(compiler, connection)


class ArrayIn(_ArrayIn, In):
    pass


class RelatedArrayIn(_ArrayIn, RelatedIn):
    pass


Field.register_lookup(ArrayIn)
ForeignObject.register_lookup(RelatedArrayIn)
