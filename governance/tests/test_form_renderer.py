"""governance/form_renderer.py: a widget's HTML from the per-process memo is what Django's
renderer gives for the same context; typed values are not kept; each language has its own."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from governance.form_renderer import MemoDjangoTemplates


class _Form(forms.Form):
    kind = forms.ChoiceField(choices=[("a", _("姓名")), ("b", "乙")], initial="b")
    title = forms.CharField()
    note = forms.CharField(widget=forms.Textarea, required=False)
    photo = forms.FileField(required=False)


def _html(renderer, data=None):
    form = _Form(data, renderer=renderer)
    return [str(form[name]) for name in ("kind", "title", "note", "photo")]


def test_same_html_as_django_and_typed_values_not_kept():
    memo, plain = MemoDjangoTemplates(), DjangoTemplates()
    for data in (None, {"kind": "a", "title": "张三 13800000000"}, {"kind": "<x>"}):
        first = _html(memo, data)
        assert first == _html(memo, data) == _html(plain, data)
    kept = "".join(str(k) for k in memo._memo)
    assert "13800000000" not in kept  # what someone typed
    assert "<x>" not in kept  # a value that is none of the options


def test_a_key_per_language():
    memo = MemoDjangoTemplates()
    with translation.override("zh-hans"):
        chinese = _html(memo)[0]
    with translation.override("en"):
        english = _html(memo)[0]
        assert english == _html(DjangoTemplates())[0]
    assert "姓名" in chinese and "姓名" not in english
