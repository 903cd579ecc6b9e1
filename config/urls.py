from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.security import PasswordResetForm
from monitoring.views import metrics
from web.views import healthz

# A database out of reach (a restart) answers 503 "try again", not the 500 page of a bug.
handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher is on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # The API authenticates by token or session itself and answers 401/403 in JSON,
    # rather than the sign-in redirect that pages get.
    path("api/v1/", include("api.urls")),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("api/docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api_docs"),
    path("", include("web.urls")),
    path("", include("roster.urls")),
]
