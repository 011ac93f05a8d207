"""A queryset compiled to SQL once per process and run again with other values.

Turning a queryset into SQL (resolving lookups, joins and expressions) costs the Python
of a page more than running the statement: on the grid worker's home page the duties'
seven statements cost more to compile than PostgreSQL spends on them. A `CompiledQuery`
builds its queryset once, from sample values, finds where each sample lands among the
statement's parameters and later runs the same SQL with the real values in those places.

Only for querysets whose SQL does not change with the values (no `__in` lists, no
optional filters): the samples must be unusual enough to appear nowhere else in the
parameters, and each must appear; `CompiledQuery` refuses to compile otherwise. Field
converters (decryption, for example) are applied as the ORM would.

A `StatementMemo` keeps whole statements (SQL and parameters) by a key that holds
everything their builder reads, for statements whose shape follows the user (the
inbox's counts: the user's id, roles and shared cases). `CompiledQueries` keeps a
`CompiledQuery` by such a key, for statements whose shape follows the user and whose
values change within it (a case by its number, in the user's jurisdiction)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models import F, ForeignObjectRel, Func, QuerySet
from django.db.models.sql.where import WhereNode


def _converters(compiler) -> list:
    """(column, converters, expression) of the columns the ORM would convert; None in
    place of the converters of a geometry column, which are the running thread's own.

    A statement is kept for the whole process and run from every thread of a threaded
    server, while a geometry column's converter reads WKB with the GEOS reader of the
    thread that built it (`wkb_r()`, one per thread: GEOS readers are not thread-safe,
    and ctypes lets go of the GIL while one reads). Kept, it would be shared by all
    threads, and two of them reading at once corrupt each other's geometries (seen under
    load: "Points of LinearRing do not form a closed linestring" in a plain ORM query
    of the thread that had compiled the statement)."""
    return [
        (i, None if isinstance(expression.output_field, GeometryField) else convs, expression)
        for i, (convs, expression) in compiler.get_converters(
            [s[0] for s in compiler.select]
        ).items()
    ]


# The column names of each statement's result: fixed by its SQL, while psycopg builds a
# `Column` object per column every time `description` is read (a fifth of the work of
# running the session's and the user's statements on each request).
_NAMES: dict[str, list[str]] = {}
_NAMES_KEPT = 4096


_thread = threading.local()


def _thread_converters(expression, connection) -> list:
    """The converters of `expression` built in (and kept for) the running thread, as the
    compiler builds them (SQLCompiler.get_converters)."""
    kept = getattr(_thread, "converters", None)
    if kept is None:
        kept = _thread.converters = {}
    key = (connection.alias, expression)
    convs = kept.get(key)
    if convs is None:
        if len(kept) >= _NAMES_KEPT:
            kept.clear()
        convs = kept[key] = connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection)
    return convs


def _run(db: str, sql: str | None, params, converters) -> list[dict]:
    names, rows = _fetch(db, sql, params, converters)
    return [dict(zip(names, r, strict=True)) for r in rows]


def _fetch(db: str, sql: str | None, params, converters) -> tuple[list[str], list]:
    """The column names and the rows (converted as the ORM would) of a statement."""
    if sql is None:  # a statement that can match nothing (StatementMemo)
        return [], []
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = _NAMES.get(sql)
        if names is None:
            names = [c.name for c in cursor.description]
            if len(_NAMES) >= _NAMES_KEPT:
                _NAMES.clear()
            _NAMES[sql] = names
        rows = cursor.fetchall()
    if converters:
        converters = [
            (i, _thread_converters(expression, connection) if convs is None else convs, expression)
            for i, convs, expression in converters
        ]
        rows = [list(r) for r in rows]
        for row in rows:
            for i, convs, expression in converters:
                for conv in convs:
                    row[i] = conv(row[i], expression, connection)
    return names, rows


class _Instances:
    """What Django's ModelIterable reads off a compiler to make model instances of its
    rows (the model's own columns, those of the select_related models, annotations),
    kept with the statement. RelatedPopulators hold only where each model's columns lie
    in a row, so one set serves every thread."""

    @staticmethod
    def apply_to(qs: QuerySet) -> bool:
        from django.db.models.query import ModelIterable

        return (
            qs._iterable_class is ModelIterable
            and not qs._prefetch_related_lookups
            and not qs._known_related_objects
        )

    def __init__(self, qs: QuerySet, compiler, db: str):
        from django.db.models.query import get_related_populators

        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.attnames = [c[0].target.attname for c in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, db)
        self.annotations = dict(compiler.annotation_col_map or {})

    def make(self, db: str, rows) -> list:
        out = []
        for row in rows:
            obj = self.model.from_db(db, self.attnames, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, obj)
            for attr, position in self.annotations.items():
                setattr(obj, attr, row[position])
            out.append(obj)
        return out


# Marks a sample string: a statement whose literal parameters still hold it took a value
# derived from a sample (a path cut or joined), which the real value cannot replace. A
# private-use character: not whitespace (strip() and split() keep it), never in an area's
# path or code.
SAMPLE_MARK = "\ue000"

# Integer samples are negative: no row's id is, so a sample is never mistaken for an id
# kept in a statement (a row shared with the user one by one).
SAMPLE_INT = -987_000_000


class CompiledQuery:
    """`optional`: names of samples that some statements do not use (a jurisdiction's
    areas, of which a statement may read only some); the others must each appear."""

    def __init__(self, build: Callable[..., QuerySet], optional=(), **samples):
        self._build = build
        self._samples = samples
        self._optional = frozenset(optional)
        self._model = None
        self._compiled: dict[str, tuple] = {}

    def _compile(self, db: str):
        qs = self._build(**self._samples).using(db)
        compiler = qs.query.get_compiler(db)
        sql, params = compiler.as_sql()
        seen: set[str] = set()
        slots = [
            self._slot(value, connections[db].ops.prep_for_like_query, seen) for value in params
        ]
        if missing := set(self._samples) - seen - self._optional:
            raise ImproperlyConfigured(f"samples {sorted(missing)} are not parameters of the SQL")
        converters = _converters(compiler)
        return db, sql, slots, converters, qs, compiler

    def _slot(self, value, like, seen: set) -> Callable[[dict], object]:
        """How a parameter is made from the real values: a sample's place takes its value
        (wrapped as the backend wrapped the sample), a LIKE pattern on a sample
        (`path__startswith`) the value escaped as the lookup escapes it, an array holding
        samples (`departments__overlap`) the values in their places; anything else is
        kept as it is."""
        # isinstance: a backend may wrap a value (psycopg's Int4 for an integer Value).
        names = [k for k, v in self._samples.items() if isinstance(value, type(v)) and v == value]
        prefixes = [
            k
            for k, v in self._samples.items()
            if isinstance(v, str) and isinstance(value, str) and value == like(v) + "%"
        ]
        if len(names) + len(prefixes) > 1:
            raise ImproperlyConfigured(f"samples {names + prefixes} are equal: make them distinct")
        if names:
            name = names[0]
            seen.add(name)
            if type(value) is type(self._samples[name]):
                return lambda values: values[name]
            wrap = type(value)
            return lambda values: wrap(values[name])
        if prefixes:
            name = prefixes[0]
            seen.add(name)
            return lambda values: like(values[name]) + "%"
        if isinstance(value, list) and value:
            parts = [self._slot(item, like, seen) for item in value]
            return lambda values: [part(values) for part in parts]
        if isinstance(value, str) and SAMPLE_MARK in value:
            raise ImproperlyConfigured(
                f"a parameter derived from a sample ({value!r}): the statement would keep it "
                "for every value"
            )
        return lambda values: value

    def _statement(self, using: str | None, values: dict) -> tuple:
        if set(values) != set(self._samples):
            raise TypeError(f"expected values for {sorted(self._samples)}")
        if self._model is None:
            self._model = self._build(**self._samples).model
        # The database is chosen on every call, as the ORM would (a read inside
        # lag_tolerant() may go to the replica; the same statement outside it must not).
        db = using or router.db_for_read(self._model)
        compiled = self._compiled.get(db)
        if compiled is None:
            db, sql, slots, converters, qs, compiler = self._compile(db)
            instances = _Instances(qs, compiler, db) if _Instances.apply_to(qs) else None
            compiled = self._compiled[db] = (db, sql, slots, converters, instances)
        db, sql, slots, converters, instances = compiled
        return db, sql, [slot(values) for slot in slots], converters, instances

    def rows(self, using: str | None = None, **values) -> list[dict]:
        """The statement's rows as dicts keyed by the SQL's column names."""
        return _run(*self._statement(using, values)[:4])

    def objects(self, using: str | None = None, **values) -> list:
        """The queryset's model instances, as iterating it would give them: deferred
        fields deferred, the select_related objects attached, annotations set."""
        db, sql, params, converters, instances = self._statement(using, values)
        if instances is None:
            raise ImproperlyConfigured(
                "CompiledQuery.objects: a plain queryset of model instances only "
                "(no values(), prefetch_related or related manager)"
            )
        return instances.make(db, _fetch(db, sql, params, converters)[1])


class CompiledQueries:
    """A `CompiledQuery` per key: the key holds everything `build` reads besides the
    samples' values (as a StatementMemo's key does), for the `size` keys used last in
    the process (a province has thousands of grids: a cache emptied when full would be
    emptied again and again under load)."""

    def __init__(self, size: int = 1024):
        self._size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build: Callable[..., QuerySet], optional=(), **samples) -> CompiledQuery:
        query = self._kept.get(key)
        if query is None:
            query = CompiledQuery(build, optional=optional, **samples)
            with self._lock:
                self._kept[key] = query
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        else:
            try:
                self._kept.move_to_end(key)
            except KeyError:  # dropped by another thread meanwhile
                pass
        return query


def page_then_join(qs: QuerySet, start: int, stop: int) -> QuerySet:
    """The rows [start:stop] of `qs` as one statement that picks the page's ids on the
    table alone — its filter, its order, the limit — and only then joins what the
    queryset selects with them (`WHERE id IN (SELECT id … ORDER BY … LIMIT n)`).

    Why: a kept statement is prepared, and after five runs PostgreSQL plans it once for
    any parameters (a generic plan), with one row estimate for every user of the
    statement. The inbox's box is two rows for a grid worker and seven hundred for a
    county's dispatchers; planned for two, the one-statement page joined all seven
    hundred to their areas, category and department before it sorted and kept twenty —
    5.6 ms a page on average under load, the database's largest single cost
    (docs/performance.md, "An eleventh machine"). Picked first, the sort sees the table's
    own narrow rows and the joins see twenty.

    A queryset that joins a multi-valued relation, is DISTINCT, a union or uses extra()
    is sliced as it is (its joins could repeat or drop rows once the filter is gone from
    the outer statement)."""
    query = qs.query
    joins = [j for j in query.alias_map.values() if getattr(j, "join_field", None) is not None]
    if (
        query.distinct
        or query.combinator  # union(): no filter on it
        or query.extra or query.extra_tables  # extra(where=…) may join tables by hand
        or any(isinstance(j.join_field, ForeignObjectRel) for j in joins)
    ):  # fmt: skip
        return qs[start:stop]
    picked = qs.values("pk")[start:stop]
    page = qs.all()
    page.query.where = WhereNode()
    return page.filter(pk__in=picked)


class KeptPages:
    """What Paginator (or DRF's LimitOffsetPagination) needs of a list — count() and
    slices — from statements kept in `queries` under `key`, for a list whose SQL is a
    function of the key: `build(**samples)` gives the whole ordered queryset, the samples
    standing for the values that change within the key (a user's id), `values` the real
    ones. A slice's bounds are in its SQL, so each start (and length) is a statement of
    its own; `count` may be given when it is already known (read with other counts).
    A scope with no rows at all (EmptyResultSet while compiling) is an empty list."""

    def __init__(self, queries: CompiledQueries, key, build, *, per_page: int, count=None,
                 samples: dict | None = None, values: dict | None = None,
                 optional=()):  # fmt: skip
        self._queries, self._key, self._build = queries, key, build
        self._per_page, self._count = per_page, count
        self._samples, self._values = samples or {}, values or {}
        self._optional = optional

    def count(self) -> int:
        if self._count is None:
            build = self._build
            query = self._queries.get(
                ("count", self._key),
                lambda **s: build(**s).order_by().values(n=Func(F("pk"), function="COUNT")),
                optional=self._optional,
                **self._samples,
            )
            try:
                self._count = query.rows(**self._values)[0]["n"]
            except EmptyResultSet:
                self._count = 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, bounds: slice) -> list:
        if not isinstance(bounds, slice) or bounds.step not in (None, 1):
            raise TypeError("KeptPages: slices only")
        start = bounds.start or 0
        stop = start + self._per_page if bounds.stop is None else bounds.stop
        # Whole pages of `per_page` from `start` (the last page's end is the count, which
        # would make a new statement for every row added), cut to the bounds asked; a
        # longer slice (an API's limit) is a statement of its own length.
        length = max(self._per_page, stop - start)
        build = self._build
        query = self._queries.get(
            ("page", self._key, start, length),
            lambda **s: page_then_join(build(**s), start, start + length),
            optional=self._optional,
            **self._samples,
        )
        try:
            return query.objects(**self._values)[: stop - start]
        except EmptyResultSet:
            return []


class StatementMemo:
    """Statements whose SQL and parameters are a function of a key holding everything the
    queryset's builder reads (for example a user's id, roles and shared objects): built
    and compiled once per key and process, for up to `size` keys (then started afresh).
    The key must be complete: whatever changes the statement must change the key."""

    def __init__(self, size: int = 2048):
        self._size = size
        self._compiled: dict = {}

    def _statement(self, key, build: Callable[[], QuerySet], model, describe=None) -> tuple:
        """(db, sql, params, converters, what `describe` said of the queryset)."""
        db = router.db_for_read(model)
        compiled = self._compiled.get((key, db))
        if compiled is None:
            qs = build().using(db)
            compiler = qs.query.get_compiler(db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:  # `__in` an empty list: no rows, as the ORM gives
                sql, params = None, ()
            described = describe(qs, compiler) if describe else None
            if len(self._compiled) >= self._size:
                self._compiled.clear()
            compiled = self._compiled[(key, db)] = (
                db, sql, tuple(params), _converters(compiler), described,
            )  # fmt: skip
        return compiled

    def rows(self, key, build: Callable[[], QuerySet], model) -> list[dict]:
        """`model`: the queryset's model, for choosing the database on every call (the
        same statement may be read from the replica inside lag_tolerant() only)."""
        return _run(*self._statement(key, build, model)[:4])

    def objects(self, key, build: Callable[[], QuerySet], model) -> list:
        """The queryset's model instances, as iterating it would give them (deferred
        fields deferred, values converted), for a queryset of `model`'s own columns only:
        no select_related, annotations, extra or values()."""
        db, sql, params, converters, attnames = self._statement(
            key, build, model, describe=_own_columns
        )
        return [
            model.from_db(db, attnames, list(row.values()))
            for row in _run(db, sql, params, converters)
        ]


def _own_columns(qs: QuerySet, compiler) -> list[str]:
    """The attnames of the queryset's columns (what from_db takes); ImproperlyConfigured
    unless every column is one of the model's own fields."""
    from django.db.models.query import ModelIterable

    query = qs.query
    names = [getattr(getattr(c, "target", None), "attname", None) for c, _s, _a in compiler.select]
    if not (
        qs._iterable_class is ModelIterable
        and not query.select_related
        and not query.annotation_select
        and not query.extra_select
        and not compiler.klass_info.get("related_klass_infos")
        and None not in names
        and len(set(names)) == len(names)
    ):
        raise ImproperlyConfigured("StatementMemo.objects: only a model's own columns")
    return names


