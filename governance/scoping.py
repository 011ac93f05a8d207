"""The one jurisdiction mechanism.

Every scoped model uses `ScopedQuerySet` and names, in `scope_path_field`, the field
holding the materialized path of the area a row belongs to (for Area itself, `path`;
for a fact table, e.g. `grid__path` or a denormalised `area_path`). `restrict(user,
action)` keeps the rows inside the subtrees of the user's roles that grant `action`,
plus the rows shared with the user one by one through django-guardian.

A model whose rows are *handled by departments* (cases) also names, in
`scope_department_field`, an array of the ids of the departments involved; a model whose
rows *belong to one department* (webhook subscriptions and deliveries, department
tokens) names there the foreign key to it. For such a model a department handler's role
does not open the whole subtree of the department's area: it opens exactly the rows
their department was involved in, or owns. Selectors,
API viewsets and pages all start from `Model.objects.restrict(...)`; nothing filters
by jurisdiction any other way.
"""

from __future__ import annotations

import json
from functools import reduce
from operator import or_

from django.db import models

from .roles import Action, roles_granting

RoleRow = tuple[str, int, str, int | None]


def user_role_rows(user) -> list[RoleRow]:
    """(role, area id, area path, department id) of every role the user holds: read once
    and cached on the user object, i.e. for the request. The one source of the user's roles
    for jurisdiction (here), case permissions (events) and field policy (collection); an
    anonymous or deactivated user holds none. `clear_role_cache` forgets it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    rows = user.__dict__.get("_role_rows")
    if rows is None:
        # Through the user's reverse relation: models.py imports this module, so this
        # one does not import models.py.
        rows = user.__dict__["_role_rows"] = [
            (r["role"], r["area_id"], r["area__path"], r["department_id"])
            for r in _role_rows_query(user.role_assignments.model).rows(user_id=user.pk)
        ]
    return rows


def role_rows_json_sql(model, user_column: str) -> str:
    """SQL of one value: the role rows of the user whose id is `user_column`, as a JSON
    array of [role, area id, area path, department id] in the order `user_role_rows` reads
    them — for reading them in the same statement as the user (governance/auth.py), one
    round trip fewer on every request. `model`: the role assignment model."""
    area = model._meta.get_field("area").related_model
    return (
        "SELECT coalesce(json_agg(json_build_array(r.role, r.area_id, a.path, r.department_id)"
        f" ORDER BY r.id), '[]')::text FROM {model._meta.db_table} r"
        f" JOIN {area._meta.db_table} a ON a.id = r.area_id WHERE r.user_id = {user_column}"
    )


def remember_role_rows(user, rows_json: str) -> None:
    """Keep on the user object the role rows read with it (`role_rows_json_sql`), as
    `user_role_rows` would have read them."""
    user.__dict__["_role_rows"] = [tuple(row) for row in json.loads(rows_json)]


_ROLE_ROWS = None


def _role_rows_query(model):
    """The roles' statement, on every request, compiled once per process
    (governance/compiled.py)."""
    global _ROLE_ROWS
    if _ROLE_ROWS is None:
        from .compiled import CompiledQuery

        _ROLE_ROWS = CompiledQuery(
            lambda user_id: (
                model.objects.filter(user_id=user_id)
                .order_by("id")
                .values("role", "area_id", "area__path", "department_id")
            ),
            user_id=987_654_321,
        )
    return _ROLE_ROWS


def _assignments(user, action: str) -> list[tuple[str, str, int | None]]:
    """(role, area path, department id) of the user's roles granting `action`."""
    granting = roles_granting(action)
    return [(r, path, d) for r, _a, path, d in user_role_rows(user) if r in granting]


def _collapse(paths) -> list[str]:
    """Drop paths inside another one (a province role makes a county role redundant),
    so the SQL predicate stays short."""
    collapsed: list[str] = []
    for p in sorted(set(paths)):  # sorted, so an ancestor comes before its descendants
        if not any(p.startswith(c) for c in collapsed):
            collapsed.append(p)
    return collapsed


def jurisdiction_paths(user, action: str = Action.VIEW) -> list[str]:
    """Area paths of the subtrees in which `user` may perform `action`."""
    return _collapse(path for _r, path, _d in _assignments(user, action))


def _department_handler(role: str) -> bool:
    from .roles import Role

    return role == Role.DEPARTMENT_HANDLER


def clear_role_cache(user) -> None:
    """Forget what was cached on the user object about their access (their roles, the
    objects shared with them): role_assign, role_revoke and object_share call it."""
    user.__dict__.pop("_role_rows", None)
    user.__dict__.pop("_shared_pks_cache", None)


