from django.urls import path

from .hotspots import HotspotViewSet, KeyEventViewSet

urlpatterns = [
    path("hotspots/", HotspotViewSet.as_view({"get": "clusters"}), name="hotspot-list"),
    path("hotspots/index/", HotspotViewSet.as_view({"get": "index"}), name="hotspot-index"),
    path("key-events/", KeyEventViewSet.as_view({"get": "ranked"}), name="key-event-list"),
    path(
        "key-events/<str:number>/",
        KeyEventViewSet.as_view({"get": "retrieve"}),
        name="key-event-detail",
    ),
]
