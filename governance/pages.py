"""Small helpers the configuration pages of every app share (管理后台, /manage/).

The pages call services only; these helpers decide who reaches a page at all, how a
list is paged, and how a service's refusal appears on a form (a bad value: on the form,
400; a conflict: on the form, 409; outside one's jurisdiction: the one error page)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404

from .errors import Forbidden, NotFound
from .scoping import jurisdiction_paths

PER_PAGE = 30


def manage_required(action: str):
    """The page exists only for users whose roles grant `action` somewhere (404 for
    everyone else: a page they cannot use is not offered, nor confirmed to exist)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not jurisdiction_paths(request.user, action):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request, qs, per_page: int = PER_PAGE):
    """(page, query string without `page`) for a list page with filters."""
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def service_call(form, call):
    """Run `call()`; a refusal about the input lands on `form` as a non-field error.
    Returns (result, status): status 200 on success, 400 for bad input, 409 for a
    conflict. Forbidden and NotFound are not the form's business: they propagate to the
    one error handler (403/404 page)."""
    try:
        return call(), 200
    except (Forbidden, NotFound):
        raise
    except ValidationError as exc:
        if getattr(exc, "code", "") in ("forbidden", "not_found"):
            raise
        form.add_error(None, ValidationError(exc.messages))
        status = getattr(exc, "status_code", 400)
        if getattr(exc, "code", "") in ("conflict", "role_separation"):
            status = 409
        return None, status
