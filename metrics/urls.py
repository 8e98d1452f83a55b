from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("deals/", views.drilldown, name="drilldown"),
    path("recompute/", views.recompute, name="recompute"),
    path("stale/", views.stale, name="stale"),
    path("stale/bulk/", views.stale_bulk, name="stale_bulk"),
]
