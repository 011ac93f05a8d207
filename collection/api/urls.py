from django.urls import path
from rest_framework.routers import SimpleRouter

from .catalogue import CatalogueView, ChangeFeedView
from .duties import GridDutiesView, TaskItemViewSet
from .extra_fields import ExtraSchemaDetailView, ExtraSchemaListView
from .houses import HouseViewSet, PointsView
from .imports import ImportJobViewSet
from .organisations import OrganisationViewSet, PlaceViewSet
from .people import PersonViewSet
from .tags import (
    PersonTagDetailView,
    PersonTagListView,
    TagSchemaDetailView,
    TagSchemaListView,
)
from .transfers import PersonTransferViewSet
from .verification import VerificationViewSet
from .visits import VisitViewSet

router = SimpleRouter()
router.register("people", PersonViewSet, basename="person")
router.register("houses", HouseViewSet, basename="house")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("places", PlaceViewSet, basename="place")
router.register("visits", VisitViewSet, basename="visit")
router.register("imports", ImportJobViewSet, basename="import-job")
router.register("task-items", TaskItemViewSet, basename="task-item")
router.register("verifications", VerificationViewSet, basename="verification")
router.register("person-transfers", PersonTransferViewSet, basename="person-transfer")
urlpatterns = [
    path("catalogue/", CatalogueView.as_view(), name="catalogue"),
    path("changes/", ChangeFeedView.as_view(), name="changes"),
    path("grid-duties/", GridDutiesView.as_view(), name="grid-duties"),
    path("collection-points/", PointsView.as_view(), name="collection-points"),
    path("people/<int:person_pk>/tags/", PersonTagListView.as_view(), name="person-tags"),
    path(
        "people/<int:person_pk>/tags/<str:tag>/", PersonTagDetailView.as_view(), name="person-tag"
    ),
    path("tag-schemas/", TagSchemaListView.as_view(), name="tag-schemas"),
    path("tag-schemas/<str:tag>/", TagSchemaDetailView.as_view(), name="tag-schema"),
    path("extra-schemas/", ExtraSchemaListView.as_view(), name="extra-schemas"),
    path("extra-schemas/<str:dataset>/", ExtraSchemaDetailView.as_view(), name="extra-schema"),
] + router.urls
