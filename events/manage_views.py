"""Configuration pages of the events (管理后台): categories with their time limits and
evidence rule (province-wide), routing rules (per area). Writes go through
events.config (require + audit)."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.access import WHOLE_PROVINCE, allowed
from governance.models import Department
from governance.pages import manage_required, paginate, service_call
from governance.roles import Action
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import config
from .models import EventCategory, RoutingRule


class CategoryForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("分类编码"),
        regex=r"^[0-9A-Za-z_-]{1,32}$",
        error_messages={"invalid": gettext_lazy("编码只能包含字母、数字、_ 和 -,最长 32 位。")},
    )
    name = forms.CharField(label=gettext_lazy("分类名称"), max_length=100)
    parent = forms.ModelChoiceField(
        label=gettext_lazy("上级分类"),
        queryset=EventCategory.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("(无,顶级分类)"),
    )
    accept_level = forms.TypedChoiceField(
        label=gettext_lazy("受理层级"),
        coerce=int,
        choices=Area._meta.get_field("level").choices,
        initial=5,
    )
    accept_hours = forms.IntegerField(
        label=gettext_lazy("受理时限(工作小时)"), min_value=1, max_value=720, initial=4
    )
    handle_days = forms.IntegerField(
        label=gettext_lazy("办理时限(工作日)"), min_value=1, max_value=365, initial=5
    )
    verify_days = forms.IntegerField(
        label=gettext_lazy("核查时限(工作日)"), min_value=1, max_value=365, initial=2
    )
    evidence_required = forms.BooleanField(label=gettext_lazy("办结须现场佐证"), required=False)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("accept_hours", "handle_days", "verify_days"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        if category is not None:
            self.fields["code"].disabled = True
            self.fields["parent"].queryset = EventCategory.objects.exclude(pk=category.pk).order_by(
                "code"
            )

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        code = data.get("code")
        seen = set()
        while parent is not None and parent.pk not in seen:  # no loop in the tree
            if parent.code == code:
                raise forms.ValidationError(_("上级分类不能是它自己或它的下级。"))
            seen.add(parent.pk)
            parent = parent.parent
        return data


@manage_required(Action.CONFIGURE)
def categories(request):
    q = request.GET.get("q", "").strip()[:50]
    qs = EventCategory.objects.select_related("parent").order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    page, query = paginate(request, qs, per_page=50)
    return render(
        request,
        "events/manage/categories.html",
        {
            "page": page,
            "query": query,
            "q": q,
            "can_edit": allowed(request.user, WHOLE_PROVINCE, Action.CONFIGURE),
        },
    )


@manage_required(Action.CONFIGURE)
def category_edit(request, code=None):
    category = get_object_or_404(EventCategory, code=code) if code else None
    initial = None
    if category is not None:
        initial = {f: getattr(category, f) for f in config.CATEGORY_FIELDS if f != "parent_id"}
        initial.update(code=category.code, parent=category.parent_id)
    form = CategoryForm(request.POST or None, initial=initial, category=category)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = dict(form.cleaned_data)
            new_code = category.code if category else d.pop("code")
            d.pop("code", None)
            if category is None and EventCategory.objects.filter(code=new_code).exists():
                form.add_error("code", _("编码 %(c)s 已被使用。") % {"c": new_code})
            else:
                saved, status = service_call(
                    form, lambda: config.category_save(actor=request.user, code=new_code, **d)
                )
                if saved is not None:
                    messages.success(request, _("已保存事件分类“%(n)s”。") % {"n": saved.name})
                    return redirect("manage-events:categories")
    return render(
        request,
        "events/manage/category_form.html",
        {"form": form, "category": category},
        status=status,
    )


class RoutingForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("事件分类"), queryset=EventCategory.objects.filter(active=True)
    )
    area = forms.CharField(
        label=gettext_lazy("适用区域编码"),
        max_length=15,
        help_text=gettext_lazy("该区域及其下级区域内的此类事件分派给所选部门。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("承办部门"), queryset=Department.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = EventCategory.objects.filter(active=True).order_by(
            "code"
        )
        self.fields["category"].label_from_instance = lambda c: f"{c.code} {c.name}"
        # Departments of the administrator's jurisdiction and above it (a city's bureau
        # may serve a county), never a neighbour's.
        paths = jurisdiction_paths(user, Action.CONFIGURE)
        above = {p[: i + 1] for p in paths for i, ch in enumerate(p) if ch == "/" and i}
        inside = Q(area__path__in=above)
        for p in paths:
            inside |= Q(area__path__startswith=p)
        self.fields["department"].queryset = (
            Department.objects.filter(inside).select_related("area").order_by("code")
        )

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        area = Area.objects.restrict(self.user, Action.CONFIGURE).filter(code=code).first()
        if area is None:
            raise forms.ValidationError(
                _("区域 %(c)s 不存在或不在您的管辖范围内。") % {"c": code}, code="invalid"
            )
        return area


@manage_required(Action.CONFIGURE)
def routing(request):
    form = RoutingForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            rule, status = service_call(
                form, lambda: config.routing_rule_set(actor=request.user, **form.cleaned_data)
            )
            if rule is not None:
                messages.success(
                    request,
                    _("已设置:%(a)s 的“%(c)s”分派至 %(d)s。")
                    % {"a": rule.area.name, "c": rule.category.name, "d": rule.department.name},
                )
                return redirect("manage-events:routing")
    q = request.GET.get("q", "").strip()[:50]
    qs = (
        RoutingRule.objects.restrict(request.user, Action.CONFIGURE)
        .select_related("category", "area", "department")
        .order_by("area__code", "category__code")
    )
    if q:
        qs = qs.filter(
            Q(category__name__icontains=q)
            | Q(area__name__icontains=q)
            | Q(department__name__icontains=q)
            | Q(area__code__startswith=q)
        )
    page, query = paginate(request, qs)
    return render(
        request,
        "events/manage/routing.html",
        {"form": form, "page": page, "query": query, "q": q},
        status=status,
    )


@manage_required(Action.CONFIGURE)
def routing_delete(request, pk):
    rule = (
        RoutingRule.objects.restrict(request.user, Action.CONFIGURE)
        .select_related("category", "area", "department")
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404
    if request.method == "POST":
        config.routing_rule_delete(actor=request.user, rule=rule)
        messages.success(
            request,
            _("已删除分派规则:%(a)s 的“%(c)s”。") % {"a": rule.area.name, "c": rule.category.name},
        )
        return redirect("manage-events:routing")
    from django.urls import reverse

    return render(
        request,
        "governance/manage/confirm.html",
        {
            "title": _("删除分派规则"),
            "question": _("确定删除规则:%(a)s 的“%(c)s”分派至 %(d)s?")
            % {"a": rule.area.name, "c": rule.category.name, "d": rule.department.name},
            "button": _("删除"),
            "back": reverse("manage-events:routing"),
        },
    )
