from django.urls import re_path

from . import open311

# The format is the extension (.xml or .json); without one, XML, the specification's
# default. Any other extension gets the specification's error document.
FMT = r"(?:\.(?P<fmt>\w+))?"

urlpatterns = [
    re_path(rf"^discovery{FMT}$", open311.discovery, name="open311-discovery"),
    re_path(rf"^services{FMT}$", open311.services, name="open311-services"),
    re_path(
        rf"^services/(?P<code>[\w-]+?){FMT}$", open311.service_definition, name="open311-service"
    ),
    re_path(rf"^requests{FMT}$", open311.requests_view, name="open311-requests"),
    re_path(
        rf"^requests/(?P<number>[\w-]+?){FMT}$", open311.request_detail, name="open311-request"
    ),
]
