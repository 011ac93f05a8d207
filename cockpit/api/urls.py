from django.urls import path

from .views import LiveViewSet, SummaryViewSet

urlpatterns = [
    path(
        "cockpit/summary/",
        SummaryViewSet.as_view({"get": "summary"}),
        name="cockpit-summary",
    ),
    path(
        "cockpit/live/",
        LiveViewSet.as_view({"get": "recent"}),
        name="cockpit-live",
    ),
]
