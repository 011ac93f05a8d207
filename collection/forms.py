from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Person
from .validators import validate_id_number, validate_mobile


class PersonForm(forms.Form):
    """Mobile form for grid workers; the same validators as the services, so the
    inline errors say exactly what the save would."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("证件号码"), max_length=30,
                                widget=forms.TextInput(attrs={"inputmode": "text",
                                                              "autocomplete": "off"}))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    kind = forms.ChoiceField(label=_("人口类型"), choices=Person.Kind.choices)
    residence_address = forms.CharField(label=_("居住地址"), max_length=300, required=False)
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        validate_id_number(value)
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if value:
            try:
                validate_mobile(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return value
