"""Login lockout and password policy (等保 2.0: 身份鉴别)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def is_locked(user) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


def lock_minutes_left(user) -> int:
    seconds = (user.locked_until - timezone.now()).total_seconds()
    return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))


class LockoutModelBackend(ModelBackend):
    """ModelBackend that counts consecutive failures and locks the account.

    The counter lives on the user row and is updated with F() so parallel attempts
    cannot undercount.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if is_locked(user):
            raise PermissionDenied("locked")
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
                user.failed_logins, user.locked_until = 0, None
            return user
        self._register_failure(user)
        return None

    @staticmethod
    def _register_failure(user):
        User = type(user)
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
            until = timezone.now() + settings.LOGIN_LOCKOUT
            User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            from .audit import audit_record

            audit_record(actor=None, action="user.locked", obj=user,
                         changes={"locked_until": [None, until.isoformat()]})


class CharacterClassValidator:
    """Require characters from several classes: lower, upper, digit, symbol."""

    CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern in self.CLASSES if re.search(pattern, password))
        if found < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            self.min_classes,
        ) % {"n": self.min_classes}


def locked_message(user) -> str:
    return _("该账户因连续登录失败已被锁定,请 %(m)d 分钟后再试。") % {
        "m": lock_minutes_left(user)
    }
