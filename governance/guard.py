"""The account rules applied to every request of a logged-in (session) user, after
authentication and django-otp's OTPMiddleware:

- a locked or disabled account loses its session at once (a lockout applies to every
  path, not only to the next password check);
- a user whose role requires two-factor login (governance/twofactor.py) reaches nothing
  but the enrolment and verification pages until the session is verified: pages
  redirect there, the session API answers 403 `{"code": "otp_required"}`.

Token-authenticated API calls never put a user on the Django request; their classes
apply the same rules (governance/authentication.py, integrations/authentication.py).
"""

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .auth import account_refusal
from .twofactor import is_enrolled, two_factor_required

OPEN_URL_NAMES = ("two-factor-setup", "two-factor-verify", "logout", "set_language")


def concrete_user(user):
    """`request.user` without its lazy wrappers: AuthenticationMiddleware's
    SimpleLazyObject inside django-otp's. Every later read of an attribute — hundreds a
    page, from the templates, the menu and the scoping — would otherwise pass through both
    proxies (docs/performance.md, "Per-request CPU"). What the wrappers set on the user
    (django-otp's `otp_device` and `is_verified`) is on the user itself."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class AccountGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def _open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = (
                *(reverse(n) for n in OPEN_URL_NAMES),
                "/" + settings.STATIC_URL.lstrip("/"),
            )
        return path.startswith(self._open_paths)

    def __call__(self, request):
        # Read here anyway (is_authenticated), so nothing is loaded that was not before.
        user = request.user = concrete_user(request.user)
        if not user.is_authenticated:
            return self.get_response(request)
        api = request.path.startswith("/api/")
        refusal = account_refusal(user)
        if refusal is not None:
            logout(request)
            if api:
                return JsonResponse({"detail": refusal, "code": "account_locked"}, status=403)
            return redirect("login")
        if not two_factor_required(user) or user.is_verified() or self._open(request.path):
            return self.get_response(request)
        if api:
            return JsonResponse(
                {"detail": _("请先完成双因素登录(动态口令)。"), "code": "otp_required"}, status=403
            )
        target = "two-factor-verify" if is_enrolled(user) else "two-factor-setup"
        return redirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
