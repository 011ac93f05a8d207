from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AreaViewSet, LocateView

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")

# locate/ must come before the router's areas/<code>/ detail route.
urlpatterns = [path("areas/locate/", LocateView.as_view(), name="area-locate")] + router.urls
