from django.urls import path

from . import views, views_plans

app_name = "command"
urlpatterns = [
    path("", views.command_list, name="list"),
    path("new/", views.command_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("map/", views.command_map, name="map"),
    path("map/data/", views.map_data, name="map-data"),
    path("<int:pk>/", views.command_detail, name="detail"),
    path("files/<int:pk>/", views.evidence_download, name="evidence"),
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/new/", views_plans.plan_form, name="plan-new"),
    path("plans/<int:pk>/", views_plans.plan_form, name="plan"),
    path("plans/files/<int:pk>/", views_plans.plan_file, name="plan-file"),
    path("activate/", views_plans.activate, name="activate"),
    path("activations/<int:pk>/", views_plans.activation_board, name="activation"),
]
