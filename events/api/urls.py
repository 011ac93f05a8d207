from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, EventViewSet, RoutingRuleViewSet

router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("event-categories", CategoryViewSet, basename="event-category")
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
urlpatterns = router.urls
