"""Base API classes: scoping is applied here once for every viewset."""

from rest_framework import viewsets

from governance.roles import Action

ACTION_FOR_METHOD = {"GET": Action.VIEW, "HEAD": Action.VIEW, "OPTIONS": Action.VIEW}


class ScopedViewSetMixin:
    """`get_queryset()` returns the model's rows restricted to the user's jurisdiction
    for the action the HTTP method implies; objects outside it are 404."""

    queryset = None

    def get_queryset(self):
        action = ACTION_FOR_METHOD.get(self.request.method, Action.CHANGE)
        return self.queryset.model.objects.restrict(self.request.user, action).all()


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
