from django.urls import path

from . import views, views_links, views_lookup, views_rules

app_name = "mediation"
urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("rates/", views.rates_page, name="rates"),
    path("rates/export/", views.rates_export, name="rates-export"),
    path("parties/lookup/", views_lookup.party_lookup, name="party-lookup"),
    path("rules/", views_rules.rules, name="rules"),
    path("rules/new/", views_rules.rule_form, name="rule-new"),
    path("rules/<int:pk>/", views_rules.rule_form, name="rule-edit"),
    path("links/", views_links.links, name="links"),
    path("links/<int:pk>/", views_links.link_edit, name="link-edit"),
    path("links/<int:pk>/remove/", views_links.link_remove, name="link-remove"),
    path("<int:pk>/", views.dispute_detail, name="detail"),
    path("<int:pk>/qr.svg", views.qr_code, name="qr"),
    path(
        "<int:pk>/agreements/<int:agreement_pk>.<str:fmt>",
        views.agreement_file,
        name="agreement-file",
    ),
]
