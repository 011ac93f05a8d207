from django.urls import path

from . import public

urlpatterns = [
    path("report/", public.report, name="public-report"),
    path("track/", public.track, name="public-track"),
]
