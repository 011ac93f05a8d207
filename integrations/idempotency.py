"""`Idempotency-Key` support for DRF handlers.

    class EventViewSet(...):
        @idempotent()
        def create(self, request, *args, **kwargs):
            ...

With the header, the handler runs inside one transaction together with the insert of
the key; its response is stored in that transaction. A repeat of the same request
replays the stored response without running the handler; the same key with another
request is answered 422. A concurrent duplicate blocks on the key's unique index until
the first commits, then replays. If the handler raises, everything rolls back (key
included), so the client may retry with the same key. Without the header, the handler
runs as usual (pass `required=True` to insist on it).

Keys live in a scope: the department for a department token, else the user. For an
anonymous caller there is no scope, unless the view passes `scope=`: the header is
then ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.datastructures import MultiValueDict
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .models import DepartmentToken, IdempotencyKey

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def default_scope(request: Request) -> str | None:
    if isinstance(request.auth, DepartmentToken):
        return f"department:{request.auth.department.code}"
    if request.user is not None and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


def _canonical(value):
    """A JSON-able, order-independent form of parsed request data. Uploaded files
    count by name, size and content digest."""
    if isinstance(value, MultiValueDict):  # form and multipart data
        return {k: [_canonical(v) for v in value.getlist(k)] for k in sorted(value)}
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the handler reads it again
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(request: Request) -> str:
    """SHA-256 of method, path and parsed body. Parsed, not raw: JSON key order and
    whitespace do not make two equal requests differ, and a large multipart upload is
    streamed by the parser instead of being loaded whole (`HttpRequest.body` would
    refuse it above DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    body = json.dumps(
        _canonical(request.data),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), body):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _error(detail: str, code: str, http_status: int) -> Response:
    return Response({"detail": detail, "code": code}, status=http_status)


def idempotent(scope: Callable[[Request], str | None] = default_scope, *, required: bool = False):
    """Decorate a DRF handler (view method or `@api_view` function)."""

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(*args, **kwargs):
            request = next(a for a in args[:2] if isinstance(a, Request))
            key = request.headers.get(HEADER, "").strip()
            scope_value = scope(request) if key else None
            if not key or scope_value is None:
                if required:
                    return _error(
                        f"请提供 {HEADER} 请求头 {HEADER} header required.",
                        "idempotency_key_required",
                        status.HTTP_400_BAD_REQUEST,
                    )
                return handler(*args, **kwargs)
            if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
                return _error(
                    f"幂等键无效 Invalid {HEADER} (1–255 printable ASCII characters).",
                    "idempotency_key_invalid",
                    status.HTTP_400_BAD_REQUEST,
                )
            fingerprint = request_fingerprint(request)
            with transaction.atomic():
                # Blocks while a concurrent request holding the same key is uncommitted.
                record, created = IdempotencyKey.objects.get_or_create(
                    scope=scope_value[:150], key=key, defaults={"request_hash": fingerprint}
                )
                if not created:
                    return _replay(record, fingerprint)
                response = handler(*args, **kwargs)
                if not isinstance(response, Response):
                    raise TypeError("@idempotent handlers must return a DRF Response")
                record.response_status = response.status_code
                record.response_body = JSONRenderer().render(response.data).decode("utf-8")
                record.save(update_fields=["response_status", "response_body"])
            return response

        return wrapper

    return decorator


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return _error(
            "幂等键已用于不同的请求 Idempotency-Key reused with a different request",
            "idempotency_conflict",
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    data = json.loads(record.response_body) if record.response_body else None
    response = Response(data, status=record.response_status)
    response[REPLAY_HEADER] = "true"
    return response
