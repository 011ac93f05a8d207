"""Login lockout and password policy (等保 2.0: 身份鉴别)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, IntegerField, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .compiled import CompiledQuery
from .scoping import remember_role_rows, role_rows_json_sql


def is_locked(user) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


def lock_minutes_left(user) -> int:
    return _minutes_left(user.locked_until)


def _minutes_left(until: datetime) -> int:
    seconds = (until - timezone.now()).total_seconds()
    return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))


# Unknown user names are counted and "locked" exactly like real accounts (in the cache,
# since there is no row), so the login answers, and when they change, tell an outsider
# nothing about which names exist.
def _phantom_key(username: str) -> str:
    return "login-phantom:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()


def _phantom_locked_until(username: str) -> datetime | None:
    until = cache.get(_phantom_key(username) + ":until")
    return until if until and until > timezone.now() else None


def _phantom_register_failure(username: str) -> None:
    key = _phantom_key(username)
    window = 24 * 3600  # bounded: a flood of guessed names must not fill the cache
    cache.add(key, 0, timeout=window)
    if cache.incr(key) >= settings.LOGIN_FAILURE_LIMIT:
        until = timezone.now() + settings.LOGIN_LOCKOUT
        cache.set(key + ":until", until, timeout=int(settings.LOGIN_LOCKOUT.total_seconds()))
        cache.set(key, 0, timeout=window)


def login_locked_until(username: str) -> datetime | None:
    """When the login of `username` is unlocked again, or None: the same answer whether
    or not an account of that name exists."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        return _phantom_locked_until(username)
    return user.locked_until if is_locked(user) else None


def account_refusal(user) -> str | None:
    """Why `user` may not act right now, on any authentication path (password, session,
    API token, department token), or None. One rule for all of them."""
    if not user.is_active:
        return _("该账户已停用。")
    if is_locked(user):
        return locked_message(user)
    return None


def login_failure_register(user) -> None:
    """A failed proof of identity (wrong password, wrong second-factor code)."""
    LockoutModelBackend._register_failure(user)


_USER: dict[str, CompiledQuery] = {}
_USER_SAMPLES = {"pk": 987_654_321, "username": "\x1fsample username"}


def _user_query(User, key: str = "pk") -> CompiledQuery:
    """The user (by `key`: "pk" or "username"), their role rows and the bell's count, in
    one statement: every request needs the roles (the menu, the jurisdiction, the page's
    rules) and every page the count."""
    from .context_processors import unread_count_sql

    if key not in _USER:
        attnames = [f.attname for f in User._meta.concrete_fields]
        user_id = f'"{User._meta.db_table}"."{User._meta.pk.column}"'
        roles = role_rows_json_sql(User._meta.get_field("role_assignments").related_model, user_id)
        _USER[key] = CompiledQuery(
            lambda **value: (
                User._default_manager.filter(**value)
                .annotate(
                    role_rows_json=RawSQL(roles, (), output_field=TextField()),
                    unread_count=RawSQL(unread_count_sql(user_id), (), output_field=IntegerField()),
                )
                .values(*attnames, "role_rows_json", "unread_count")
            ),
            **{key: _USER_SAMPLES[key]},
        )
    return _USER[key]


def _user_of(User, rows: list[dict]):
    """The user of `_user_query`'s rows (None for none), their role rows remembered."""
    if not rows:
        return None
    row = rows[0]
    role_rows_json, unread = row.pop("role_rows_json"), row.pop("unread_count")
    # The columns come in the order asked for: the concrete fields'.
    attnames = [f.attname for f in User._meta.concrete_fields]
    user = User.from_db(DEFAULT_DB_ALIAS, attnames, list(row.values()))
    remember_role_rows(user, role_rows_json)
    user.__dict__["_unread_count"] = unread  # the bell (context_processors)
    return user


def user_by_username(username: str):
    """The user of that name with their role rows (as a request's user comes), or None:
    the department systems' service accounts, on every token-authenticated call."""
    User = get_user_model()
    return _user_of(User, _user_query(User, "username").rows(username=username))


class LockoutModelBackend(ModelBackend):
    """ModelBackend that counts consecutive failures and locks the account.

    The counter lives on the user row and is updated with F() so parallel attempts
    cannot undercount.
    """

    def get_user(self, user_id):
        """ModelBackend.get_user, on every request: its statement compiled once per
        process (governance/compiled.py)."""
        User = get_user_model()
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _user_of(User, _user_query(User).rows(pk=pk))
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            if _phantom_locked_until(username):
                raise PermissionDenied("locked") from None
            User().set_password(password)  # same work as a real check: no timing oracle
            _phantom_register_failure(username)
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
        User = get_user_model()  # not type(user): request.user is a lazy wrapper
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
            until = timezone.now() + settings.LOGIN_LOCKOUT
            User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            from .audit import audit_record

            audit_record(
                actor=None,
                action="user.locked",
                obj=user,
                changes={"locked_until": [None, until.isoformat()]},
            )


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


def locked_message(user_or_until) -> str:
    until = user_or_until if isinstance(user_or_until, datetime) else user_or_until.locked_until
    return _("该账户因连续登录失败已被锁定,请 %(m)d 分钟后再试。") % {"m": _minutes_left(until)}
