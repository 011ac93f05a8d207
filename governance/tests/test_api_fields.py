"""governance/api/fields.py: MethodCharField gives what DRF's CharField gives for a method
source, without asking for the method's signature on every row."""

import inspect

import pytest
from rest_framework import serializers

from governance.api.fields import MethodCharField


class Thing:
    status = "open"

    def get_status_display(self):
        return "办理中"


class Plain(serializers.Serializer):
    label = serializers.CharField(source="get_status_display")


class Direct(serializers.Serializer):
    label = MethodCharField(source="get_status_display")


def test_same_output_as_drfs_field_without_inspecting_the_method(monkeypatch):
    assert Plain(Thing()).data == {"label": "办理中"}
    asked = []
    real = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda *a, **k: asked.append(a) or real(*a, **k))
    assert Direct([Thing(), Thing()], many=True).data == [{"label": "办理中"}] * 2
    assert asked == []


def test_a_dotted_source_is_refused():
    class Dotted(serializers.Serializer):
        label = MethodCharField(source="owner.get_status_display")

    with pytest.raises(ValueError):
        Dotted(Thing()).data  # noqa: B018
