from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("report/", views.report, name="report"),
    path("<str:number>/", views.detail, name="detail"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path(
        "files/<int:pk>/thumbnail/",
        views.attachment_download,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
]
