"""Pages for special-group tags (特殊人群 · 重点青少年): the mobile form that adds or edits
a tag, its fields rendered server-side from the tag's JSON Schema, and ending a tag.

The schema fields are not checked by the Django form beyond turning text into numbers:
the service validates against the schema, and its per-field messages are shown inline,
so the page says exactly what the API would."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from governance.access import allowed
from governance.versions import row_version

from .. import selectors
from ..actions import BASEDATA_CHANGE
from ..forms import schema_form
from ..models import Person, PersonTag
from ..tags import (
    MAX_VISIT_EVERY_DAYS,
    TagExtraInvalid,
    default_visit_every_days,
    person_tag_end,
    person_tag_set,
    tag_responsible_candidates,
    tag_schema,
)


class TagBaseForm(forms.Form):
    start_date = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    visit_every_days = forms.IntegerField(
        label=gettext_lazy("走访周期(天)"),
        min_value=1,
        max_value=MAX_VISIT_EVERY_DAYS,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    responsible = forms.ModelChoiceField(
        label=gettext_lazy("责任人"), queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = tag_responsible_candidates(person)


def _person(request, pk) -> Person:
    try:
        person = selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
    if not allowed(request.user, person.area_path, BASEDATA_CHANGE):
        raise PermissionDenied
    return person


def _active(person, tag) -> PersonTag | None:
    return PersonTag.objects.filter(person=person, tag=tag, end_date__isnull=True).first()


@login_required
def person_tag_form(request, pk, tag=None):
    """Add a tag (choose the kind first) or edit the active tag of a kind."""
    person = _person(request, pk)
    editing = tag is not None
    tag = tag or request.POST.get("tag") or request.GET.get("tag") or ""
    if tag and tag not in PersonTag.Tag.values:
        raise Http404
    current = _active(person, tag) if tag else None
    if editing and current is None:
        raise Http404
    if not editing and current is not None:
        return redirect("collection:person-tag-edit", pk=person.pk, tag=tag)
    if not tag:
        active = set(person.tags.filter(end_date__isnull=True).values_list("tag", flat=True))
        return render(
            request,
            "collection/person_tag_form.html",
            {
                "person": person,
                "choices": [(v, label, v in active) for v, label in PersonTag.Tag.choices],
            },
        )
    schema = tag_schema(tag)
    data = request.POST if request.method == "POST" else None
    base = TagBaseForm(
        data,
        person=person,
        initial={
            "start_date": current.start_date if current else None,
            "visit_every_days": current.visit_every_days
            if current
            else default_visit_every_days(tag, schema),
            "responsible": current.responsible_id if current else None,
        },
    )
    extra = schema_form(schema, data, current.extra if current else None)
    if data is not None and base.is_valid() and extra.is_valid():
        cleaned = base.cleaned_data
        try:
            person_tag_set(
                actor=request.user,
                person=person,
                tag=tag,
                start_date=cleaned["start_date"],
                responsible=cleaned["responsible"],
                visit_every_days=cleaned["visit_every_days"],
                extra=dict(extra.cleaned_data),
            )
        except TagExtraInvalid as exc:
            for key, message in exc.field_errors.items():
                extra.add_error(key if key in extra.fields else None, message)
        except ValidationError as exc:
            field = "responsible" if exc.code == "invalid_responsible" else None
            base.add_error(field, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存:%(t)s") % {"t": PersonTag.Tag(tag).label})
            return redirect("collection:person-detail", pk=person.pk)
    return render(
        request,
        "collection/person_tag_form.html",
        {
            "person": person,
            "tag": tag,
            "tag_label": PersonTag.Tag(tag).label,
            "current": current,
            "version": row_version(current) if current else "",
            "base": base,
            "extra": extra,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def person_tag_end_view(request, pk, tag):
    person = _person(request, pk)
    current = _active(person, tag) if tag in PersonTag.Tag.values else None
    if current is None:
        raise Http404
    raw = request.POST.get("end_date", "").strip()
    try:
        end_date = parse_date(raw) if raw else None
        if raw and end_date is None:
            raise ValueError
    except ValueError:
        messages.error(request, _("结束日期无效。"))
        return redirect("collection:person-tag-edit", pk=person.pk, tag=tag)
    try:
        person_tag_end(
            actor=request.user,
            tag_obj=current,
            end_date=end_date,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("collection:person-tag-edit", pk=person.pk, tag=tag)
    messages.success(request, _("已结束:%(t)s") % {"t": current.get_tag_display()})
    return redirect("collection:person-detail", pk=person.pk)