def jurisdiction_q(
    user,
    action: str,
    path_field: str,
    department_field: str | None = None,
    department_lookup: str = "overlap",
) -> models.Q:
    """Q object matching rows whose `path_field` lies in one of the user's subtrees
    (or, with `department_field`, rows their department was involved in: `overlap` for
    an array of department ids, `in` for a foreign key to the owning department)."""
    assignments = _assignments(user, action)
    if department_field:
        paths = _collapse(p for r, p, _d in assignments if not _department_handler(r))
        departments = sorted({d for r, _p, d in assignments if _department_handler(r) and d})
    else:
        paths, departments = jurisdiction_paths(user, action), []
    parts = [models.Q(**{f"{path_field}__startswith": p}) for p in paths]
    if departments:
        parts.append(models.Q(**{f"{department_field}__{department_lookup}": departments}))
    if not parts:
        return models.Q(pk__in=[])
    return reduce(or_, parts)


def object_area_path(obj) -> str:
    """The area path of a scoped object, following `scope_path_field` ("grid__path")."""
    value = obj
    for part in getattr(type(obj), "scope_path_field", "").split("__"):
        value = getattr(value, part, None) if part else None
        if value is None:
            return ""
    return value


def path_in_jurisdiction(user, path: str, action: str = Action.VIEW) -> bool:
    return any(path.startswith(p) for p in jurisdiction_paths(user, action))


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW):
        path_field = getattr(self.model, "scope_path_field", None)
        if path_field is None:  # a model that forgot to declare its scope sees nothing
            return self.none()
        department_field = getattr(self.model, "scope_department_field", None)
        q = jurisdiction_q(
            user,
            action,
            path_field,
            department_field,
            _department_lookup(self.model, department_field),
        )
        shared = _guardian_shared_pks(self.model, user, action)
        if shared is not None:
            q |= models.Q(pk__in=shared)
        return self.filter(q)


def _department_lookup(model, department_field: str | None) -> str:
    """`overlap` when the department field is an array of ids, `in` for a foreign key."""
    if not department_field:
        return "overlap"
    from django.contrib.postgres.fields import ArrayField

    field = None
    for part in department_field.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model or model
    return "overlap" if isinstance(field, ArrayField) else "in"


# Samples standing for a jurisdiction's areas and departments in a statement compiled
# once per shape of jurisdiction (`scope_of`): negative ids (no row has one), paths of
# the real path's depth made of marked segments (governance/compiled.py SAMPLE_MARK), so
# that a value a builder would derive from one — an ancestor, a level counted from its
# slashes — is either the real one's for every user of the key (the depth is in it) or
# still marked, and refused.
def _sample_area(i: int) -> int:
    from .compiled import SAMPLE_INT

    return SAMPLE_INT - 100_000 - i


def _sample_department(i: int) -> int:
    from .compiled import SAMPLE_INT

    return SAMPLE_INT - 200_000 - i


def _sample_path(i: int, depth: int) -> str:
    from .compiled import SAMPLE_MARK

    return "".join(f"{SAMPLE_MARK}{i}.{k}/" for k in range(depth))


def _depth(path: str) -> int:
    return path.count("/")


class Scope:
    """What `restrict(user, action)` reads for `model`, split for statements compiled once
    and run for many users (governance/compiled.py CompiledQueries):

    - `key`: the statement's shape — the user's roles and, for each, the depth of its
      area and whether it names a department; the rows shared with them one by one;
    - `principal`: a stand-in user to build the statement from, whose role rows hold
      `samples` in place of the areas' ids and paths and the departments' ids;
    - `values`: this user's areas and departments, for the samples' places.

    So every grid worker (one role on one grid) shares one statement, their grid a
    parameter, where a key holding the grid made one statement per grid and process —
    kept in vain for a user who comes back a few times a day to one of many processes.
    A jurisdiction whose areas nest or repeat (a county role beside a grid role inside
    it) changes restrict()'s SQL with its values: its key holds the values themselves,
    with no samples."""

    def __init__(self, model, user, action: str = Action.VIEW):
        rows = list(user_role_rows(user))
        shared = tuple(shared_pks(model, user, action) or ())
        if _parameterizable(rows):
            self.samples, self.values, principal_rows = {}, {}, []
            for i, (role, area_id, path, department_id) in enumerate(rows):
                area, sample_path = _sample_area(i), _sample_path(i, _depth(path))
                self.samples[f"area{i}"], self.values[f"area{i}"] = area, area_id
                self.samples[f"path{i}"], self.values[f"path{i}"] = sample_path, path
                department = None
                if department_id is not None:
                    department = _sample_department(i)
                    self.samples[f"dept{i}"], self.values[f"dept{i}"] = department, department_id
                principal_rows.append((role, area, sample_path, department))
            shape = tuple((role, _depth(p), d is not None) for role, _a, p, d in rows)
            self.key = ("shape", shape, shared)
        else:
            self.samples, self.values, principal_rows = {}, {}, rows
            self.key = ("rows", tuple(rows), shared)
        self.principal = ScopePrincipal(model, principal_rows, shared, action)

    def compiled(self, queries, key, build, **samples):
        """The CompiledQuery of `queries` under (`key`, this scope's key): `build` takes
        `samples` and this scope's own (and reads the scope only through `principal`)."""
        return queries.get(
            (key, self.key), build, optional=tuple(self.samples), **samples, **self.samples
        )

    def run_with(self, **values) -> dict:
        """The values of a statement from `compiled`: `values` and this user's areas."""
        return {**values, **self.values}


