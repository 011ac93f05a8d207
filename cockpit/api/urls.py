from django.urls import path

from .analysis import AnalysisViewSet
from .views import SummaryViewSet

urlpatterns = [
    path(
        "cockpit/summary/",
        SummaryViewSet.as_view({"get": "summary"}),
        name="cockpit-summary",
    ),
    path(
        "analysis/events/",
        AnalysisViewSet.as_view({"get": "events"}),
        name="analysis-events",
    ),
    path(
        "analysis/workload/",
        AnalysisViewSet.as_view({"get": "workload"}),
        name="analysis-workload",
    ),
    path(
        "analysis/compare/",
        AnalysisViewSet.as_view({"get": "compare"}),
        name="analysis-compare",
    ),
]
