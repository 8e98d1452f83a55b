from django.contrib import admin

from metrics.models import Goal, MetricSnapshot


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["kind", "owner", "team", "pipeline", "interval", "target", "currency"]
    list_filter = ["kind", "interval"]


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = ["date", "pipeline", "scope_key", "metric", "computed_at"]
    list_filter = ["pipeline", "scope_kind", "metric"]
    date_hierarchy = "date"
