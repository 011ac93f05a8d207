"""Errors the services raise, understood by the API's exception handler and the pages.

They are ValidationErrors so a page that shows a service's refusal as a form message
keeps doing so; the API maps them by `code` (forbidden → 403, not_found → 404,
conflict → 409, anything else → 400).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ServiceError(ValidationError):
    default_message = _("请求无法完成。")
    default_code = "invalid"

    def __init__(self, message=None, code=None, params=None):
        super().__init__(message or self.default_message, code=code or self.default_code,
                         params=params)


class Forbidden(ServiceError):
    """The actor may not do this here (the target is known to them)."""

    default_message = _("您无权执行该操作。")
    default_code = "forbidden"


class NotFound(ServiceError):
    default_message = _("未找到,或不在您的管辖范围内。")
    default_code = "not_found"


class Conflict(ServiceError):
    default_message = _("数据已被他人修改或已存在,请刷新后重试。")
    default_code = "conflict"
