"""The home page (工作台), at the site root."""

from django.urls import path

from .home import home

urlpatterns = [path("", home, name="home")]
