"""A locked account is refused whatever it authenticates with: here a department's service
account behind a department token (moved from governance/tests/test_auth.py in issue 9, so
that the kernel's tests import no app above it)."""


def _lock(user):
    from datetime import timedelta

    from django.utils import timezone

    type(user).objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10)
    )


def test_locked_service_account_refused_with_department_token(make_user):
    from rest_framework.test import APIClient

    from governance.roles import Role
    from governance.services import department_create
    from grids.models import Area
    from integrations.services import department_service_user, department_token_issue

    dept = department_create(
        actor=None, code="LOCKT", name="锁定测试局", area=Area.objects.get(code="220102000000")
    )
    admin = make_user(Role.ADMIN, "220102000000")
    _token, key = department_token_issue(actor=admin, department=dept, name="系统")
    api = APIClient(HTTP_AUTHORIZATION=f"Department {key}")
    assert api.get("/api/v1/events/").status_code == 200
    _lock(department_service_user(department=dept))
    r = api.get("/api/v1/events/")
    assert r.status_code in (401, 403) and "已被锁定" in r.json()["detail"]
