"""The report form's category options (governance/forms.py KeptModelChoiceField): the
statement compiled once per process, run on every render — the same options, in the same
order, as the ORM's queryset gives, a change seen at once, a narrowed queryset honoured."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.forms import ReportForm
from events.models import EventCategory

pytestmark = pytest.mark.django_db


def options(form) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in form.fields["category"].choices]


def orm_options() -> list[tuple[str, str]]:
    qs = EventCategory.objects.filter(active=True, parent__isnull=False)
    return [("", "请选择分类")] + [(c.code, str(c)) for c in qs]


def test_the_options_are_the_querysets_and_follow_changes(category):
    assert options(ReportForm()) == orm_options() and len(orm_options()) > 10
    with CaptureQueriesContext(connection) as q:
        options(ReportForm())
    assert len(q.captured_queries) == 1  # run on every render, never kept
    with CaptureQueriesContext(connection) as q:
        html = str(ReportForm()["category"])  # the first option read, then all drawn
    assert len(q.captured_queries) == 1 and html.count("<option") == len(orm_options())
    category("0101", active=False)  # retired: gone from the next form
    category("0102", name="婚姻家庭纠纷(改)")
    after = options(ReportForm())
    assert after == orm_options()
    assert "0101" not in dict(after) and "婚姻家庭纠纷(改)" in dict(after)["0102"]


def test_a_queryset_set_on_the_form_is_the_one_used():
    form = ReportForm()
    form.fields["category"].queryset = EventCategory.objects.filter(code="0601")
    assert [v for v, _label in options(form)] == ["", "0601"]
    assert options(ReportForm()) == orm_options()  # other forms keep the field's own


def test_a_copied_field_keeps_its_key_and_the_form_still_validates(reported_data):
    field = ReportForm.base_fields["category"]
    assert copy.deepcopy(field).memo_key == field.memo_key == "events.ReportForm.category"
    form = ReportForm(reported_data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["category"].code == "0601"


@pytest.fixture
def reported_data():
    return {
        "category": "0601",
        "title": "占道经营",
        "description": "",
        "urgency": "normal",
        "lng": "125.33",
        "lat": "43.88",
        "address": "",
    }


def test_the_chosen_option_is_looked_up_from_the_kept_statement(reported_data, category):
    from governance.forms import _LOOKUPS

    assert ReportForm(reported_data).is_valid()
    kept = len(_LOOKUPS._kept)
    with CaptureQueriesContext(connection) as q:
        form = ReportForm({**reported_data, "category": "0102"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["category"] == EventCategory.objects.get(code="0102")
    assert len(q.captured_queries) == 1 and len(_LOOKUPS._kept) == kept  # kept, run again

    # Refused as the ORM's lookup refuses: unknown, retired, a top-level category, junk.
    category("0101", active=False)
    for bad in ("9999", "0101", "01", "0601' OR '1'='1", "06" * 400):
        form = ReportForm({**reported_data, "category": bad})
        assert not form.is_valid()
        assert form.errors["category"][0].startswith("选择一个有效的选项"), form.errors
    # A narrowed queryset is looked up through the ORM, narrowed.
    form = ReportForm({**reported_data, "category": "0102"})
    form.fields["category"].queryset = EventCategory.objects.filter(code="0601")
    assert not form.is_valid() and "category" in form.errors
