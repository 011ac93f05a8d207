from django.urls import re_path

from . import open311

urlpatterns = [
    re_path(r"^services\.(?P<fmt>json)$", open311.services, name="open311-services"),
    re_path(r"^services/(?P<code>[\w-]+)\.(?P<fmt>json)$", open311.service_definition,
            name="open311-service"),
    re_path(r"^requests\.(?P<fmt>json)$", open311.requests_view, name="open311-requests"),
    re_path(r"^requests/(?P<number>[\w-]+)\.(?P<fmt>json)$", open311.request_detail,
            name="open311-request"),
]
