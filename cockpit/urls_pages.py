"""The cockpit's pages (server-rendered HTML). The cockpit's API lives apart, in the API
URL conf, so pages and API can grow without touching each other."""

from django.urls import path

from . import live_views, views

app_name = "cockpit"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("live/", live_views.live_stream, name="live"),
    path("panels/ranking/", views.ranking_panel, name="ranking"),
    path("panels/assessment/", views.assessment_panel, name="assessment"),
]
