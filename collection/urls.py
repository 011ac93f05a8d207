from django.urls import path

from . import (
    duty_views,
    record_views,
    tag_views,
    transfer_views,
    verification_views,
    views,
)

app_name = "collection"
urlpatterns = [
    path("", views.my_grid, name="my-grid"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person-new"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", record_views.person_edit, name="person-edit"),
    path("people/<int:pk>/tags/new/", tag_views.person_tag_form, name="person-tag-new"),
    path("people/<int:pk>/tags/<str:tag>/", tag_views.person_tag_form,
         name="person-tag-edit"),
    path("people/<int:pk>/tags/<str:tag>/end/", tag_views.person_tag_end_view,
         name="person-tag-end"),
    path("map/", views.data_map, name="map"),
    path("houses/new/", views.house_new, name="house-new"),
    path("houses/", record_views.houses, name="houses"),
    path("houses/<int:pk>/", views.house_detail, name="house-detail"),
    path("houses/<int:pk>/edit/", record_views.house_edit, name="house-edit"),
    path("organisations/", record_views.organisations, name="organisations"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("verifications/", verification_views.verifications, name="verifications"),
    path("transfers/", transfer_views.transfers, name="transfers"),
    path("task-items/", duty_views.task_items, name="task-items"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("exports/<uuid:pk>/", views.export_download, name="export-download"),
]
