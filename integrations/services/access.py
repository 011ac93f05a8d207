"""How department systems get in: API tokens and their service accounts, and the
idempotency keys of their requests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.auth import user_by_username
from governance.models import Department
from governance.roles import Action, Role
from governance.services import role_assign, user_create
from integrations.models import DepartmentToken, IdempotencyKey

from .common import require

User = get_user_model()
LAST_USED_RESOLUTION = timedelta(minutes=1)


# Department tokens ----------------------------------------------------------------


def department_token_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def department_service_user(*, department: Department):
    """The account a department system acts as (`dept-<code>`): a department handler
    in the department's area, with no usable password. Created on first need."""
    username = f"dept-{department.code}"
    # On every call of the department's system: one statement compiled once, and the
    # account's role rows come with it (governance/auth.py).
    user = user_by_username(username)
    if user is None:
        try:
            with transaction.atomic():
                user = user_create(
                    actor=None,
                    username=username,
                    password=secrets.token_urlsafe(32),
                    full_name=f"{department.name}(系统对接)",  # data: source language
                    department=department,
                    check_password=False,
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
                role_assign(
                    actor=None,
                    user=user,
                    role=Role.DEPARTMENT_HANDLER,
                    area=department.area,
                    department=department,
                )
        except (IntegrityError, ValidationError):
            user = User.objects.filter(username=username).first()  # created concurrently
    if user is None or user.department_id != department.pk or user.has_usable_password():
        # A person's account already carries the name: never act as them.
        raise ValidationError(_("用户名 %(u)s 已被占用。") % {"u": username}, code="duplicate")
    return user


@transaction.atomic
def department_token_issue(
    *, actor, department: Department, name: str
) -> tuple[DepartmentToken, str]:
    """Returns the token and its raw key, which is not shown again."""
    require(actor, department.area.path, Action.CONFIGURE)
    if not name or len(name) > 100:
        raise ValidationError(_("请填写令牌名称(不超过 100 字)。"), code="invalid")
    department_service_user(department=department)
    raw_key = "gdt_" + secrets.token_urlsafe(32)
    token = DepartmentToken.objects.create(
        department=department,
        name=name,
        key_hash=department_token_hash(raw_key),
        prefix=raw_key[:12],
    )
    audit_record(
        actor=actor,
        action="department_token.issue",
        obj=token,
        changes={
            "department": [None, department.code],
            "name": [None, name],
            "prefix": [None, token.prefix],
        },
        area_path=department.area.path,
    )
    return token, raw_key


@transaction.atomic
def department_token_revoke(*, actor, token: DepartmentToken) -> DepartmentToken:
    area_path = token.department.area.path
    require(actor, area_path, Action.CONFIGURE)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="department_token.revoke",
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            area_path=area_path,
        )
    return token


def department_token_touch(*, token: DepartmentToken) -> None:
    """Record use, at most once a minute per token (one UPDATE, no audit row)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        DepartmentToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# Idempotency ----------------------------------------------------------------------


def idempotency_keys_purge(*, older_than: timedelta = timedelta(hours=24)) -> int:
    deleted, _detail = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
