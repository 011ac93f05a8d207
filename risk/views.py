"""Pages: 风险预警 (the user's inbox and every warning in scope), a warning with its
actions, the rules (province administrators) with a live preview, and the key-person
profile (重点人员画像) with the explainable score."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from events.evidence import MAX_EVIDENCE_FILES, evidence_response
from governance.access import allowed
from governance.errors import Conflict, Forbidden, NotFound
from governance.navigation import page_rule

from . import selectors, services
from .actions import WARNING_HANDLE, may_configure_rules, may_read_warnings
from .definitions import DEFAULT_HOURS
from .factors import FACTORS
from .models import COLOUR_BY_KEY, COLOUR_KEYS, Colour, SubjectKind, Warning

# The kinds of WarningLog (written by risk/services.py and risk/evaluation.py) as the
# history shows them.
LOG_KINDS = {
    "issued": pgettext_lazy("预警记录", "发布"),
    "lowered": pgettext_lazy("预警记录", "降级"),
    "rescored": pgettext_lazy("预警记录", "分值更新"),
    "superseded": pgettext_lazy("预警记录", "升级为新预警"),
    "acknowledge": pgettext_lazy("预警记录", "签收"),
    "handle": pgettext_lazy("预警记录", "处置"),
    "release": pgettext_lazy("预警记录", "解除"),
    "escalate": gettext_lazy("超时未处置,升级责任层级"),
}

ACTIONS = {
    "acknowledge": services.warning_acknowledge,
    "handle": services.warning_handle,
    "release": services.warning_release,
}


@login_required
@page_rule(may_read_warnings)
def warnings(request):
    box = request.GET.get("box", "todo")
    try:
        if box == "todo":
            qs = selectors.warning_inbox(user=request.user)
        else:
            box = "all"
            status_open = request.GET.get("status") == "open"
            qs = selectors.warning_list(
                user=request.user,
                area=request.GET.get("area") or None,  # the cockpit's panel links here
                colour=request.GET.get("colour") or None,
                # "open": issued, acknowledged or handled — what the cockpit counts
                status=None if status_open else (request.GET.get("status") or None),
                open_only=status_open,
                subject_kind=request.GET.get("subject_kind") or None,
            )
    except NotFound:  # an area outside the jurisdiction (a ValidationError too)
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        qs = Warning.objects.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "risk/warnings.html",
        {
            "page": page,
            "box": box,
            "todo": selectors.warning_inbox(user=request.user).count(),
            "colours": [
                (k, Colour(c).label) for k, c in zip(COLOUR_KEYS, range(5, 0, -1), strict=False)
            ],
            "statuses": Warning.Status.choices,
            "kinds": SubjectKind.choices,
        },
    )


@login_required
def warning_detail(request, pk):
    try:
        warning = selectors.warning_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        service = ACTIONS.get(request.POST.get("action", ""))
        try:
            if service is None:
                raise ValidationError(_("未知操作。"), code="invalid")
            kwargs = {"note": request.POST.get("note", "")}
            if service is services.warning_handle:
                kwargs["evidence"] = request.POST.get("evidence", "")
                kwargs["files"] = request.FILES.getlist("files")
            service(actor=request.user, warning=warning, **kwargs)
            messages.success(request, _("操作成功。"))
            return redirect(warning.get_absolute_url())
        except (ValidationError, Conflict, Forbidden) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            status = 403 if isinstance(exc, Forbidden) else 400
    return render(
        request,
        "risk/warning_detail.html",
        {
            "w": warning,
            "log": [(entry, LOG_KINDS.get(entry.kind, entry.kind)) for entry in warning.log.all()],
            "files": warning.files.all(),
            "max_files": MAX_EVIDENCE_FILES,
            "can_act": allowed(request.user, warning.unit_path, WARNING_HANDLE),
            "subject_url": _subject_url(warning),
        },
        status=status,
    )


@login_required
def evidence_download(request, pk):
    """A 处置 evidence file, only to users who may see its warning (404 otherwise), as the
    verified type under a generated name; inline only for media a browser just displays."""
    try:
        item = selectors.evidence_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return evidence_response(item, filename_stem=f"warning-{item.warning_id}-{item.pk}")


def _subject_url(warning: Warning) -> str:
    from django.urls import reverse

    if warning.subject_kind == SubjectKind.PERSON:
        return reverse("risk:person-profile", args=[warning.subject_id])
    if warning.subject_kind == SubjectKind.HOUSE:
        return reverse("collection:house-detail", args=[warning.subject_id])
    if warning.subject_kind == SubjectKind.EVENT:
        from events.models import Event

        number = Event.objects.filter(pk=warning.subject_id).values_list("number", flat=True)
        return reverse("events:detail", args=[number[0]]) if number else ""
    return ""


@login_required
@page_rule(may_configure_rules)
def rules(request):
    return render(request, "risk/rules.html", {"rules": selectors.rule_list()})


def _definition_from_post(post) -> dict:
    try:
        factors = json.loads(post.get("factors") or "[]")
    except ValueError:
        raise ValidationError(_("风险因子须为 JSON 列表。"), code="invalid") from None
    return {
        "factors": factors,
        "thresholds": {k: post.get(f"t_{k}", "") for k in COLOUR_KEYS},
        "time_limits": {k: post.get(f"h_{k}", "") for k in COLOUR_KEYS},
        "unit_level": post.get("unit_level", ""),
        "valid_from": post.get("valid_from") or None,
        "valid_to": post.get("valid_to") or None,
    }


EXAMPLE_FACTORS = [
    {"code": "tag", "weight": 10, "params": {"tags": ["mental", "drug", "petition"]}},
    {"code": "mental_risk", "weight": 10},
    {"code": "missed_visits", "weight": 15},
    {"code": "petitions", "weight": 5, "params": {"days": 180}},
]


@login_required
@page_rule(may_configure_rules)
def rule_form(request, pk=None):
    rule = None
    if pk is not None:
        try:
            rule = selectors.rule_get(pk=pk)
        except NotFound:
            raise Http404 from None
    definition = rule.version.definition if rule else None
    values = {
        "name": rule.name if rule else "",
        "subject_kind": rule.subject_kind if rule else SubjectKind.PERSON,
        "active": rule.active if rule else True,
        "factors": json.dumps(
            definition["factors"] if definition else EXAMPLE_FACTORS, ensure_ascii=False, indent=1
        ),
        "thresholds": definition["thresholds"]
        if definition
        else {"red": 80, "orange": 60, "yellow": 40, "blue": 25, "green": 10},
        "time_limits": definition["time_limits"] if definition else DEFAULT_HOURS,
        "unit_level": definition["unit_level"] if definition else 5,
        "valid_from": (definition or {}).get("valid_from") or "",
        "valid_to": (definition or {}).get("valid_to") or "",
    }
    status = 200
    if request.method == "POST":
        post = request.POST
        values.update(
            name=post.get("name", ""),
            subject_kind=post.get("subject_kind", ""),
            active=post.get("active") == "on",
            factors=post.get("factors", ""),
            thresholds={k: post.get(f"t_{k}", "") for k in COLOUR_KEYS},
            time_limits={k: post.get(f"h_{k}", "") for k in COLOUR_KEYS},
            unit_level=post.get("unit_level", ""),
            valid_from=post.get("valid_from", ""),
            valid_to=post.get("valid_to", ""),
        )
        try:
            definition = _definition_from_post(post)
            if rule is None:
                rule = services.rule_create(
                    actor=request.user,
                    name=values["name"],
                    subject_kind=values["subject_kind"],
                    definition=definition,
                    active=values["active"],
                )
            else:
                services.rule_update(
                    actor=request.user,
                    rule=rule,
                    name=values["name"],
                    definition=definition,
                    active=values["active"],
                )
            messages.success(request, _("规则已保存。"))
            return redirect("risk:rules")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
    colours = [(k, Colour(c).label) for k, c in zip(COLOUR_KEYS, range(5, 0, -1), strict=False)]
    return render(
        request,
        "risk/rule_form.html",
        {
            "rule": rule,
            "v": values,
            "colours": [
                (k, label, values["thresholds"].get(k, ""), values["time_limits"].get(k, ""))
                for k, label in colours
            ],
            "kinds": SubjectKind.choices,
            "factors": [
                (f, [SubjectKind(k).label for k in f.subject_kinds]) for f in FACTORS.values()
            ],
        },
        status=status,
    )


@login_required
def person_profile(request, pk):
    """重点人员画像: tags and visit recency against the required frequency, events in the
    person's grid, warnings and the explainable score — masked like the person page."""
    from collection import policy
    from events.models import Event

    try:
        card = selectors.person_risk(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    person = card["person"]
    today = timezone.localdate()
    last_visit = person.visits.order_by("-visited_at").values_list("visited_at", flat=True)
    last = timezone.localtime(last_visit[0]).date() if last_visit else None
    tags = []
    for t in person.tags.filter(end_date__isnull=True).order_by("tag"):
        since = last or t.start_date or timezone.localtime(person.created_at).date()
        days = (today - since).days
        tags.append(
            {
                "tag": t,
                "last_visit": last,
                "days": days,
                "overdue": days > t.visit_every_days,
            }
        )
    events = (
        Event.objects.restrict(request.user)
        .filter(area_path=person.area_path, reported_at__gte=timezone.now() - timedelta(days=90))
        .select_related("category")[:20]
    )
    warnings_qs = selectors.warning_list(user=request.user, subject_kind="person").filter(
        subject_id=person.pk
    )
    return render(
        request,
        "risk/person_profile.html",
        {
            "person": person,
            "id_number": policy.present(
                request.user, "id_number", person.id_number, area_path=person.area_path
            ),
            "card": card,
            "colour_label": Colour(COLOUR_BY_KEY[card["colour"]]).label if card["colour"] else "",
            "tags": tags,
            "visits": person.visits.order_by("-visited_at")[:10],
            "events": events,
            "warnings": warnings_qs[:20],
        },
    )
