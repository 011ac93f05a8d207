from rest_framework.routers import SimpleRouter

from .links import LinkedDisputeViewSet
from .views import DisputeViewSet, MediationOrgViewSet

router = SimpleRouter()
router.register("dispute-links", LinkedDisputeViewSet, basename="dispute-link")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("mediation-orgs", MediationOrgViewSet, basename="mediation-org")

urlpatterns = router.urls
