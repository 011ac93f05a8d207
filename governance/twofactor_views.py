"""Pages of two-factor login: enrol (QR code + secret, confirmed by a first code),
verify (the code after the password), and the administrator's reset."""

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .auth import account_refusal
from .roles import Action
from .scoping import jurisdiction_paths
from .twofactor import (
    is_enrolled,
    totp_enrol_confirm,
    totp_enrol_start,
    two_factor_required,
    two_factor_reset,
    two_factor_verify,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_l("动态口令"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ResetForm(forms.Form):
    username = forms.CharField(label=_l("用户名"), max_length=150)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@sensitive_post_parameters("code")
def setup(request):
    # Only the roles that need it enrol: an authenticator that nobody asks for would
    # give a false sense of protection.
    if not two_factor_required(request.user):
        return redirect("home")
    if is_enrolled(request.user):
        return redirect("two-factor-verify")
    device = totp_enrol_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrol_confirm(
                actor=request.user, request=request, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            # Shown this once: the page is not cached and the codes are not kept in the
            # session.
            return render(
                request,
                "governance/two_factor_codes.html",
                {"codes": codes, "next": _next(request)},
            )
    secret = b32encode(device.bin_key).decode()
    # segno draws the otpauth URI as SVG paths: nothing user-typed reaches the markup.
    qr = mark_safe(
        segno.make(device.config_url, error="m").svg_inline(scale=5, title=_("动态口令绑定二维码"))
    )
    return render(
        request,
        "governance/two_factor_setup.html",
        {
            "form": form,
            "qr": qr,
            "secret": _grouped(secret),
            "next": _next(request),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@never_cache
@login_required
@sensitive_post_parameters("code")
def verify(request):
    if not two_factor_required(request.user):
        return redirect("home")
    if not is_enrolled(request.user):
        return redirect("two-factor-setup")
    if request.user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_verify(actor=request.user, request=request, code=form.cleaned_data["code"])
        except ValidationError as exc:
            request.user.refresh_from_db(fields=["locked_until", "failed_logins"])
            refusal = account_refusal(request.user)
            if refusal is not None:  # this wrong code locked the account
                logout(request)
                messages.error(request, refusal)
                return redirect("login")
            form.add_error("code", exc)
        else:
            return redirect(_next(request))
    return render(
        request,
        "governance/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.is_bound and form.errors else 200,
    )


@never_cache
@login_required
def reset(request):
    """An administrator removes another user's authenticator (e.g. a lost phone)."""
    from django.http import Http404

    if not (request.user.is_superuser or jurisdiction_paths(request.user, Action.GRANT)):
        raise Http404
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        try:
            if target is None:
                raise ValidationError(_("用户不存在或不在您的管辖范围内。"), code="not_found")
            two_factor_reset(actor=request.user, user=target)
        except ValidationError as exc:
            form.add_error("username", exc)
        else:
            messages.success(
                request,
                _("已重置 %(u)s 的动态口令,该用户下次登录时须重新绑定。") % {"u": target.username},
            )
            return redirect("two-factor-reset")
    return render(
        request,
        "governance/two_factor_reset.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
