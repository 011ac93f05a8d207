from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/files/<int:pk>/", views.evidence_download, name="evidence"),
    path("warnings/rules/", views.rules, name="rules"),
    path("warnings/rules/new/", views.rule_form, name="rule-new"),
    path("warnings/rules/<int:pk>/", views.rule_form, name="rule-edit"),
    path("risk/people/<int:pk>/", views.person_profile, name="person-profile"),
]
