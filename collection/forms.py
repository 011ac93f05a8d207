from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from .extra_fields import schema_fields
from .models import Person
from .validators import Gender, validate_id_matches, validate_mobile, validate_passport_like


class PersonForm(forms.Form):
    """Mobile form for grid workers; the same validators as the services, so the
    inline errors say exactly what the save would. Gender and birth date are entered only
    for foreigners' documents; for a resident ID number they come from the number (and,
    if entered anyway, must agree with it)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    doc_type = forms.ChoiceField(
        label=_("证件类型"),
        choices=Person.DocType.choices,
        initial=Person.DocType.ID_CARD,
        required=False,
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("性别(外籍人员填写)"), required=False, choices=[("", "—"), *Gender.choices]
    )
    birth_date = forms.DateField(
        label=_("出生日期(外籍人员填写)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    kind = forms.ChoiceField(label=_("人口类型"), choices=Person.Kind.choices)
    residence_address = forms.CharField(label=_("居住地址"), max_length=300, required=False)
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        data["doc_type"] = data.get("doc_type") or Person.DocType.ID_CARD
        number = data.get("id_number")
        if not number:
            return data
        try:
            if data.get("doc_type") == Person.DocType.FOREIGN:
                validate_passport_like(number)
            else:
                validate_id_matches(
                    number, birth_date=data.get("birth_date"), gender=data.get("gender") or None
                )
        except ValidationError as exc:
            field = {"id_birth_date_mismatch": "birth_date", "id_gender_mismatch": "gender"}.get(
                exc.code, "id_number"
            )
            self.add_error(field, exc.messages)
        return data

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if value:
            try:
                validate_mobile(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return value


class PersonEditForm(PersonForm):
    """The same form for a registered person: the ID number (never shown whole here) and
    a phone the user may only see masked are changed only when typed in again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("id_number", "phone"):
            self.fields[name].required = False
            self.fields[name].help_text = _("不修改请留空")


def _schema_form_field(f: dict) -> forms.Field:
    """One form field for one schema property; required-ness is left to the schema."""
    common = {"label": f["title"], "required": False, "help_text": f["description"]}
    widget = f["widget"]
    if widget in ("select", "multi"):
        lookup = {str(v): v for v, _label in f["choices"]}
        choices = [(str(v), label) for v, label in f["choices"]]
        if widget == "multi":
            field = forms.TypedMultipleChoiceField(
                choices=choices, coerce=lookup.get, widget=forms.CheckboxSelectMultiple, **common
            )
        else:
            field = forms.TypedChoiceField(
                choices=[("", "—"), *choices], coerce=lookup.get, empty_value=None, **common
            )
    elif widget == "boolean":
        # data-json: the JSON type, for the phone's outbox, which sends the API JSON
        # (static/js/outbox.js) where this form's view converts the text itself.
        field = forms.TypedChoiceField(
            choices=[("", "—"), ("true", gettext_now("是")), ("false", gettext_now("否"))],
            coerce=lambda v: v == "true",
            empty_value=None,
            widget=forms.Select(attrs={"data-json": "boolean"}),
            **common,
        )
    elif widget in ("integer", "number"):
        attrs = {
            "type": "text",
            "inputmode": "numeric" if widget == "integer" else "decimal",
            "data-json": widget,
        }
        cls = forms.IntegerField if widget == "integer" else forms.FloatField
        field = cls(widget=forms.TextInput(attrs=attrs), **common)
    elif widget == "date":
        field = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    else:
        attrs = {"maxlength": f["max_length"]} if f["max_length"] else {}
        w = (
            forms.Textarea(attrs={"rows": 3, **attrs})
            if widget == "textarea"
            else forms.TextInput(attrs=attrs)
        )
        field = forms.CharField(widget=w, strip=True, **common)
    field.schema_required, field.kind = f["required"], widget
    return field


def schema_form(
    schema: dict, data=None, initial: dict | None = None, prefix: str = "x"
) -> forms.Form:
    """A form for the properties of a JSON Schema (a tag's 专项信息, a class's extra
    fields). It only turns text into JSON types; the service validates against the
    schema and its per-field messages are put back on the fields."""
    initial = dict(initial or {})
    for key, value in initial.items():  # the form's own spelling of JSON values
        if isinstance(value, bool):
            initial[key] = "true" if value else "false"
        elif isinstance(value, list):
            initial[key] = [str(v) for v in value]
    form = forms.Form(data, prefix=prefix, initial=initial)
    # Set on the instance, not as class attributes: a schema key is any string.
    form.fields = {f["key"]: _schema_form_field(f) for f in schema_fields(schema)}
    return form


def schema_values(form: forms.Form) -> dict:
    """The filled-in values of a schema form (empty fields left out)."""
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
