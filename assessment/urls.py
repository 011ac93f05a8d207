from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.schemes, name="schemes"),
    path("schemes/<int:pk>/", views.scheme_results, name="results"),
    path("schemes/<int:pk>/objects/<str:code>/", views.report_card, name="card"),
    path(
        "schemes/<int:pk>/objects/<str:code>/<str:indicator>/",
        views.score_detail,
        name="score",
    ),
    path("schemes/<int:pk>/entries/", views.entries, name="entries"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_form, name="rule-new"),
    path("rules/<int:pk>/", views.rule_form, name="rule-edit"),
]
