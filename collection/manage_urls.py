from django.urls import path

from . import manage_views as v

app_name = "manage-collection"
urlpatterns = [
    path("schemas/", v.schemas, name="schemas"),
    path("schemas/<str:key>/", v.schema_edit, name="schema-edit"),
    path("schemas/<str:key>/delete/", v.schema_delete, name="schema-delete"),
    path("field-policy/", v.field_policy, name="field-policy"),
]
