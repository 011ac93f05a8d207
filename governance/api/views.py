"""The base of every API viewset: scoping is applied here, once.

`ScopedViewSet.get_queryset()` is final: it returns `scoped_queryset()`, which by default
is the model's rows restricted to the user's jurisdiction for the action the request
implies (`restrict(user, view)` for reads, the viewset's `write_action` for writes), and
which a viewset overrides with a call to its app's selector (every selector starts from
`restrict`). A viewset that tries to define `get_queryset` itself fails at import, and
`governance/tests/test_api_base.py` fails for any viewset of the URL conf that does not
derive from this base — so a new endpoint cannot forget its scope.

Errors are not translated here or in the views: services raise, and the one exception
handler (governance/api/exceptions.py) answers 400/403/404/409 with {"detail", "code"}.
"""

from rest_framework import mixins, viewsets

from governance.replica import lag_tolerant
from governance.roles import Action

ACTION_FOR_METHOD = {"GET": Action.VIEW, "HEAD": Action.VIEW, "OPTIONS": Action.VIEW}


class ScopedViewSet(viewsets.GenericViewSet):
    """GenericViewSet whose rows always come from `scoped_queryset()`."""

    queryset = None
    # The action a write request is restricted with when `scoped_queryset` is not
    # overridden. Reads use `view`; the services check the precise write with require().
    write_action = Action.CHANGE

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: override scoped_queryset(), not get_queryset(): "
                "scoping is applied by ScopedViewSet"
            )

    def get_queryset(self):
        return self.scoped_queryset()

    def scope_action(self) -> str:
        return ACTION_FOR_METHOD.get(self.request.method, self.write_action)

    def scoped_queryset(self):
        return self.queryset.model.objects.restrict(self.request.user, self.scope_action())


class LagTolerantMixin:
    """The reads of a GET, HEAD or OPTIONS request may come from the read replica, seconds
    behind the primary (governance/replica.py): for read-only views whose answers may be
    that old — the cockpit and the analysis. Put it before the viewset class."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ACTION_FOR_METHOD:
            return super().dispatch(request, *args, **kwargs)
        with lag_tolerant():
            return super().dispatch(request, *args, **kwargs)


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass
