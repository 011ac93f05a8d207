"""Two-factor login (TOTP, RFC 6238) for the roles that see or control everything
(等保 2.0 三级: 身份鉴别 — two or more combined factors for privileged users).

Who needs it is decided by role, never per user: a user holding a leader, administrator,
security administrator or auditor role anywhere, or a Django staff/superuser (only
command-line accounts: /django-admin/ is closed, docs/security.md), must enrol a TOTP
authenticator at their next login and give a code after the password on every login.
Until then `TwoFactorMiddleware` lets them reach only the enrolment/verification pages and logout.

Devices are django-otp's: one confirmed `TOTPDevice` named "default" and one
`StaticDevice` holding single-use recovery codes. Enrolment, the use of a recovery code
and a reset by an administrator are written to the audit trail.
"""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .roles import Action, Role
from .scoping import _assignments, path_in_jurisdiction

TWO_FACTOR_ROLES = frozenset(
    {Role.CITY_LEADER, Role.PROVINCE_LEADER, Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
)
DEVICE_NAME = "default"


def two_factor_required(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    # Every role grants VIEW, so this reuses the request's cached role list.
    return any(role in TWO_FACTOR_ROLES for role, _p, _d in _assignments(user, Action.VIEW))


def totp_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_enrol_start(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows; the same secret on
    every reload until it is confirmed, so a slow user does not scan twice."""
    if is_enrolled(user):
        raise ValidationError(_("已绑定动态口令,如需更换请联系管理员重置。"), code="enrolled")
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _recovery_codes_issue(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes: list[str] = []
    while len(codes) < settings.OTP_RECOVERY_CODES:
        code = StaticToken.random_token()
        if not code.isdigit():  # all-digit input is taken for a TOTP code
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def totp_enrol_confirm(*, actor, request, code: str) -> list[str]:
    """Confirm the pending device with its first valid code; returns the recovery codes,
    which are shown once and never again."""
    device = totp_device(actor, confirmed=False)
    if device is None:
        raise ValidationError(_("请重新开始绑定。"), code="no_device")
    # Outside a transaction that the error below would roll back: the device's
    # throttle counter must keep the failure.
    if not device.verify_token(_digits(code)):
        raise ValidationError(_("动态口令不正确,请核对手机时间后重试。"), code="bad_code")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(actor)
        audit_record(
            actor=actor,
            action="user.2fa_enrol",
            obj=actor,
            changes={"device": [None, "totp"], "recovery_codes": [None, len(codes)]},
            area_path=_audit_path(actor),
        )
    django_otp.login(request, device)
    return codes


def _audit_path(user) -> str:
    from .services import user_audit_path

    return user_audit_path(user)


def _digits(code: str) -> str:
    return "".join((code or "").split())


def two_factor_verify(*, actor, request, code: str) -> None:
    """The code after the password: a TOTP code, or one of the recovery codes (used up).

    A wrong code counts as a failed login, so guessing codes locks the account like
    guessing passwords does (django-otp also throttles each device). Not one
    transaction: the failure counters must survive the error."""
    from .auth import login_failure_register

    code = _digits(code)
    device = totp_device(actor)
    if device is not None and code.isdigit() and device.verify_token(code):
        django_otp.login(request, device)
        return
    static = StaticDevice.objects.filter(user=actor, confirmed=True).first()
    if static is not None and code and not code.isdigit():
        with transaction.atomic():
            used = static.verify_token(code.lower())
            if used:
                audit_record(
                    actor=actor,
                    action="user.2fa_recovery_used",
                    obj=actor,
                    changes={"recovery_codes_left": [None, static.token_set.count()]},
                    area_path=_audit_path(actor),
                )
        if used:
            django_otp.login(request, static)
            return
    login_failure_register(actor)
    raise ValidationError(_("动态口令或恢复码不正确。"), code="bad_code")


@transaction.atomic
def two_factor_reset(*, actor, user) -> None:
    """A security administrator removes a user's authenticator (lost phone): the user
    enrols again at the next login. Only a security administrator whose jurisdiction
    covers one of the user's roles, or a superuser, may do it; nobody resets their own."""
    if actor.pk == user.pk:
        raise ValidationError(_("不能重置自己的动态口令。"), code="forbidden")
    paths = list(user.role_assignments.values_list("area__path", flat=True))
    allowed = actor.is_superuser or any(path_in_jurisdiction(actor, p, Action.GRANT) for p in paths)
    if not allowed:
        # The same answer as for a name that does not exist: an administrator of another
        # county must not learn which usernames exist there.
        raise ValidationError(_("用户不存在或不在您的管辖范围内。"), code="not_found")
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="user.2fa_reset",
        obj=user,
        changes={"devices": [removed, 0]},
        area_path=_audit_path(user),
    )
