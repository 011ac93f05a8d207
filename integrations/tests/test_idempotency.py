"""`@idempotent` on a small DRF view that writes an audit row per execution."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from governance.audit import audit_record
from governance.models import AuditLog
from integrations import services
from integrations.authentication import DepartmentTokenAuthentication
from integrations.idempotency import idempotent
from integrations.models import IdempotencyKey

User = get_user_model()
factory = APIRequestFactory()
EXECUTIONS: list[int] = []
CONFLICT = {
    "detail": "幂等键已用于不同的请求 Idempotency-Key reused with a different request",
    "code": "idempotency_conflict",
}


class ThingView(APIView):
    """Creates a "thing" (an audit row). `?fail=raise|400` and `?slow=1` for the tests."""

    @idempotent()
    def post(self, request):
        EXECUTIONS.append(threading.get_ident())
        if request.query_params.get("slow"):
            time.sleep(0.5)  # the second request arrives while this one is uncommitted
        if request.query_params.get("fail") == "raise":
            audit_record(actor=request.user, action="test.thing", object_repr="half")
            raise ValueError("boom")
        if request.query_params.get("fail") == "400":
            return Response({"detail": "invalid", "code": "invalid"}, status=400)
        entry = audit_record(actor=request.user, action="test.thing", object_repr="thing")
        return Response({"id": entry.pk, "echo": request.data}, status=201)


@api_view(["POST"])
@idempotent(required=True)
def strict_view(request):
    EXECUTIONS.append(1)
    return Response({"ok": True})


thing_view = ThingView.as_view()


@pytest.fixture(autouse=True)
def reset_executions():
    EXECUTIONS.clear()


def post(user, data, key=None, path="/things/", view=thing_view, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = factory.post(path, data, format="json", **headers, **extra)
    force_authenticate(request, user=user)
    response = view(request)
    response.render()
    return response


@pytest.fixture
def user(db):
    return User.objects.create_user("idem-user", password="x")


def test_same_key_same_body_executes_once_and_replays_the_response(user):
    first = post(user, {"title": "占道经营", "n": 1}, key="k-1")
    again = post(user, {"n": 1, "title": "占道经营"}, key="k-1")  # same JSON, other order
    assert first.status_code == again.status_code == 201
    assert first.data == again.data and first.content == again.content
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert len(EXECUTIONS) == 1
    assert AuditLog.objects.filter(action="test.thing").count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.scope, stored.key) == (f"user:{user.pk}", "k-1")


def test_same_key_different_body_is_422(user):
    post(user, {"n": 1}, key="k-2")
    response = post(user, {"n": 2}, key="k-2")
    assert response.status_code == 422 and response.data == CONFLICT
    other_path = post(user, {"n": 1}, key="k-2", path="/other/")
    assert other_path.status_code == 422
    assert len(EXECUTIONS) == 1


def test_multipart_uploads_compare_by_content(user):
    def upload(content: bytes, key: str):
        request = factory.post(
            "/things/",
            {"title": "占道", "files": SimpleUploadedFile("a.jpg", content, "image/jpeg")},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        force_authenticate(request, user=user)
        return thing_view(request)

    assert upload(b"photo-1", "m-1").status_code == 201
    assert upload(b"photo-1", "m-1")["Idempotent-Replayed"] == "true"
    assert upload(b"photo-2", "m-1").status_code == 422  # same name, other picture
    assert len(EXECUTIONS) == 1


def test_without_a_key_every_request_executes(user):
    post(user, {"n": 1})
    post(user, {"n": 1})
    assert len(EXECUTIONS) == 2 and not IdempotencyKey.objects.exists()


def test_keys_are_per_scope(user):
    other = User.objects.create_user("idem-other", password="x")
    post(user, {"n": 1}, key="same")
    response = post(other, {"n": 2}, key="same")
    assert response.status_code == 201 and len(EXECUTIONS) == 2


def test_department_token_scope_is_the_department(nanguan_department):
    _, raw = services.department_token_issue(actor=None, department=nanguan_department, name="x")
    request = factory.post(
        "/things/",
        {"n": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="dept-key",
        HTTP_AUTHORIZATION=f"Department {raw}",
    )
    view = ThingView.as_view(authentication_classes=[DepartmentTokenAuthentication])
    assert view(request).status_code == 201
    assert IdempotencyKey.objects.get().scope == "department:NG-CGJ"


def test_a_raised_error_stores_nothing_and_the_key_can_be_retried(user):
    """An exception rolls back the handler's writes and the key alike."""
    with pytest.raises(ValueError):
        post(user, {"n": 1}, key="k-3", path="/things/?fail=raise")
    assert not IdempotencyKey.objects.exists()
    assert not AuditLog.objects.filter(action="test.thing").exists()  # rolled back too
    with pytest.raises(ValueError):
        post(user, {"n": 1}, key="k-3", path="/things/?fail=raise")
    assert len(EXECUTIONS) == 2  # the key was not consumed


def test_a_returned_error_response_is_stored_and_replayed(user):
    first = post(user, {"n": 1}, key="k-4", path="/things/?fail=400")
    again = post(user, {"n": 1}, key="k-4", path="/things/?fail=400")
    assert first.status_code == again.status_code == 400
    assert again.data == {"detail": "invalid", "code": "invalid"}
    assert len(EXECUTIONS) == 1


def test_required_key_and_key_format(user):
    missing = post(user, {"n": 1}, view=strict_view)
    assert missing.status_code == 400 and missing.data["code"] == "idempotency_key_required"
    too_long = post(user, {"n": 1}, key="x" * 256, view=strict_view)
    assert too_long.status_code == 400 and too_long.data["code"] == "idempotency_key_invalid"
    assert post(user, {"n": 1}, key="ok", view=strict_view).status_code == 200
    assert post(user, {"n": 1}, key="ok", view=strict_view)["Idempotent-Replayed"] == "true"
    assert EXECUTIONS == [1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_execute_once():
    """Two threads, two connections, real commits: the second waits on the key's unique
    index until the first commits, then replays its response."""
    user = User.objects.create_user("idem-concurrent", password="x")
    barrier = threading.Barrier(2)
    responses = []

    def worker():
        try:
            barrier.wait()
            responses.append(post(user, {"n": 1}, key="race", path="/things/?slow=1"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(responses) == 2
    assert len(EXECUTIONS) == 1
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].data == responses[1].data
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert AuditLog.objects.filter(action="test.thing").count() == 1
