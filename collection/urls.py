from django.urls import path

from .views import (
    duties,
    exports,
    houses,
    imports,
    my_grid,
    offline,
    organisations,
    people,
    tags,
    transfers,
    verification,
    visits,
)

app_name = "collection"
urlpatterns = [
    path("", my_grid.my_grid, name="my-grid"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("app.webmanifest", offline.manifest, name="manifest"),
    path("people/", people.people, name="people"),
    path("people/new/", people.person_new, name="person-new"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person-edit"),
    path("people/<int:pk>/tags/new/", tags.person_tag_form, name="person-tag-new"),
    path("people/<int:pk>/tags/<str:tag>/", tags.person_tag_form, name="person-tag-edit"),
    path("people/<int:pk>/tags/<str:tag>/end/", tags.person_tag_end_view, name="person-tag-end"),
    path("map/", houses.data_map, name="map"),
    path("houses/new/", houses.house_new, name="house-new"),
    path("houses/", houses.houses, name="houses"),
    path("houses/<int:pk>/", houses.house_detail, name="house-detail"),
    path("houses/<int:pk>/edit/", houses.house_edit, name="house-edit"),
    path("organisations/", organisations.organisations, name="organisations"),
    path("visits/new/", visits.visit_new, name="visit-new"),
    path("verifications/", verification.verifications, name="verifications"),
    path("transfers/", transfers.transfers, name="transfers"),
    path("task-items/", duties.task_items, name="task-items"),
    path("imports/", imports.imports, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("exports/<uuid:pk>/", exports.export_download, name="export-download"),
]
