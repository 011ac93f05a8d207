"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers


class MethodCharField(serializers.CharField):
    """A text field whose source is a method of the object taking no arguments
    (`get_status_display`, `get_absolute_url`), called directly.

    DRF's own lookup asks `inspect.signature` whether each attribute is a method it may
    call, for every row: a seventh of a department's case list (twenty rows) went there.
    The schema is the CharField's."""

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        if "." in self.source or self.source == "*":
            raise ValueError(f"{field_name}: the source must be one method's name")

    def get_attribute(self, instance):
        return getattr(instance, self.source)()
