"""The grid task list page (网格事务准入清单): counties and townships set which data their
grid workers must collect and how often visits are due; everyone below reads it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.roles import Action
from governance.scoping import jurisdiction_paths

from ..duties import (
    MAX_EVERY_DAYS,
    PERIODIC_RULES,
    task_item_areas,
    task_item_create,
    task_item_delete,
    task_item_list,
)
from ..models import TaskItem


class TaskItemForm(forms.Form):
    area = forms.ModelChoiceField(label=gettext_lazy("设定单位"), queryset=None, empty_label=None)
    title = forms.CharField(label=gettext_lazy("事项"), max_length=200)
    rule = forms.ChoiceField(label=gettext_lazy("核查规则"), choices=TaskItem.Rule.choices)
    every_days = forms.IntegerField(
        label=gettext_lazy("周期(天)"),
        min_value=1,
        max_value=MAX_EVERY_DAYS,
        initial=30,
        help_text=gettext_lazy("仅用于按周期走访的规则。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda a: f"{a.name}({a.code})"


def _changeable(user, items) -> set[int]:
    paths = jurisdiction_paths(user, Action.CHANGE)
    return {i.pk for i in items if any(i.area_path.startswith(p) for p in paths)}


@login_required
def task_items(request):
    areas = task_item_areas(user=request.user)
    can_add = areas.exists()
    form = TaskItemForm(areas=areas) if can_add else None
    error, status = "", 200
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                return _delete(request)
            if not can_add:
                raise ValidationError(_("您无权设定网格事务准入清单。"), code="forbidden")
            form = TaskItemForm(request.POST, areas=areas)
            if form.is_valid():
                item = task_item_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("已添加事项:%(t)s") % {"t": item.title})
                return redirect("collection:task-items")
            status = 400
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status = 403 if getattr(exc, "code", "") == "forbidden" else 400
    items = list(task_item_list(user=request.user))
    changeable = _changeable(request.user, items)
    rows = [
        {"item": i, "periodic": i.rule in PERIODIC_RULES, "can_delete": i.pk in changeable}
        for i in items
    ]
    return render(
        request,
        "collection/task_items.html",
        {"rows": rows, "form": form, "error": error},
        status=status,
    )


def _delete(request):
    pk = request.POST.get("delete", "")
    item = task_item_list(user=request.user).filter(pk=pk).first() if pk.isdigit() else None
    if item is None:
        raise Http404
    task_item_delete(actor=request.user, item=item)
    messages.success(request, _("已删除事项:%(t)s") % {"t": item.title})
    return redirect("collection:task-items")
