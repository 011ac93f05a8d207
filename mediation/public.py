"""The parties' page behind the dispute's QR code (no login).

The token in the URL is random (32 characters); before anything is shown the visitor
types the last four digits of a party's phone number, once per browser session. A wrong
check and an unknown token get the same answer (nothing tells them apart), and wrong
checks are limited per address (governance.middleware.client_ip_from_request) as the
events' tracking page is. The page shows status, next step, deadline and code — never
staff names, the mediation organisation's people or the other parties."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.errors import Conflict, NotFound
from governance.middleware import client_ip_from_request

from .models import OPEN_STATUSES, Dispute
from .services import dispute_public_rate, public_phone_matches

WINDOW_SECONDS = 3600
SESSION_KEY = "mediation_public_tokens"


def _fail_key(request) -> str:
    return f"mediation-public-fail:{client_ip_from_request(request)}"


def _blocked(request) -> bool:
    return (cache.get(_fail_key(request)) or 0) >= settings.PUBLIC_TRACK_FAILURES_PER_HOUR


def _failed(request) -> None:
    key = _fail_key(request)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    cache.incr(key)


def dispute_public(request, token):
    dispute = Dispute.objects.filter(public_token=token).first()
    verified = dispute is not None and token in request.session.get(SESSION_KEY, [])
    error, status = "", 200
    if request.method == "POST" and not verified:
        if _blocked(request):
            error, status = _("核验失败次数过多,请一小时后再试。"), 429
        elif dispute is not None and public_phone_matches(dispute, request.POST.get("last4", "")):
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-19:], token]
            return redirect(request.path)
        else:
            _failed(request)
            error, status = _("核验未通过。"), 404
    elif request.method == "POST" and verified:
        try:
            dispute = dispute_public_rate(
                token=token,
                rating=request.POST.get("rating"),
                note=request.POST.get("comment", ""),
            )
            return redirect(request.path)
        except (ValidationError, Conflict, NotFound) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
            status = 400
    response = render(
        request,
        "mediation/public.html",
        {
            "d": dispute if verified else None,
            "error": error,
            "can_rate": verified and dispute.status not in OPEN_STATUSES and dispute.rating is None,
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(WINDOW_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
