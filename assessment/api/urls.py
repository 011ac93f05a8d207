from rest_framework.routers import SimpleRouter

from .views import SchemeViewSet

router = SimpleRouter()
router.register("schemes", SchemeViewSet, basename="assessment-scheme")

urlpatterns = router.urls