def run_listed(queries: CompiledQueries, key, build: Callable[..., QuerySet], *,
               rows: bool = False, **lists) -> list:  # fmt: skip
    """`build(**lists)`'s model instances (its rows as dicts with `rows=True`), from a
    statement kept in `queries` under `key` and the lists' lengths: each list is an IN
    list (`code__in=…`) whose items are parameters, so the statement serves every list
    of that length (the grids' ancestors: one statement for every grid, where a key
    holding the paths made one per grid and process). The lists must not be empty, and
    their items distinct (an IN list drops repeats, its length then following the
    values)."""
    samples, values, lengths = {}, {}, []
    for n, (name, items) in enumerate(lists.items()):
        items = list(items)
        lengths.append(len(items))
        for i, item in enumerate(items):
            samples[f"{name}{i}"] = (
                f"{SAMPLE_MARK}{name} {i}/"
                if isinstance(item, str)
                else SAMPLE_INT - 500_000 - 1000 * n - i
            )
            values[f"{name}{i}"] = item
    names = list(zip(lists, lengths, strict=True))

    def rebuild(**s):
        return build(**{name: [s[f"{name}{i}"] for i in range(n)] for name, n in names})

    query = queries.get((key, tuple(lengths)), rebuild, **samples)
    return query.rows(**values) if rows else query.objects(**values)
