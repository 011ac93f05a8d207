"""The working-day calendar page of 管理后台: the stored exceptions of a year, a form to
declare a day a holiday, a make-up working day or ordinary again, and the import of the
official arrangement. Writes go through workcalendar.services (require + audit)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.access import WHOLE_PROVINCE, allowed
from governance.pages import manage_required, service_call
from governance.roles import Action

from .models import CalendarDay, DayKind
from .services import calendar_day_set, calendar_seed

ORDINARY = "ordinary"


class DayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("设为"),
        choices=[
            (DayKind.HOLIDAY, gettext_lazy("法定节假日(休息)")),
            (DayKind.MAKEUP_WORKDAY, gettext_lazy("调休上班(周末上班)")),
            (ORDINARY, gettext_lazy("恢复为普通日(周一至周五上班)")),
        ],
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("如“春节”“国庆节调休”。"),
    )

    def clean(self):
        data = super().clean()
        date, kind = data.get("date"), data.get("kind")
        if date is None or kind is None:
            return data
        if kind == DayKind.MAKEUP_WORKDAY and date.weekday() < 5:
            self.add_error("date", _("调休上班只能设在周六或周日。"))
        if kind == DayKind.HOLIDAY and date.weekday() >= 5 and not data.get("name"):
            self.add_error("name", _("周末本来休息:设为节假日时请填写节日名称。"))
        return data


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@manage_required(Action.CONFIGURE)
def calendar(request):
    year = _year(request)
    form = DayForm(
        request.POST if "set" in request.POST else None, initial={"date": f"{year}-01-01"}
    )
    status = 200
    if request.method == "POST" and "seed" in request.POST:
        seed_form = forms.Form(request.POST)
        count, status = service_call(
            seed_form, lambda: calendar_seed(actor=request.user, years=[year])
        )
        if count is not None:
            messages.success(
                request,
                _("已导入 %(y)s 年的法定节假日安排,共 %(n)s 天。") % {"y": year, "n": count},
            )
            return redirect(f"{request.path}?year={year}")
        form.add_error(None, seed_form.non_field_errors())
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            kind = d["kind"]
            is_workday = kind == DayKind.MAKEUP_WORKDAY or (
                kind == ORDINARY and d["date"].weekday() < 5
            )
            name = "" if kind == ORDINARY else d["name"]
            _day, status = service_call(
                form,
                lambda: calendar_day_set(
                    actor=request.user, date=d["date"], is_workday=is_workday, name=name
                ),
            )
            if status == 200:
                messages.success(
                    request,
                    _("已将 %(d)s 设为%(k)s。")
                    % {"d": d["date"].isoformat(), "k": dict(form.fields["kind"].choices)[kind]},
                )
                return redirect(f"{request.path}?year={d['date'].year}")
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    return render(
        request,
        "workcalendar/manage/calendar.html",
        {
            "form": form,
            "year": year,
            "years": [year - 1, year + 1],
            "days": days,
            "can_edit": allowed(request.user, WHOLE_PROVINCE, Action.CONFIGURE),
        },
        status=status,
    )
