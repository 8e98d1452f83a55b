from django.contrib import admin

from metrics.models import MetricSnapshot


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = ["date", "pipeline", "scope_key", "metric", "computed_at"]
    list_filter = ["pipeline", "scope_kind", "metric"]
    date_hierarchy = "date"
