from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.shortcuts import render
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from analytics.api import DashboardApi
from ewtp.common.api import oauth_views, webhooks
from ewtp.common.api.problems import api_not_found, api_server_error, problem_json_response
from ewtp.common.api.views import PingApi
from ewtp.common.health import healthz, livez, readyz
from ewtp.common.metrics import metrics
from hubs.views.accounts import LoginView, PasswordResetView

# Swagger UI sets inline styles (its scripts stay 'self'): only the docs page is relaxed.
docs_csp = csp_update({"style-src": [SELF, UNSAFE_INLINE]})

api_v1 = [
    path("oauth/token/", oauth_views.TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke/", oauth_views.RevokeTokenView.as_view(), name="oauth-revoke"),
    path("ping", PingApi.as_view(), name="api-ping"),
    path("webhooks", webhooks.WebhookListApi.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:endpoint_id>", webhooks.WebhookDetailApi.as_view(), name="api-webhook"),
    path(
        "webhooks/<uuid:endpoint_id>/rotate-secret",
        webhooks.WebhookSecretRotateApi.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/test",
        webhooks.WebhookTestApi.as_view(),
        name="api-webhook-test",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries",
        webhooks.WebhookDeliveriesApi.as_view(),
        name="api-webhook-deliveries",
    ),
    path("", include("hubs.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("logistics.api.urls")),
    path("", include("customs.api.urls")),
    path("", include("warehousing.api.urls")),
    path("", include("peering.api.urls")),
    path("analytics/<slug:key>", DashboardApi.as_view(), name="api-analytics-dashboard"),
]

urlpatterns = [
    # first: a bank's call is resolved without trying every portal pattern before it
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    re_path(r"^api/", api_not_found),
    # the scraper's only (METRICS_TOKEN, METRICS_ALLOWED_NETWORKS); a 404 for anyone else
    path("metrics", metrics, name="metrics"),
    path("", include("hubs.urls")),
    path("payments/", include("payments.urls")),
    path("", include("logistics.urls")),
    path("customs/", include("customs.urls")),
    path("eroad/", include("peering.urls")),
    path("warehouses/", include("warehousing.urls")),
    path("", include("pipeline.urls")),
    *([path("", include("demo.urls"))] if apps.is_installed("demo") else []),
    path("", include("analytics.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
]

admin.site.site_header = "eWTP Hub administration"
admin.site.site_title = "eWTP Hub"


def handler400(request, exception):
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        if request.path.startswith("/api/"):
            return problem_json_response(413, "The request body is too large.", "too_large")
        return render(request, "413.html", status=413)
    if request.path.startswith("/api/"):
        return problem_json_response(
            400, "The request could not be understood (malformed URL or headers).", "bad_request"
        )
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    if request.path.startswith("/api/"):
        return problem_json_response(
            403,
            "Session-authenticated writes need a CSRF token; API clients use a Bearer token.",
            "csrf_failed",
        )
    return render(request, "403_csrf.html", status=403)


def handler403(request, exception):
    if request.path.startswith("/api/"):
        return problem_json_response(403, "You may not do this.", "permission_denied")
    return render(request, "403.html", status=403)


def handler404(request, exception):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return render(request, "500.html", status=500)
