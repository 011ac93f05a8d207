from django.urls import path

from .analysis import AnalysisViewSet
from .views import LiveViewSet, PanelViewSet, SummaryViewSet

urlpatterns = [
    path("cockpit/summary/", SummaryViewSet.as_view({"get": "summary"}), name="cockpit-summary"),
    # one endpoint per panel (docs/cockpit.md)
    path("cockpit/trend/", PanelViewSet.as_view({"get": "trend"}), name="cockpit-trend"),
    path(
        "cockpit/breakdown/", PanelViewSet.as_view({"get": "breakdown"}), name="cockpit-breakdown"
    ),
    path(
        "cockpit/timeliness/",
        PanelViewSet.as_view({"get": "timeliness"}),
        name="cockpit-timeliness",
    ),
    path(
        "cockpit/satisfaction/",
        PanelViewSet.as_view({"get": "satisfaction"}),
        name="cockpit-satisfaction",
    ),
    path("cockpit/ranking/", PanelViewSet.as_view({"get": "ranking"}), name="cockpit-ranking"),
    path(
        "cockpit/overdue-units/",
        PanelViewSet.as_view({"get": "overdue_units"}),
        name="cockpit-overdue-units",
    ),
    path(
        "cockpit/warnings/",
        PanelViewSet.as_view({"get": "warnings"}),
        name="cockpit-warnings",
    ),
    path(
        "cockpit/mediation/",
        PanelViewSet.as_view({"get": "mediation"}),
        name="cockpit-mediation",
    ),
    path(
        "cockpit/live/",
        LiveViewSet.as_view({"get": "recent"}),
        name="cockpit-live",
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
