"""The personal API token (`Authorization: Token <key>`) under the same account rules
as the login page: a locked or disabled account is refused, and so is every user whose
role requires two-factor login — a bearer token is a single factor that would bypass
it. Those users work in the browser after the second factor; systems use department
tokens (integrations.authentication), which obey the same lockout."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .auth import account_refusal
from .twofactor import two_factor_required


def refuse_if_barred(user) -> None:
    """AuthenticationFailed (401) when `user` may not act, for any token class."""
    refusal = account_refusal(user)
    if refusal is not None:
        raise exceptions.AuthenticationFailed(refusal, code="account_locked")


class AccountTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        # DRF's own check answers "User inactive or deleted." in English before ours
        # could run: look the token up here so the one rule decides.
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"), code="invalid_token")
        refuse_if_barred(token.user)
        if two_factor_required(token.user):
            raise exceptions.AuthenticationFailed(
                _("该角色须使用双因素登录,不能使用个人 API 令牌。"), code="otp_required"
            )
        return token.user, token
