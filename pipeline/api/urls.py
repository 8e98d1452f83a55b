"""The pipeline resources under /api/, the OpenAPI schema and its interactive docs.

`config/api_urls.py` includes these with the metrics report and the JSON 404 for the rest.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from pipeline.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("pipelines", views.PipelineApi, basename="pipeline")
router.register("stages", views.StageApi, basename="stage")
router.register("deals", views.DealApi, basename="deal")
router.register("stage-changes", views.StageChangeApi, basename="stage-change")
router.register("people", views.PersonApi, basename="person")
router.register("organizations", views.OrganizationApi, basename="organization")
router.register("activities", views.ActivityApi, basename="activity")
router.register("leads", views.LeadApi, basename="lead")
router.register("lost-reasons", views.LostReasonApi, basename="lost-reason")
router.register("users", views.UserApi, basename="user")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (`?script`), so the docs page runs
    # under the same Content-Security-Policy as the app (no inline script).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
