from django import forms
from django.utils.translation import gettext_lazy as _

from governance.forms import KeptModelChoiceField

from .models import EventCategory, SupervisionCard, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/*,application/pdf", "capture": "environment"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = KeptModelChoiceField(
        label=_("事件分类"),
        queryset=EventCategory.objects.filter(active=True, parent__isnull=False),
        memo_key="events.ReportForm.category",
        empty_label=_("请选择分类"),
        to_field_name="code",
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("描述"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    lng = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    photos = MultipleFileField(label=_("现场照片"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("lng") is None or data.get("lat") is None:
            raise forms.ValidationError(_("请在地图上选择位置或使用当前定位。"), code="required")
        return data


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("意见/说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    department = forms.CharField(required=False)
    unit = forms.CharField(required=False)
    rating = forms.IntegerField(required=False, min_value=1, max_value=5)
    into = forms.CharField(required=False)
    files = MultipleFileField(label=_("附件"), required=False)


class SuperviseForm(forms.Form):
    colour = forms.ChoiceField(label=_("督办等级"), choices=SupervisionCard.Colour.choices)
    message = forms.CharField(label=_("督办意见"), widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=_("反馈期限(工作日)"), min_value=1, max_value=30, initial=2)
