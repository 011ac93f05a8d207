"""The citizens' page (no login): report, track, rate.

Abuse control: a signed arithmetic challenge that must be answered no sooner than a
few seconds after the form was served, and a per-address limit on reports per hour
kept in Redis.
"""

from __future__ import annotations

import random
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

from .forms import MultipleFileField
from .masking import mask_phone
from .models import Event, EventCategory, Source, Status
from .services import event_citizen_rate, event_report

CHALLENGE_SALT = "events.public.challenge"
CHALLENGE_MIN_SECONDS = 3
CHALLENGE_MAX_SECONDS = 1800


def new_challenge() -> tuple[str, str]:
    a, b = random.randint(1, 9), random.randint(1, 9)
    return f"{a} + {b} = ?", signing.dumps({"sum": a + b, "t": time.time()},
                                           salt=CHALLENGE_SALT)


def check_challenge(token: str, answer: str) -> None:
    """A bot that posts at once, replays an old form or cannot add fails here."""
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_SECONDS)
    except signing.BadSignature:
        raise ValidationError(_("验证已过期,请重新填写。"), code="challenge") from None
    if time.time() - data["t"] < CHALLENGE_MIN_SECONDS:
        raise ValidationError(_("提交过快,请稍后再试。"), code="challenge")
    if str(data["sum"]) != (answer or "").strip():
        raise ValidationError(_("验证答案不正确。"), code="challenge")


class PublicReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_l("问题类型"), queryset=EventCategory.objects.filter(active=True,
                                                               parent__isnull=False),
        empty_label=_l("请选择"))
    description = forms.CharField(label=_l("问题描述"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    lng = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_l("地址"), max_length=300, required=False)
    phone = forms.RegexField(label=_l("手机号"), regex=r"^1\d{10}$",
                             error_messages={"invalid": _l("请输入 11 位手机号。")})
    photos = MultipleFileField(label=_l("照片"), required=False)
    challenge = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_l("验证"), max_length=4)

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
                        actor=None, source=Source.CITIZEN, title=d["description"][:40],
                        description=d["description"], category=d["category"], lng=d["lng"],
                        lat=d["lat"], address=d["address"], reporter_phone=d["phone"],
                        files=d["photos"])
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
    return render(request, "events/public_report.html",
                  {"form": form, "question": question}, status=status)


PUBLIC_ACTIONS = {"report", "approve", "accept", "escalate", "dispatch", "sign", "handle",
                  "close", "verify", "reopen", "rate", "merge", "reject", "transfer", "return"}


def track(request):
    # The tracking code is a secret: it is taken from a POST body only, never from the
    # query string, which proxies and access logs record. GET shows the empty form.
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()
    code = (request.POST.get("code") or "").strip().upper()
    event, error, status = None, "", 200
    if number and code:
        event = Event.objects.select_related("category").filter(
            number=number, tracking_code=code).first()
        if event is None:
            error, status = _("事件编号或查询码不正确。"), 404
        elif "rating" in request.POST:
            try:
                event = event_citizen_rate(number=number, tracking_code=code,
                                           rating=int(request.POST.get("rating", "0") or 0),
                                           note=request.POST.get("comment", ""))
            except (ValidationError, ValueError) as exc:
                error, status = " ".join(getattr(exc, "messages", [str(exc)])), 400
    timeline = []
    if event is not None:
        # Citizens see what happened and when, not who.
        timeline = event.traces.filter(action__in=PUBLIC_ACTIONS).values("action", "at", "unit")
    response = render(request, "events/public_track.html", {
        "event": event, "timeline": timeline, "error": error, "number": number, "code": code,
        "masked_phone": mask_phone(event.reporter_phone) if event else "",
        "can_rate": event is not None and event.status == Status.VERIFIED,
    }, status=status)
    response["Cache-Control"] = "no-store"  # the case and its masked phone, per citizen
    return response
