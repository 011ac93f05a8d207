"""The 多维研判 pages (`/analysis/`); its API is in cockpit/api/urls.py."""

from django.urls import path

from . import views_analysis

app_name = "analysis"
urlpatterns = [
    path("", views_analysis.analysis, name="analysis"),
    path("export.xlsx", views_analysis.analysis_export_xlsx, name="export"),
]
