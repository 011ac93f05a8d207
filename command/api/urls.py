from rest_framework.routers import SimpleRouter

from .views import ActivationViewSet, CommandViewSet, PlanViewSet, PositionViewSet

router = SimpleRouter()
router.register("commands", CommandViewSet, basename="command")
router.register("positions", PositionViewSet, basename="position")
router.register("plans", PlanViewSet, basename="plan")
router.register("plan-activations", ActivationViewSet, basename="plan-activation")

urlpatterns = router.urls
