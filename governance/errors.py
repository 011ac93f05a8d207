"""The errors services raise when they refuse something, and what every expected error
means over HTTP — decided here once, for the API and for the pages.

Services raise these (never HTTP responses). `describe(exc)` turns any error a request may
legitimately end in into `(status, code, detail, field_errors)`: the API's one exception
handler (governance/api/exceptions.py) answers it as JSON `{"detail", "code"}`, and
`governance.middleware.InputGuardMiddleware` answers it as a page. Everything `describe`
does not know stays a 500: it is a bug.

The classes are Django `ValidationError`s, so every form and page that already catches
`ValidationError` keeps showing their message. Errors defined in the apps (e.g.
`events.services.EventActionError`, the collection services' `ValidationError`s with a
code) need not inherit from these: the status comes from `status_code` when an error has
one, otherwise from its `code` (`STATUS_FOR_CODE`), so the kernel never imports an app.
"""

import logging
import os

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

# The machine-readable codes that mean something other than "bad input" (400).
STATUS_FOR_CODE = {
    "forbidden": 403,
    "permission_denied": 403,
    "not_found": 404,
    "conflict": 409,
    "concurrent_change": 409,
}

ORM_FIELDS = os.path.join("django", "db", "models", "fields")

# PostgreSQL SQLSTATEs that mean "somebody else got there first".
UNIQUE_VIOLATION = {"23505", "23P01"}  # unique, exclusion constraint
CONCURRENCY = {"40001", "40P01", "55P03"}  # serialisation failure, deadlock, lock timeout
# The database cannot be reached: no SQLSTATE (refused, reset, closed), a connection
# exception (class 08), or the server shutting down, restarting or not accepting
# connections (57P01-57P03; 55000 "database is not accepting connections").
UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "55000")
DATABASE_UNAVAILABLE = "database_unavailable"


class ServiceError(ValidationError):
    """A refused action; nothing was changed. `code` is machine-readable, the message is
    for people (Chinese first, translated)."""

    status_code = 400
    default_code = "invalid"
    default_message = gettext_lazy("输入有误。")

    def __init__(self, message=None, code=None, params=None):
        super().__init__(
            message or self.default_message, code=code or self.default_code, params=params
        )


class Forbidden(ServiceError):
    """The actor may not perform this action on this target (403)."""

    status_code = 403
    default_code = "forbidden"
    default_message = gettext_lazy("您无权执行此操作。")


class NotFound(ServiceError):
    """The target does not exist or lies outside the actor's jurisdiction (404): the two
    are never told apart, so nobody learns what exists elsewhere."""

    status_code = 404
    default_code = "not_found"
    default_message = gettext_lazy("未找到,或不在您的管辖范围内。")


class Conflict(ServiceError):
    """The action collides with the current state: a duplicate, or a concurrent change
    (409). Retrying after reloading may succeed."""

    status_code = 409
    default_code = "conflict"
    default_message = gettext_lazy("与现有数据冲突,请刷新后重试。")


def error_code(exc: ValidationError) -> str:
    code = getattr(exc, "code", None)
    if not code and hasattr(exc, "error_list") and len(exc.error_list) == 1:
        code = getattr(exc.error_list[0], "code", None)
    return str(code or "invalid")


def describe(exc: BaseException) -> tuple[int, str, str, dict | None] | None:
    """`(status, code, detail, field_errors)` for an error a request may end in, or None
    when the error is a bug (a 500)."""
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return 404, "not_found", _("未找到,或不在您的管辖范围内。"), None
    if isinstance(exc, PermissionDenied):
        return 403, "forbidden", _("您无权执行此操作。"), None
    if isinstance(exc, ValidationError):
        code = error_code(exc)
        status = getattr(exc, "status_code", None)
        if not isinstance(status, int):
            status = STATUS_FOR_CODE.get(code, 400)
        detail = " ".join(str(m) for m in exc.messages) or _("输入有误。")
        fields = getattr(exc, "field_errors", None) or (
            exc.message_dict if hasattr(exc, "error_dict") else None
        )
        return status, code, detail, fields
    if isinstance(exc, ValueError) and (hasattr(exc, "code") or _from_orm_conversion(exc)):
        # Input that could not be parsed: a ValueError that says why (`code`, e.g. a bad
        # coordinate), or an id/number the ORM could not convert for a lookup ("abc" as a
        # pk). Any other ValueError is a bug and stays a 500 — in particular it must not
        # become a 400 that an idempotency key would then replay forever.
        logger.info("Bad input answered 400: %r", exc)
        return 400, str(getattr(exc, "code", "invalid")), _("输入格式有误。"), None
    if isinstance(exc, IntegrityError) and _sqlstate(exc) in UNIQUE_VIOLATION:
        return 409, "conflict", _("该记录已存在,或已被他人修改,请刷新后重试。"), None
    if database_unavailable(exc):
        return 503, DATABASE_UNAVAILABLE, str(UNAVAILABLE_MESSAGE), None
    if isinstance(exc, OperationalError) and _sqlstate(exc) in CONCURRENCY:
        return 409, "concurrent_change", _("数据正被他人同时修改,请稍后重试。"), None
    return None


UNAVAILABLE_MESSAGE = gettext_lazy("数据库暂时无法访问(可能正在重启或维护),请稍后重试。")


def database_unavailable(exc: BaseException) -> bool:
    """The database is down, restarting or refusing connections: a 503 that the same
    request may retry. Django reconnects by itself once it is back (CONN_HEALTH_CHECKS,
    and a broken connection is closed at the end of the request), nothing restarts."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    state = _sqlstate(exc)
    return state is None or state.startswith(UNAVAILABLE)


def _from_orm_conversion(exc: BaseException) -> bool:
    """Raised where Django converts a lookup value to the column's type."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and ORM_FIELDS in tb.tb_frame.f_code.co_filename


def _sqlstate(exc) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
