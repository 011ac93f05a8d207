"""Departments and their system access on 管理后台: create a department, issue and revoke
its API tokens, create and stop its webhook subscriptions. Writes go through
governance.services and integrations.services (require CONFIGURE on the department's
area + audit); a key or secret is shown once, on the response that created it."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from governance.models import Department
from governance.pages import manage_required, paginate, service_call
from governance.roles import Action
from governance.scoping import jurisdiction_q
from governance.services import department_create
from grids.models import Area

from .models import DepartmentToken, WebhookSubscription
from .services.access import department_token_issue, department_token_revoke
from .services.webhooks import webhook_subscription_create, webhook_subscription_deactivate


def _departments(user):
    return Department.objects.filter(
        jurisdiction_q(user, Action.CONFIGURE, "area__path")
    ).select_related("area")


def _department(user, pk) -> Department:
    dept = _departments(user).filter(pk=pk).first()
    if dept is None:
        raise Http404
    return dept


class DepartmentForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("部门编码"),
        regex=r"^[0-9A-Za-z_-]{2,32}$",
        error_messages={"invalid": gettext_lazy("编码只能包含字母、数字、_ 和 -,2 到 32 位。")},
        help_text=gettext_lazy("如 220102-CGJ(区划代码-部门简称)。"),
    )
    name = forms.CharField(label=gettext_lazy("部门名称"), max_length=100)
    area = forms.CharField(
        label=gettext_lazy("所属区域编码"),
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Department.objects.filter(code=code).exists():
            raise forms.ValidationError(_("部门编码 %(c)s 已被使用。") % {"c": code})
        return code

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        area = Area.objects.restrict(self.user, Action.CONFIGURE).filter(code=code).first()
        if area is None:
            raise forms.ValidationError(_("区域 %(c)s 不存在或不在您的管辖范围内。") % {"c": code})
        return area


@manage_required(Action.CONFIGURE)
def departments(request):
    form = DepartmentForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            dept, status = service_call(
                form, lambda: department_create(actor=request.user, **form.cleaned_data)
            )
            if dept is not None:
                messages.success(request, _("已新增职能部门“%(n)s”。") % {"n": dept.name})
                return redirect("manage-integrations:department", pk=dept.pk)
    q = request.GET.get("q", "").strip()[:50]
    qs = _departments(request.user).order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(area__name__icontains=q))
    page, query = paginate(request, qs)
    return render(
        request,
        "integrations/manage/departments.html",
        {"form": form, "page": page, "query": query, "q": q},
        status=status,
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("令牌名称"),
        max_length=100,
        help_text=gettext_lazy("写明用途,如“城管业务系统正式环境”。"),
    )


class WebhookForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False)
    url = forms.URLField(
        label=gettext_lazy("接收地址"),
        assume_scheme="https",
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
        help_text=gettext_lazy("须为 https 地址。"),
    )
    event_types = forms.CharField(
        label=gettext_lazy("事件类型"),
        initial="event.*",
        help_text=gettext_lazy(
            "以逗号分隔,如 event.dispatch, people.changed;event.* 表示全部事件。"
        ),
    )

    def clean_event_types(self):
        parts = [p.strip() for p in self.cleaned_data["event_types"].split(",")]
        return [p for p in parts if p]


def _detail(request, dept, *, token_form=None, webhook_form=None, status=200, shown=None):
    tokens = DepartmentToken.objects.filter(department=dept).order_by("-created_at")
    hooks = WebhookSubscription.objects.filter(department=dept).order_by("-created_at")
    return render(
        request,
        "integrations/manage/department.html",
        {
            "dept": dept,
            "tokens": tokens,
            "hooks": hooks,
            "token_form": token_form or TokenForm(),
            "webhook_form": webhook_form or WebhookForm(),
            "shown": shown,
        },
        status=status,
    )


@manage_required(Action.CONFIGURE)
def department_detail(request, pk):
    return _detail(request, _department(request.user, pk))


@never_cache
@require_POST
@manage_required(Action.CONFIGURE)
def token_issue(request, pk):
    dept = _department(request.user, pk)
    form = TokenForm(request.POST)
    status = 400
    if form.is_valid():
        result, status = service_call(
            form,
            lambda: department_token_issue(
                actor=request.user, department=dept, name=form.cleaned_data["name"]
            ),
        )
        if result is not None:
            token, raw = result
            shown = {"label": _("接口令牌"), "value": raw, "name": token.name}
            return _detail(request, dept, shown=shown)
    return _detail(request, dept, token_form=form, status=status)


def _confirm(request, *, title, question, button, back):
    return render(
        request,
        "governance/manage/confirm.html",
        {"title": title, "question": question, "button": button, "back": back},
    )


@manage_required(Action.CONFIGURE)
def token_revoke(request, pk):
    token = (
        DepartmentToken.objects.restrict(request.user, Action.CONFIGURE)
        .select_related("department__area")
        .filter(pk=pk)
        .first()
    )
    if token is None:
        raise Http404
    back = reverse("manage-integrations:department", args=[token.department_id])
    if request.method == "POST":
        department_token_revoke(actor=request.user, token=token)
        messages.success(
            request, _("已吊销令牌“%(n)s”,使用它的请求立即被拒绝。") % {"n": token.name}
        )
        return redirect(back)
    return _confirm(
        request,
        title=_("吊销令牌"),
        question=_("确定吊销令牌“%(n)s”(%(p)s…)?对接系统使用它的请求将立即被拒绝,且不可恢复。")
        % {"n": token.name, "p": token.prefix},
        button=_("吊销"),
        back=back,
    )


@never_cache
@require_POST
@manage_required(Action.CONFIGURE)
def webhook_create(request, pk):
    dept = _department(request.user, pk)
    form = WebhookForm(request.POST)
    status = 400
    if form.is_valid():
        result, status = service_call(
            form,
            lambda: webhook_subscription_create(
                actor=request.user, department=dept, **form.cleaned_data
            ),
        )
        if result is not None:
            sub, secret = result
            shown = {"label": _("签名密钥"), "value": secret, "name": str(sub)}
            return _detail(request, dept, shown=shown)
    return _detail(request, dept, webhook_form=form, status=status)


@manage_required(Action.CONFIGURE)
def webhook_deactivate(request, pk):
    sub = (
        WebhookSubscription.objects.restrict(request.user, Action.CONFIGURE)
        .select_related("department__area")
        .filter(pk=pk)
        .first()
    )
    if sub is None:
        raise Http404
    back = reverse("manage-integrations:department", args=[sub.department_id])
    if request.method == "POST":
        webhook_subscription_deactivate(actor=request.user, subscription=sub)
        messages.success(request, _("已停用推送订阅“%(n)s”。") % {"n": sub})
        return redirect(back)
    return _confirm(
        request,
        title=_("停用推送订阅"),
        question=_("确定停用推送订阅“%(n)s”?尚未送达的推送将不再发送。") % {"n": sub},
        button=_("停用"),
        back=back,
    )
