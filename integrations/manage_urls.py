from django.urls import path

from . import manage_views as v

app_name = "manage-integrations"
urlpatterns = [
    path("departments/", v.departments, name="departments"),
    path("departments/<int:pk>/", v.department_detail, name="department"),
    path("departments/<int:pk>/tokens/", v.token_issue, name="token-issue"),
    path("tokens/<int:pk>/revoke/", v.token_revoke, name="token-revoke"),
    path("departments/<int:pk>/webhooks/", v.webhook_create, name="webhook-create"),
    path("webhooks/<int:pk>/deactivate/", v.webhook_deactivate, name="webhook-deactivate"),
]
