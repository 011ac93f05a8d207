"""管理后台 (/manage/): its home, and the security administrator's pages for accounts
and their roles. Every write goes through governance.services (require + audit)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import services
from .manage_forms import RoleForm, UserEditForm, UserNewForm, UserSearchForm
from .models import RoleAssignment
from .navigation import manage_sections_for
from .pages import manage_required, paginate, service_call
from .roles import SEPARATED_ROLES, Action
from .selectors import user_get, user_list


@login_required
def home(request):
    sections = manage_sections_for(request.user)
    if not sections:
        raise Http404
    return render(request, "governance/manage/home.html", {"sections": sections})


@manage_required(Action.GRANT)
def users(request):
    form = UserSearchForm(request.GET or None)
    q = role = ""
    if form.is_valid():
        q, role = form.cleaned_data["q"].strip(), form.cleaned_data["role"]
    qs = user_list(user=request.user, q=q, role=role).prefetch_related("role_assignments__area")
    page, query = paginate(request, qs)
    return render(
        request, "governance/manage/users.html", {"form": form, "page": page, "query": query}
    )


@never_cache
@manage_required(Action.GRANT)
def user_new(request):
    form = UserNewForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            result, status = service_call(
                form,
                lambda: services.user_open(
                    actor=request.user,
                    username=d["username"],
                    full_name=d["full_name"],
                    phone=d["phone"],
                    department=d["department"],
                    role=d["role"],
                    area=d["area"],
                ),
            )
            if result is not None:
                user, password = result
                # Shown on this response only: never stored, never redirected with.
                return render(
                    request,
                    "governance/manage/password_once.html",
                    {"account": user, "password": password, "created": True},
                )
    return render(request, "governance/manage/user_new.html", {"form": form}, status=status)


def _detail(request, account, *, edit_form=None, role_form=None, status=200):
    roles = account.role_assignments.select_related("area", "department").order_by(
        "area__path", "role"
    )
    return render(
        request,
        "governance/manage/user_detail.html",
        {
            "account": account,
            "roles": roles,
            "edit_form": edit_form
            or UserEditForm(
                actor=request.user,
                initial={
                    "full_name": account.full_name,
                    "phone": account.phone,
                    "department": account.department_id,
                },
            ),
            "role_form": role_form or RoleForm(actor=request.user),
            "separated": [r.label for r in SEPARATED_ROLES],
            "is_self": account.pk == request.user.pk,
        },
        status=status,
    )


@manage_required(Action.GRANT)
def user_detail(request, pk):
    account = user_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _detail(request, account)
    form = UserEditForm(request.POST, actor=request.user)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        result, status = service_call(
            form,
            lambda: services.user_update(
                actor=request.user,
                user=account,
                full_name=d["full_name"],
                phone=d["phone"],
                department=d["department"],
            ),
        )
        if result is not None:
            messages.success(request, _("已保存账户 %(u)s 的信息。") % {"u": account.username})
            return redirect("manage:user-detail", pk=account.pk)
    return _detail(request, account, edit_form=form, status=status)


@require_POST
@manage_required(Action.GRANT)
def role_add(request, pk):
    account = user_get(user=request.user, pk=pk)
    form = RoleForm(request.POST, actor=request.user)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        result, status = service_call(
            form,
            lambda: services.role_assign(
                actor=request.user,
                user=account,
                role=d["role"],
                area=d["area"],
                department=d["department"],
            ),
        )
        if result is not None:
            messages.success(
                request,
                _("已为 %(u)s 分配角色“%(r)s”(%(a)s)。")
                % {"u": account, "r": result.get_role_display(), "a": result.area.name},
            )
            return redirect("manage:user-detail", pk=account.pk)
    return _detail(request, account, role_form=form, status=status)


@manage_required(Action.GRANT)
def role_revoke(request, pk, role_pk):
    account = user_get(user=request.user, pk=pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("area"), pk=role_pk, user=account
    )
    if request.method == "POST":
        services.role_revoke(actor=request.user, assignment=assignment)
        messages.success(
            request,
            _("已撤销 %(u)s 的角色“%(r)s”(%(a)s)。")
            % {"u": account, "r": assignment.get_role_display(), "a": assignment.area.name},
        )
        return redirect("manage:user-detail", pk=account.pk)
    return _confirm(
        request,
        title=_("撤销角色"),
        question=_("确定撤销 %(u)s 在 %(a)s 的角色“%(r)s”?撤销后该账户立即失去相应权限。")
        % {"u": account, "a": assignment.area.name, "r": assignment.get_role_display()},
        button=_("撤销角色"),
        back=("manage:user-detail", account.pk),
    )


def _confirm(request, *, title, question, button, back):
    from django.urls import reverse

    return render(
        request,
        "governance/manage/confirm.html",
        {
            "title": title,
            "question": question,
            "button": button,
            "back": reverse(back[0], args=back[1:]),
        },
    )


@manage_required(Action.GRANT)
def user_lock(request, pk):
    account = user_get(user=request.user, pk=pk)
    if request.method == "POST":
        services.user_lock(actor=request.user, user=account)
        messages.success(request, _("已停用账户 %(u)s,其登录会话随即失效。") % {"u": account})
        return redirect("manage:user-detail", pk=account.pk)
    return _confirm(
        request,
        title=_("停用账户"),
        question=_("确定停用账户 %(u)s?停用后该账户无法登录,已登录的会话立即失效。")
        % {"u": account},
        button=_("停用账户"),
        back=("manage:user-detail", account.pk),
    )


@require_POST
@manage_required(Action.GRANT)
def user_unlock(request, pk):
    account = user_get(user=request.user, pk=pk)
    services.user_unlock(actor=request.user, user=account)
    messages.success(request, _("已启用账户 %(u)s 并解除登录锁定。") % {"u": account})
    return redirect("manage:user-detail", pk=account.pk)


@never_cache
@manage_required(Action.GRANT)
def user_password(request, pk):
    account = user_get(user=request.user, pk=pk)
    if request.method == "POST":
        password = services.user_password_reset(actor=request.user, user=account)
        return render(
            request,
            "governance/manage/password_once.html",
            {"account": account, "password": password, "created": False},
        )
    return _confirm(
        request,
        title=_("重置密码"),
        question=_("确定为 %(u)s 生成新的临时密码?原密码立即失效,新密码只显示一次。")
        % {"u": account},
        button=_("重置密码"),
        back=("manage:user-detail", account.pk),
    )
