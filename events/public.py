"""The citizens' page (no login): report, track, rate.

Abuse control: an arithmetic challenge whose answer never leaves the server (the form
carries only a signed random id; the answer and the time it was served live in the
cache), that is used up by the first submission, and must be answered no sooner than
a few seconds after the form was served; a per-address limit on reports per hour; and
a per-address limit on wrong tracking codes. The address is the trusted one of
governance.middleware.client_ip_from_request, never a header the client chose.
"""

from __future__ import annotations

import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from governance.middleware import client_ip_from_request

from .flows import ACTION_LABELS
from .forms import MultipleFileField
from .masking import mask_phone
from .models import Event, EventCategory, Source, Status
from .services import event_citizen_rate, event_report

CHALLENGE_SALT = "events.public.challenge"
CHALLENGE_MIN_SECONDS = 3
CHALLENGE_MAX_SECONDS = 1800
TRACK_WINDOW_SECONDS = 3600


def _challenge_key(challenge_id: str) -> str:
    return f"public-challenge:{challenge_id}"


def new_challenge() -> tuple[str, str]:
    """(question shown to the citizen, opaque token for the hidden field)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    challenge_id = secrets.token_urlsafe(18)
    cache.set(
        _challenge_key(challenge_id),
        {"sum": a + b, "t": time.time()},
        timeout=CHALLENGE_MAX_SECONDS,
    )
    # Signed so forged ids are refused without a cache look-up; the id reveals nothing.
    return f"{a} + {b} = ?", signing.dumps(challenge_id, salt=CHALLENGE_SALT)


def check_challenge(token: str, answer: str) -> None:
    """A bot that posts at once, replays a form or cannot add fails here. Any use of a
    token consumes it, right or wrong: each challenge gets one answer."""
    try:
        challenge_id = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_SECONDS)
    except signing.BadSignature:
        raise ValidationError(_("验证已过期,请重新填写。"), code="challenge") from None
    if not isinstance(challenge_id, str):  # a token of the old format, or forged
        raise ValidationError(_("验证已过期,请重新填写。"), code="challenge")
    key = _challenge_key(challenge_id)
    data = cache.get(key)
    # delete() is atomic in Redis: of two concurrent submissions only one sees True.
    if data is None or not cache.delete(key):
        raise ValidationError(_("验证已过期,请重新填写。"), code="challenge")
    if time.time() - data["t"] < CHALLENGE_MIN_SECONDS:
        raise ValidationError(_("提交过快,请稍后再试。"), code="challenge")
    if str(data["sum"]) != (answer or "").strip():
        raise ValidationError(_("验证答案不正确。"), code="challenge")


class PublicReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_l("问题类型"),
        queryset=EventCategory.objects.filter(active=True, parent__isnull=False),
        empty_label=_l("请选择"),
    )
    description = forms.CharField(
        label=_l("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    lng = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_l("地址"), max_length=300, required=False)
    phone = forms.RegexField(
        label=_l("手机号"),
        regex=r"^1\d{10}$",
        error_messages={"invalid": _l("请输入 11 位手机号。")},
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "maxlength": 11, "type": "tel"}
        ),
    )
    photos = MultipleFileField(label=_l("照片"), required=False)
    challenge = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(
        label=_l("验证"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("lng") is None or data.get("lat") is None:
            raise ValidationError(_("请在地图上选择位置或使用当前定位。"), code="required")
        if "challenge" in data:
            check_challenge(data["challenge"], data.get("answer", ""))
        return data


def _rate_limited(request) -> bool:
    key = f"public-report:{client_ip_from_request(request)}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) > settings.PUBLIC_REPORTS_PER_HOUR


def report(request):
    status = 200
    if request.method == "POST":
        form = PublicReportForm(request.POST, request.FILES)
        if form.is_valid():
            if _rate_limited(request):
                form.add_error(None, _("提交过于频繁,请一小时后再试。"))
                status = 429
            else:
                d = form.cleaned_data
                try:
                    event = event_report(
                        actor=None,
                        source=Source.CITIZEN,
                        title=d["description"][:40],
                        description=d["description"],
                        category=d["category"],
                        lng=d["lng"],
                        lat=d["lat"],
                        address=d["address"],
                        reporter_phone=d["phone"],
                        files=d["photos"],
                    )
                except (ValidationError, ValueError) as exc:
                    form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
                    status = 400
                else:
                    return render(request, "events/public_done.html", {"event": event})
        else:
            status = 400
    else:
        form = PublicReportForm()
    question, token = new_challenge()
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["challenge"] = token
        form.data["answer"] = ""
    else:
        form.initial["challenge"] = token
    return render(
        request, "events/public_report.html", {"form": form, "question": question}, status=status
    )


PUBLIC_ACTIONS = {
    "report",
    "approve",
    "accept",
    "escalate",
    "dispatch",
    "sign",
    "handle",
    "close",
    "verify",
    "reopen",
    "rate",
    "merge",
    "reject",
    "transfer",
    "return",
}


def _track_key(request) -> str:
    return f"public-track-fail:{client_ip_from_request(request)}"


def _track_blocked(request) -> bool:
    return (cache.get(_track_key(request)) or 0) >= settings.PUBLIC_TRACK_FAILURES_PER_HOUR


def _track_failed(request) -> None:
    key = _track_key(request)
    cache.add(key, 0, timeout=TRACK_WINDOW_SECONDS)
    cache.incr(key)


def track(request):
    # The tracking code is a secret: it is taken from a POST body only, never from the
    # query string, which proxies and access logs record. GET shows the empty form.
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()
    code = (request.POST.get("code") or "").strip().upper()
    event, error, status = None, "", 200
    if number and code and _track_blocked(request):
        # Guessing 32-bit tracking codes: after a few wrong ones, answer nothing for a while.
        error, status = _("查询失败次数过多,请一小时后再试。"), 429
    elif number and code:
        event = (
            Event.objects.select_related("category")
            .filter(number=number, tracking_code=code)
            .first()
        )
        if event is None:
            _track_failed(request)
            error, status = _("事件编号或查询码不正确。"), 404
        elif "rating" in request.POST:
            try:
                event = event_citizen_rate(
                    number=number,
                    tracking_code=code,
                    rating=int(request.POST.get("rating", "0") or 0),
                    note=request.POST.get("comment", ""),
                )
            except (ValidationError, ValueError) as exc:
                error, status = " ".join(getattr(exc, "messages", [str(exc)])), 400
    timeline = []
    if event is not None:
        # Citizens see what happened and when, not who.
        timeline = event.traces.filter(action__in=PUBLIC_ACTIONS).values("action", "at", "unit")
    response = render(
        request,
        "events/public_track.html",
        {
            "event": event,
            "timeline": timeline,
            "action_labels": ACTION_LABELS,
            "error": error,
            "number": number,
            "code": code,
            "masked_phone": mask_phone(event.reporter_phone) if event else "",
            "can_rate": event is not None and event.status == Status.VERIFIED,
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(TRACK_WINDOW_SECONDS)
    response["Cache-Control"] = "no-store"  # the case and its masked phone, per citizen
    return response
