from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, EventViewSet

router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("event-categories", CategoryViewSet, basename="event-category")
urlpatterns = router.urls