def _parameterizable(rows) -> bool:
    """Rows whose areas and departments can be parameters: no two areas the same or one
    inside another, no department twice (restrict() would merge them, the SQL's shape
    then following the values)."""
    paths = [p for _r, _a, p, _d in rows]
    departments = [d for _r, _a, _p, d in rows if d is not None]
    return (
        len({a for _r, a, _p, _d in rows}) == len(rows)
        and len(set(departments)) == len(departments)
        and all(p and p.endswith("/") for p in paths)
        and not any(p != q and q.startswith(p) for p in paths for q in paths)
        and len(set(paths)) == len(paths)
    )


def scope_of(model, user, action: str = Action.VIEW) -> Scope:
    return Scope(model, user, action)


class ScopePrincipal:
    """A stand-in user holding role rows and shared rows of one model and action, and
    nothing else. A builder that reads anything more of its user (the id, another model's
    shared rows) fails loudly instead of baking one user's SQL into a statement shared by
    everyone with the same scope key."""

    is_authenticated = True
    is_active = True

    def __init__(self, model, role_rows, shared, action: str = Action.VIEW):
        self.__dict__["_role_rows"] = list(role_rows)
        self.__dict__["_shared_pks_cache"] = _OnlyThese(
            {(model._meta.label_lower, action): list(shared) or None}
        )

    @property
    def pk(self):
        raise AttributeError("a scope has no user id: the statement read more than its scope")

    id = pk


class _OnlyThese(dict):
    def __contains__(self, key) -> bool:
        if not dict.__contains__(self, key):
            raise LookupError(f"{key!r} is not part of this scope")
        return True


def shared_pks(model, user, action) -> list | None:
    """Primary keys of `model` rows shared with the user one by one (None: none), as
    restrict() adds them: read once per request."""
    return _guardian_shared_pks(model, user, action)


_OBJECT_PERMISSIONS = None


def _object_permissions():
    """Every object permission of a user and their groups: one statement, on every page
    that lists scoped rows, compiled once per process (governance/compiled.py)."""
    global _OBJECT_PERMISSIONS
    if _OBJECT_PERMISSIONS is None:
        from guardian.models import GroupObjectPermission, UserObjectPermission

        from .compiled import CompiledQuery

        fields = ("content_type_id", "permission__codename", "object_pk")
        _OBJECT_PERMISSIONS = CompiledQuery(
            lambda user_id: (
                UserObjectPermission.objects.filter(user_id=user_id)
                .values_list(*fields)
                .union(
                    GroupObjectPermission.objects.filter(group__user__id=user_id).values_list(
                        *fields
                    ),
                    all=True,
                )
            ),
            user_id=987_654_321,
        )
    return _OBJECT_PERMISSIONS


def _guardian_shared_pks(model, user, action):
    """Primary keys of `model` rows shared with the user (or their groups) one by one.

    Read from guardian's tables into a short list first: a sub-select here (guardian's
    own `get_objects_for_user`) costs a scan of the scoped table per statement, which
    at a million cases turns into re-scanning it for every row (bench/events.py).
    Returns None when nothing is shared, so the common case adds nothing to the SQL.
    """
    if user is None or not user.is_authenticated or action not in (Action.VIEW, Action.CHANGE):
        return None
    from django.contrib.contenttypes.models import ContentType

    cache = user.__dict__.setdefault("_shared_pks_cache", {})
    key = (model._meta.label_lower, action)
    if key not in cache:
        if "*" not in cache:
            # Every object permission of the user and their groups, in one statement, on
            # the first use in the request: a page listing six kinds of rows would
            # otherwise ask twice per kind (docs/performance.md, "Load").
            granted: dict[tuple[int, str], set[str]] = {}
            for row in _object_permissions().rows(user_id=user.pk):
                granted.setdefault(
                    (row["content_type_id"], row["permission__codename"]), set()
                ).add(row["object_pk"])
            cache["*"] = granted
        ct = ContentType.objects.get_for_model(model)
        pks = cache["*"].get((ct.pk, f"{action}_{model._meta.model_name}"), ())
        pk_field = model._meta.pk
        cache[key] = [pk_field.to_python(pk) for pk in pks] or None
    return cache[key]
