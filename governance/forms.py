from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .auth import locked_message, login_locked_until
from .compiled import CompiledQueries, StatementMemo


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
    """Filters of the audit log: users, actions, object types and areas offered as
    choices (the actor may also be typed: a display name or a login name finds them)."""

    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"list": "audit-actors", "autocomplete": "off"}),
        help_text=_("姓名或账号"),
    )
    action = forms.ChoiceField(label=_("操作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    q = forms.CharField(label=_("对象关键词"), required=False, max_length=100)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .audit_labels import object_type_choices, registered_action_labels

        actions = sorted(
            ((code, str(label)) for code, label in registered_action_labels().items()),
            key=lambda c: c[1],
        )
        self.fields["action"].choices = [("", _("全部操作")), *actions]
        self.fields["object_type"].choices = [("", _("全部类型")), *object_type_choices()]
        self.fields["area"].choices = [("", _("全部区域")), *audit_area_choices(user)]

    def filter(self, qs):
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        d = self.cleaned_data
        if d.get("actor"):
            name = d["actor"].strip()
            # "王敏(wangmin)" as the datalist offers it, or either part typed alone.
            if name.endswith(")") and "(" in name:
                name = name[name.rindex("(") + 1 : -1]
            users = get_user_model().objects.filter(
                Q(username__icontains=name) | Q(full_name__icontains=name)
            )
            qs = qs.filter(Q(actor_name__icontains=name) | Q(actor_id__in=users.values("pk")))
        if d.get("action"):
            qs = qs.filter(action=d["action"])
        if d.get("object_type"):
            qs = qs.filter(object_type=d["object_type"])
        if d.get("area"):
            qs = qs.filter(area_path__startswith=d["area"])
        if d.get("q"):
            qs = qs.filter(Q(object_repr__icontains=d["q"]) | Q(object_id=d["q"]))
        if d.get("since"):
            qs = qs.filter(at__date__gte=d["since"])
        if d.get("until"):
            qs = qs.filter(at__date__lte=d["until"])
        return qs


def audit_area_choices(user) -> list[tuple[str, str]]:
    """(path, name) of the areas an auditor filters by: their jurisdictions and the
    areas below them down to the counties (a few dozen at most)."""
    from .models import RoleAssignment
    from .roles import Action
    from .scoping import jurisdiction_paths

    Area = RoleAssignment._meta.get_field("area").related_model
    roots = jurisdiction_paths(user, Action.AUDIT)
    if not roots:
        return []
    from django.db.models import Q

    q = Q()
    for p in roots:
        q |= Q(path__startswith=p)
    areas = (
        Area.objects.filter(q, level__lte=3).order_by("path").values_list("path", "name", "level")
    )
    return [(path, "\u3000" * (level - 1) + name) for path, name, level in areas]


def audit_actor_suggestions(user, limit: int = 300) -> list[str]:
    """ "姓名(账号)" of the staff inside the auditor's jurisdiction, for the actor box."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from .roles import Action
    from .scoping import jurisdiction_paths

    q = Q()
    for p in jurisdiction_paths(user, Action.AUDIT):
        q |= Q(role_assignments__area__path__startswith=p)
    if not q:
        return []
    rows = (
        get_user_model()
        .objects.filter(q)
        .distinct()
        .order_by("username")
        .values_list("username", "full_name")[:limit]
    )
    return [f"{full}({name})" if full and full != name else name for name, full in rows]


# -- a choice field whose options' statement is compiled once per process ---------------

_CHOICES = StatementMemo(size=256)
_LOOKUPS = CompiledQueries(size=256)


class _KeptChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        key = self.field.memo_key
        if key is None:
            yield from super().__iter__()
            return
        # Once per form: a Select reads its first option (is it empty, for `required`)
        # before drawing them all, and every read ran the statement and made the options.
        choices = self.__dict__.get("_kept")
        if choices is None:
            queryset = self.queryset
            choices = self.__dict__["_kept"] = (
                [("", self.field.empty_label)] if self.field.empty_label is not None else []
            ) + [
                self.choice(obj) for obj in _CHOICES.objects(key, lambda: queryset, queryset.model)
            ]
        yield from choices


class KeptModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for a form every user sees with the same options (the report
    form's categories): the options' statement is compiled once per process under
    `memo_key` (governance/compiled.py) and run on every render, so a new or renamed
    option shows at once. `memo_key` names the field's own queryset: a queryset set on
    the field later (a view narrowing the options) turns the keeping off for that form."""

    iterator = _KeptChoiceIterator

    def __init__(self, queryset, *, memo_key: str, **kwargs):
        super().__init__(queryset, **kwargs)
        self.memo_key = memo_key

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.memo_key = None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def to_python(self, value):
        # The chosen option by its unique text key (a category's code): the same lookup as
        # ModelChoiceField's, from a statement kept under `memo_key` (built once per
        # process rather than on every submitted form).
        field = self._kept_lookup_field()
        if field is None or value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        self.validate_no_null_characters(value)
        queryset, name = self.queryset, field.name
        query = _LOOKUPS.get(
            (self.memo_key, name),
            lambda value: queryset.filter(**{name: value}),
            value="\x1fno option has this key",
        )
        found = query.objects(value=str(value))
        if len(found) != 1:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found[0]

    def _kept_lookup_field(self):
        """The unique text field options are chosen by, when the lookup may be kept."""
        if self.memo_key is None or not self.to_field_name:
            return None
        field = self.queryset.model._meta.get_field(self.to_field_name)
        text = isinstance(field, (models.CharField, models.TextField))
        return field if text and field.unique else None

    def __deepcopy__(self, memo):
        key = self.memo_key
        result = super().__deepcopy__(memo)  # copies the queryset: the same one
        result.memo_key = key
        return result
