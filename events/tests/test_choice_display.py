"""governance/choices.py: get_FOO_display() gives Django's text for every value, in the
active language, and the value itself when it is not a choice."""

from django.db.models import Model
from django.utils import translation

from events.models import Event, Status, Urgency


def _django(obj, field_name):
    return Model._get_FIELD_display(obj, Event._meta.get_field(field_name))


def test_same_text_as_django_in_each_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for status in [*Status.values, "no-such-status"]:
                event = Event(status=status, urgency=Urgency.NORMAL)
                assert event.get_status_display() == _django(event, "status")
            for urgency in Urgency.values:
                event = Event(urgency=urgency)
                assert event.get_urgency_display() == _django(event, "urgency")
    with translation.override("en"):
        english = Event(status=Status.values[0]).get_status_display()
    with translation.override("zh-hans"):
        assert Event(status=Status.values[0]).get_status_display() != english
