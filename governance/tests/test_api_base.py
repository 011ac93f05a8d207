"""Every API viewset of the URL conf derives from the one scoped base, so scoping cannot
be forgotten (issue 8, "one way to scope an API")."""

import pytest
from django.urls import get_resolver
from rest_framework.viewsets import ViewSetMixin

from governance.api.views import ScopedViewSet


def _views(patterns, prefix=""):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            yield from _views(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.callback


def test_every_api_viewset_derives_from_the_scoped_base():
    viewsets = {
        getattr(cb, "cls", None)
        for _path, cb in _views(get_resolver().url_patterns)
        if getattr(cb, "cls", None) is not None and issubclass(cb.cls, ViewSetMixin)
    }
    assert len(viewsets) >= 15
    outside = sorted(v.__name__ for v in viewsets if not issubclass(v, ScopedViewSet))
    assert outside == [], f"viewsets without the scoped base: {outside}"


def test_a_viewset_cannot_bypass_the_scoped_queryset():
    with pytest.raises(TypeError, match="scoped_queryset"):

        class Sneaky(ScopedViewSet):  # noqa: F841
            def get_queryset(self):
                return None
