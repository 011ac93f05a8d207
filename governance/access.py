"""`require(actor, target, action)`: the one check every write makes.

Reads are scoped by `Model.objects.restrict(user, action)` (scoping.py); writes call
`require` with the *write* action they perform on the object, area or area path they
change — and on every target they name (the department a case is handed to, the grid
a record moves into). It accepts only actions registered as writes, so a service
cannot check a write against `view` by accident.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from .errors import Forbidden
from .roles import action_spec
from .scoping import jurisdiction_paths, object_area_path, path_in_jurisdiction


class _WholeProvince:
    """Target of provincial settings (the category tree, the calendar, schemas): only a
    role held at the root of the tree grants it."""

    def __repr__(self):
        return "WHOLE_PROVINCE"


WHOLE_PROVINCE = _WholeProvince()


def allowed(actor, target, action: str) -> bool:
    """May `actor` perform `action` on `target` (a scoped model instance, an Area or
    an area path)? Scoped instances are checked through `restrict`, so department
    cases, guardian shares and every other rule of the scoping apply unchanged."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not getattr(actor, "is_active", False)
    ):
        return False
    if target is WHOLE_PROVINCE:
        return any(p.count("/") == 1 for p in jurisdiction_paths(actor, action))
    if isinstance(target, str):
        return bool(target) and path_in_jurisdiction(actor, target, action)
    if isinstance(target, models.Model):
        model = type(target)
        if getattr(model, "scope_path_field", None) == "path":  # an Area: no query needed
            return path_in_jurisdiction(actor, target.path, action)
        if getattr(model, "scope_department_field", None) or not object_area_path(target):
            restrict = getattr(model.objects, "restrict", None)
            if restrict is None:
                raise ImproperlyConfigured(f"{model.__name__} is not a scoped model")
            return restrict(actor, action).filter(pk=target.pk).exists()
        return (
            path_in_jurisdiction(actor, object_area_path(target), action)
            or model.objects.restrict(actor, action).filter(pk=target.pk).exists()
        )
    raise ImproperlyConfigured(f"require() cannot check a {type(target).__name__}")


def require(actor, target, action: str, *, message=None) -> None:
    """Refuse (Forbidden, nothing changed) unless `actor` may perform the write `action`
    on `target`. `actor=None` is the system itself (commands, beat, the demo loader)."""
    spec = action_spec(action)
    if not spec.write:
        raise ImproperlyConfigured(
            f"require() checks writes; {action!r} is a read (use restrict())"
        )
    if actor is None:
        return
    if not allowed(actor, target, action):
        raise Forbidden(message or _("您无权在此范围内执行“%(a)s”。") % {"a": spec.label})
