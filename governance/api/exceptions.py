"""Every API error is JSON {"detail": ..., "code": ...}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail={"detail": " ".join(exc.messages), "code": getattr(exc, "code", "invalid")}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到,或不在您的管辖范围内 Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        code = getattr(data["detail"], "code", None) or data.get("code") or _code(exc)
        response.data = {"detail": str(data["detail"]), "code": str(code)}
    else:
        response.data = {
            "detail": "输入有误 Invalid input.",
            "code": "invalid",
            "errors": data,
        }
    return response


def _code(exc):
    codes = getattr(exc, "get_codes", lambda: "error")()
    return codes if isinstance(codes, str) else "invalid"
