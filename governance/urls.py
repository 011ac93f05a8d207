from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import twofactor_views, views
from .forms import LoginForm
from .navigation import may_read_api_docs, page_rule

urlpatterns = [
    path("", include("cockpit.urls_home")),  # 工作台: each role's home (cockpit/home.py)
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/setup/", twofactor_views.setup, name="two-factor-setup"),
    path("accounts/2fa/verify/", twofactor_views.verify, name="two-factor-verify"),
    path("accounts/2fa/reset/", twofactor_views.reset, name="two-factor-reset"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export/", views.audit_log_export, name="audit-log-export"),
    path("manage/", include("governance.manage_urls")),
    path("manage/events/", include("events.manage_urls")),
    path("manage/calendar/", include("workcalendar.manage_urls")),
    path("manage/collection/", include("collection.manage_urls")),
    path("manage/integrations/", include("integrations.manage_urls")),
    path("notifications/", views.notifications, name="notifications"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("grids/", include("grids.urls")),
    path("events/", include("events.urls")),
    path("collection/", include("collection.urls")),
    path("cockpit/", include("cockpit.urls_pages")),
    path("analysis/", include("cockpit.urls_analysis")),
    path("", include("risk.urls")),  # /warnings/…, /risk/people/<id>/
    path("mediation/", include("mediation.urls")),
    path("public/mediation/", include("mediation.public_urls")),
    path("assessment/", include("assessment.urls")),
    path("command/", include("command.urls")),
    path("open311/v2/", include("events.open311_urls")),
    path("public/", include("events.public_urls")),
    path("api/v1/", include("grids.api.urls")),
    path("api/v1/", include("events.api.urls")),
    path("api/v1/", include("collection.api.urls")),
    path("api/v1/", include("governance.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/v1/", include("cockpit.api.urls")),
    path("api/v1/", include("risk.api.urls")),
    path("api/v1/", include("risk.api.urls_hotspots")),
    path("api/v1/", include("mediation.api.urls")),
    path("api/v1/assessment/", include("assessment.api.urls")),
    path("api/v1/", include("command.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        login_required(
            page_rule(may_read_api_docs)(SpectacularSwaggerSplitView.as_view(url_name="schema"))
        ),
        name="swagger-ui",
    ),
    # Django's admin is closed: it writes around the services (no `require`, no audit
    # row, no jurisdiction) and its superuser would hold all three separated duties.
    # The configuration pages are under /manage/ (docs/security.md).
    re_path(r"^django-admin/", views.django_admin_moved, name="django-admin-moved"),
]

# Under /api/ and /open311/ errors are JSON {"detail", "code"} even when no view was reached.
handler400 = "governance.input_guard.bad_request"
handler403 = "governance.input_guard.permission_denied"
handler404 = "governance.input_guard.page_not_found"
handler500 = "governance.input_guard.server_error"
