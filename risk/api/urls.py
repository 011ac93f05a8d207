from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import PersonRiskViewSet, RuleViewSet, WarningViewSet

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="warning")
router.register("warning-rules", RuleViewSet, basename="warning-rule")

urlpatterns = [
    path(
        "people/<int:pk>/risk/",
        PersonRiskViewSet.as_view({"get": "retrieve"}),
        name="person-risk",
    ),
    # -- hot spots (i12hotspots adds its route here) --------------------------------------
    *router.urls,
]
