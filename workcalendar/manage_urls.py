from django.urls import path

from . import manage_views as v

app_name = "manage-calendar"
urlpatterns = [path("", v.calendar, name="calendar")]
