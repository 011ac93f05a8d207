from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("", views.area_browser, name="area-browser"),
    path("areas/<str:code>/", views.area_detail, name="area-detail"),
]
