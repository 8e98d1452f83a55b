"""Django admin for every model. Writes that have business rules (a deal's stage or status)
are read-only here: they go through the services, so the history is never skipped."""

from django.contrib import admin

from pipeline.models import (
    Activity,
    Deal,
    Goal,
    Lead,
    LostReason,
    Note,
    Organization,
    Person,
    Pipeline,
    Stage,
    StageChange,
    StageTotal,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("position", "name", "win_probability", "rotting_days", "is_active")
    ordering = ("position",)

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "pipeline",
        "position",
        "win_probability",
        "rotting_days",
        "is_moment_of_truth",
        "is_active",
    )
    list_filter = ("pipeline", "is_active", "is_moment_of_truth")
    search_fields = ("name",)
    list_select_related = ("pipeline",)

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "industry", "website", "owner", "created_at")
    list_filter = ("industry",)
    search_fields = ("name", "website")
    list_select_related = ("owner",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "job_title", "is_decision_maker", "email", "phone")
    list_filter = ("is_decision_maker",)
    search_fields = ("name", "email", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = ("timestamp", "from_stage", "to_stage", "from_status", "to_status", "user", "source")
    readonly_fields = fields
    ordering = ("timestamp", "id")

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "pipeline",
        "stage",
        "status",
        "value",
        "currency",
        "owner",
        "expected_close_date",
        "created_at",
    )
    list_filter = ("pipeline", "status", "stage", "owner", "currency")
    search_fields = ("title", "organization__name", "person__name", "external_id")
    list_select_related = ("pipeline", "stage", "owner")
    date_hierarchy = "created_at"
    # Stage, status, value and version change only through the services (history, totals).
    readonly_fields = (
        "pipeline",
        "stage",
        "status",
        "value",
        "currency",
        "lost_reason",
        "closed_at",
        "stage_entered_at",
        "parked_until",
        "next_activity",
        "next_activity_date",
        "version",
        "updated_at",
        "updated_by",
    )
    raw_id_fields = ("organization", "person", "owner")
    inlines = [StageChangeInline]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = (
        "deal",
        "from_stage",
        "to_stage",
        "from_status",
        "to_status",
        "user",
        "source",
        "timestamp",
    )
    list_filter = ("source", "to_status", "pipeline")
    search_fields = ("deal__title",)
    list_select_related = ("deal", "from_stage", "to_stage", "user")
    date_hierarchy = "timestamp"

    # Append-only: the history is never edited or deleted.
    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(StageTotal)
class StageTotalAdmin(admin.ModelAdmin):
    list_display = ("stage", "currency", "open_count", "open_value")
    list_select_related = ("stage",)

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("subject", "type", "due_date", "due_time", "done_at", "owner", "deal")
    list_filter = ("type", "owner")
    search_fields = ("subject", "deal__title", "person__name", "organization__name")
    list_select_related = ("owner", "deal")
    raw_id_fields = ("deal", "person", "organization")
    date_hierarchy = "due_date"


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "author", "deal", "person", "organization", "created_at")
    search_fields = ("body",)
    raw_id_fields = ("deal", "person", "organization")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "source",
        "owner",
        "expected_value",
        "currency",
        "status",
        "created_at",
    )
    list_filter = ("status", "source", "owner")
    search_fields = ("title", "person__name", "organization__name")
    raw_id_fields = ("person", "organization", "converted_deal")
    readonly_fields = ("status", "converted_deal")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("kind", "owner", "team", "pipeline", "stage", "interval", "target", "currency")
    list_filter = ("kind", "interval")
    raw_id_fields = ("owner", "set_by")
