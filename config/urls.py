from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("metrics/", include("metrics.urls")),
    path("api/", include("config.api_urls")),
    path("", include("pipeline.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# A database outage raised outside a view still answers 503 with a message (config/middleware).
handler500 = "config.middleware.server_error"
