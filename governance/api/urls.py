from rest_framework.routers import SimpleRouter

from .audit import AuditLogViewSet

router = SimpleRouter()
router.register("audit-logs", AuditLogViewSet, basename="auditlog")
urlpatterns = router.urls
