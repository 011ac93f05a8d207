from rest_framework.routers import SimpleRouter

from .views import IndicatorSystemViewSet, SchemeViewSet, TaskViewSet

router = SimpleRouter()
router.register("schemes", SchemeViewSet, basename="assessment-scheme")
router.register("tasks", TaskViewSet, basename="assessment-task")
router.register("systems", IndicatorSystemViewSet, basename="assessment-system")

urlpatterns = router.urls
