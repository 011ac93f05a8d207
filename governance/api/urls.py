from rest_framework.routers import SimpleRouter

from .audit import AuditLogViewSet
from .notifications import NotificationViewSet

router = SimpleRouter()
router.register("audit-logs", AuditLogViewSet, basename="auditlog")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
