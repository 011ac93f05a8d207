from rest_framework.routers import SimpleRouter

from .views import DisputeViewSet, MediationOrgViewSet

router = SimpleRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("mediation-orgs", MediationOrgViewSet, basename="mediation-org")

urlpatterns = router.urls
