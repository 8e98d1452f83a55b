"""Everything under /api/: the pipeline resources, the metrics report, then a JSON 404.

The API spans two apps, and `pipeline` never imports `metrics`, so the two are put together
here, in the project's own URL conf, under one `api` namespace.
"""

from __future__ import annotations

from django.urls import path, re_path

from metrics.api import MetricsApi
from pipeline.api import urls as pipeline_api
from pipeline.api.errors import api_not_found

app_name = "api"

urlpatterns = [
    *pipeline_api.urlpatterns,
    path("metrics/", MetricsApi.as_view(), name="metrics"),
    # Anything else under /api/ answers JSON, not the HTML 404 page.
    re_path(r"^.*$", api_not_found),
]
