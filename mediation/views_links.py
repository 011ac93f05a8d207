"""对接部门: the province administrator's page of the 诉调/警调/访调 links — the list, a new
link, a change of kind, a removal — through `services.link_set` / `link_remove` (checked
and audited there). Linked from 调解码规则 and the menu; 403 for anyone else."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from governance.navigation import page_rule
from governance.pages import service_call

from . import selectors, services
from .actions import may_configure_rules
from .models import MediationLink

KIND_ERRORS = {"invalid_choice": gettext_lazy("对接类型应为法院、公安或信访部门。")}


class LinkKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("对接类型"),
        choices=MediationLink.Kind.choices,
        error_messages=KIND_ERRORS,
    )


class LinkNewForm(LinkKindForm):
    field_order = ["department", "kind"]
    department = forms.CharField(
        label=gettext_lazy("部门编码"),
        max_length=32,
        help_text=gettext_lazy("职能部门的编码,见管理后台“职能部门与系统对接”。"),
    )


@login_required
@page_rule(may_configure_rules)
@require_http_methods(["GET", "POST"])
def links(request):
    form = LinkNewForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            link, status = service_call(
                form,
                lambda: services.link_set(
                    actor=request.user,
                    department=selectors.link_department_get(
                        user=request.user, code=d["department"].strip()
                    ),
                    kind=d["kind"],
                    new=True,
                ),
            )
            if link is not None:
                messages.success(
                    request,
                    _("已将“%(d)s”设为对接部门(%(k)s)。")
                    % {"d": link.department.name, "k": link.get_kind_display()},
                )
                return redirect("mediation:links")
    return render(
        request,
        "mediation/links.html",
        {"links": selectors.link_list(user=request.user), "form": form},
        status=status,
    )


@login_required
@page_rule(may_configure_rules)
@require_http_methods(["GET", "POST"])
def link_edit(request, pk):
    link = selectors.link_get(user=request.user, pk=pk)
    form = LinkKindForm(
        request.POST if request.method == "POST" else None, initial={"kind": link.kind}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result, status = service_call(
                form,
                lambda: services.link_set(
                    actor=request.user, department=link.department, kind=form.cleaned_data["kind"]
                ),
            )
            if result is not None:
                messages.success(
                    request,
                    _("已将“%(d)s”的对接类型改为%(k)s。")
                    % {"d": link.department.name, "k": result.get_kind_display()},
                )
                return redirect("mediation:links")
    return render(request, "mediation/link_form.html", {"link": link, "form": form}, status=status)


@login_required
@page_rule(may_configure_rules)
@require_http_methods(["GET", "POST"])
def link_remove(request, pk):
    link = selectors.link_get(user=request.user, pk=pk)
    name, kind = link.department.name, link.get_kind_display()
    if request.method == "POST":
        services.link_remove(actor=request.user, link=link)
        messages.success(request, _("已移除对接部门“%(d)s”(%(k)s)。") % {"d": name, "k": kind})
        return redirect("mediation:links")
    return render(
        request,
        "governance/manage/confirm.html",
        {
            "title": _("移除对接部门"),
            "question": _(
                "确定移除对接部门“%(d)s”(%(k)s)?移除后其业务系统不能再报送和查询纠纷,"
                "调解不成的纠纷也不再移交给它;已报送和已移交的纠纷记录不变。"
            )
            % {"d": name, "k": kind},
            "button": _("移除"),
            "back": reverse("mediation:link-edit", args=[link.pk]),
        },
    )
