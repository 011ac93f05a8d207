from django.urls import path

from .views import SummaryViewSet

urlpatterns = [
    path(
        "cockpit/summary/",
        SummaryViewSet.as_view({"get": "summary"}),
        name="cockpit-summary",
    ),
]
