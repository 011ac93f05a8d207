"""管理后台 (/manage/): the home and the kernel's pages. Each app includes its own
configuration pages under /manage/<app>/ (governance/urls.py)."""

from django.urls import path

from . import manage_views as v

app_name = "manage"
urlpatterns = [
    path("", v.home, name="home"),
    path("users/", v.users, name="users"),
    path("users/new/", v.user_new, name="user-new"),
    path("users/<int:pk>/", v.user_detail, name="user-detail"),
    path("users/<int:pk>/roles/", v.role_add, name="role-add"),
    path("users/<int:pk>/roles/<int:role_pk>/revoke/", v.role_revoke, name="role-revoke"),
    path("users/<int:pk>/lock/", v.user_lock, name="user-lock"),
    path("users/<int:pk>/unlock/", v.user_unlock, name="user-unlock"),
    path("users/<int:pk>/password/", v.user_password, name="user-password"),
]
