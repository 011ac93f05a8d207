from django.urls import path

from . import public

urlpatterns = [
    path("<str:token>/", public.dispute_public, name="mediation-public"),
]
