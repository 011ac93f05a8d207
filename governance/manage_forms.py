"""Forms of the kernel's configuration pages: accounts and their roles."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Department, RoleAssignment
from .roles import Action, Role
from .scoping import jurisdiction_q

Area = RoleAssignment._meta.get_field("area").related_model  # grids.Area, named by the FK


def _departments(actor):
    return Department.objects.filter(jurisdiction_q(actor, Action.GRANT, "area__path")).order_by(
        "code"
    )


class AreaCodeField(forms.CharField):
    """An area named by its code (12-digit division code, 15-digit grid code)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("区域编码"))
        kwargs.setdefault("help_text", _("12 位区划代码或 15 位网格编码,如 220102000000。"))
        kwargs.setdefault("max_length", 15)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        code = super().clean(value).strip()
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise ValidationError(_("没有编码为 %(c)s 的区域。") % {"c": code}, code="invalid")
        return area


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名、账号或手机号"), required=False, max_length=50)
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices]
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    area = AreaCodeField()
    department = forms.ModelChoiceField(
        label=_("部门(职能部门办理人必填)"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(actor)


class UserNewForm(RoleForm):
    username = forms.RegexField(
        label=_("账号"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("账号只能包含字母、数字和 _ . @ + -。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    field_order = ["username", "full_name", "phone", "department", "role", "area"]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    department = forms.ModelChoiceField(
        label=_("所属部门"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(actor)
