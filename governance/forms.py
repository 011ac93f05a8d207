from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .auth import locked_message, login_locked_until


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败多次后账户将被临时锁定。"),
        "inactive": _("该账户已停用。"),
    }

    def clean(self):
        # login_locked_until answers the same for names with and without an account, so
        # neither the message nor its timing tells which names exist.
        username = self.cleaned_data.get("username")
        until = login_locked_until(username) if username else None
        if until:
            raise forms.ValidationError(locked_message(until), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            # The failure that crossed the limit locks the account: say so at once.
            until = login_locked_until(username) if username else None
            if until:
                raise forms.ValidationError(locked_message(until), code="locked") from None
            raise


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False)
    action = forms.CharField(label=_("操作"), required=False)
    object_type = forms.CharField(label=_("对象类型"), required=False)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, qs):
        d = self.cleaned_data
        if d.get("actor"):
            qs = qs.filter(actor_name__icontains=d["actor"])
        if d.get("action"):
            qs = qs.filter(action__icontains=d["action"])
        if d.get("object_type"):
            qs = qs.filter(object_type__icontains=d["object_type"])
        if d.get("since"):
            qs = qs.filter(at__date__gte=d["since"])
        if d.get("until"):
            qs = qs.filter(at__date__lte=d["until"])
        return qs
