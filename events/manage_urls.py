from django.urls import path

from . import manage_views as v

app_name = "manage-events"
urlpatterns = [
    path("categories/", v.categories, name="categories"),
    path("categories/new/", v.category_edit, name="category-new"),
    path("categories/<str:code>/", v.category_edit, name="category-edit"),
    path("routing/", v.routing, name="routing"),
    path("routing/<int:pk>/delete/", v.routing_delete, name="routing-delete"),
]
