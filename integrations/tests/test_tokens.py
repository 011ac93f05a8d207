"""Department API tokens: issue, revoke, and authenticate as the service user."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from governance.models import AuditLog, RoleAssignment
from governance.roles import Role
from integrations import services
from integrations.models import DepartmentToken
from tests.fixtures import NANGUAN

pytestmark = pytest.mark.django_db
User = get_user_model()
URL = "/api/v1/webhook-subscriptions/"


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_issue_stores_only_a_hash_and_creates_the_service_user(make_user, nanguan_department):
    admin = make_user(Role.ADMIN, NANGUAN)
    token, raw = services.department_token_issue(
        actor=admin, department=nanguan_department, name="数字城管"
    )
    assert raw.startswith("gdt_") and len(raw) >= 4 + 43
    stored = DepartmentToken.objects.get(pk=token.pk)
    assert stored.key_hash == services.department_token_hash(raw) != raw
    assert stored.prefix == raw[:12] and raw not in str(vars(stored))
    entry = AuditLog.objects.get(action="department_token.issue")
    assert entry.actor == admin and raw not in str(entry.changes)

    user = User.objects.get(username="dept-NG-CGJ")
    assert not user.has_usable_password() and user.department == nanguan_department
    (role,) = RoleAssignment.objects.filter(user=user)
    assert (role.role, role.area, role.department) == (
        Role.DEPARTMENT_HANDLER,
        nanguan_department.area,
        nanguan_department,
    )
    services.department_token_issue(actor=None, department=nanguan_department, name="第二个")
    assert User.objects.filter(username__startswith="dept-").count() == 1


def test_only_administrators_issue_tokens(nanguan_dispatcher, nanguan_department):
    with pytest.raises(ValidationError) as exc:
        services.department_token_issue(
            actor=nanguan_dispatcher, department=nanguan_department, name="x"
        )
    assert exc.value.code == "forbidden"


def test_valid_token_authenticates_as_the_department(nanguan_department, subscribe):
    sub, _ = subscribe(nanguan_department)
    token, raw = services.department_token_issue(
        actor=None, department=nanguan_department, name="数字城管"
    )
    response = client_with(f"Department {raw}").get(URL)
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [sub.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_service_user_is_created_lazily_if_missing(nanguan_department):
    _, raw = services.department_token_issue(actor=None, department=nanguan_department, name="x")
    User.objects.filter(username="dept-NG-CGJ").delete()
    assert client_with(f"Department {raw}").get(URL).status_code == 200
    assert User.objects.filter(username="dept-NG-CGJ").exists()


def test_token_sees_its_own_department_only(nanguan_department, subscribe):
    """Area scoping alone would show every department of the county."""
    from governance.services import department_create

    sibling = department_create(
        actor=None, code="NG-SWJ", name="南关区水务局", area=nanguan_department.area
    )
    own, _ = subscribe(nanguan_department)
    other, _ = subscribe(sibling)
    _, raw = services.department_token_issue(actor=None, department=nanguan_department, name="x")
    client = client_with(f"Department {raw}")
    assert [s["id"] for s in client.get(URL).json()["results"]] == [own.pk]
    assert client.get(f"{URL}{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "Department gdt_not-a-real-key",
        "Department",
        "Department two parts",
        "Department caf\xe9",
    ],
)
def test_wrong_or_malformed_tokens_are_401(nanguan_department, header):
    services.department_token_issue(actor=None, department=nanguan_department, name="x")
    response = client_with(header).get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Department")


def test_revoked_token_is_401(nanguan_department):
    token, raw = services.department_token_issue(
        actor=None, department=nanguan_department, name="x"
    )
    assert client_with(f"Department {raw}").get(URL).status_code == 200
    services.department_token_revoke(actor=None, token=token)
    response = client_with(f"Department {raw}").get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert AuditLog.objects.filter(action="department_token.revoke").count() == 1


def test_disabled_service_user_is_401(nanguan_department):
    _, raw = services.department_token_issue(actor=None, department=nanguan_department, name="x")
    User.objects.filter(username="dept-NG-CGJ").update(is_active=False)
    assert client_with(f"Department {raw}").get(URL).status_code == 401


def test_a_persons_account_named_like_the_service_user_is_never_used(make_user, nanguan_department):
    make_user(Role.GRID_WORKER, "220102001001001", username="dept-NG-CGJ")
    with pytest.raises(ValidationError) as exc:
        services.department_token_issue(actor=None, department=nanguan_department, name="x")
    assert exc.value.code == "duplicate"
