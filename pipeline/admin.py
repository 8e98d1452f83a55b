"""Django admin for every model.

The admin writes past the services, so models whose writes carry rules are view-only here:
deals (version, history, board totals, owner rules), activities (a deal's next activity,
goals), stages and pipelines (totals, archiving, ordering). They are changed in the app, which
calls the services. `created_at` is never editable.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
    Webhook,
    WebhookDelivery,
)
from pipeline.services.webhooks import webhook_delete, webhook_save


class ViewOnlyAdmin(admin.ModelAdmin):
    """Shown, never written: every change goes through the app and its services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("position", "name", "win_probability", "rotting_days", "is_active")
    readonly_fields = fields
    ordering = ("position",)

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Pipeline)
class PipelineAdmin(ViewOnlyAdmin):
    list_display = ("name", "position", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(ViewOnlyAdmin):
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
    readonly_fields = ("created_at",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "job_title", "is_decision_maker", "email", "phone")
    list_filter = ("is_decision_maker",)
    search_fields = ("name", "email", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at",)


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
class DealAdmin(ViewOnlyAdmin):
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
    inlines = [StageChangeInline]


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
class ActivityAdmin(ViewOnlyAdmin):
    list_display = ("subject", "type", "due_date", "due_time", "done_at", "owner", "deal")
    list_filter = ("type", "owner")
    search_fields = ("subject", "deal__title", "person__name", "organization__name")
    list_select_related = ("owner", "deal")
    date_hierarchy = "due_date"


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "author", "deal", "person", "organization", "created_at")
    search_fields = ("body",)
    raw_id_fields = ("deal", "person", "organization")
    readonly_fields = ("created_at",)


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
    readonly_fields = ("status", "converted_deal", "created_at")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("kind", "owner", "team", "pipeline", "stage", "interval", "target", "currency")
    list_filter = ("kind", "interval")
    raw_id_fields = ("owner", "set_by")
    readonly_fields = ("created_at",)


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "description", "events", "is_active"]
        # A URL typed without a scheme means https (Django 6's default, chosen explicitly).
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("The URL must start with https:// or http://."))
        return url


class _AdminsOnly:
    """Webhooks send company data out: only admins (not every staff user) manage them."""

    def has_module_permission(self, request) -> bool:  # noqa: ANN001
        return request.user.is_active and request.user.is_admin

    def has_view_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


# A delivery is a record of what was sent: every column shown, none editable.
DELIVERY_FIELDS = ("created_at", "event", "status", "attempts", "response_code", "error")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    max_num = 0
    ordering = ["-created_at"]
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS
    show_change_link = True


@admin.register(Webhook)
class WebhookAdmin(_AdminsOnly, admin.ModelAdmin):
    form = WebhookForm

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return self.has_module_permission(request)

    list_display = ["__str__", "url", "is_active", "created_at"]
    readonly_fields = ["secret", "created_by", "created_at"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        # Through the service, which issues the secret and refreshes the subscriptions.
        saved = webhook_save(
            actor=request.user,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data.get("description", ""),
            is_active=form.cleaned_data.get("is_active", True),
            webhook=obj if change else None,
        )
        obj.pk, obj.secret = saved.pk, saved.secret

    # Deleting one webhook or several ("delete selected") goes through the service too, which
    # forgets the cached subscriptions after commit.
    def delete_model(self, request, obj) -> None:  # noqa: ANN001
        webhook_delete(actor=request.user, webhooks=[obj])

    def delete_queryset(self, request, queryset) -> None:  # noqa: ANN001
        webhook_delete(actor=request.user, webhooks=list(queryset))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_AdminsOnly, admin.ModelAdmin):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_code"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
