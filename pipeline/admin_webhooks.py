"""Admin pages for webhooks (issue 8): admins register a URL and pick events; each
webhook shows its delivery log with response codes. Loaded from PipelineConfig.ready()."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pipeline.models import Webhook, WebhookDelivery
from pipeline.services.webhooks import webhook_delete, webhook_save


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


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    max_num = 0
    ordering = ["-created_at"]
    fields = ["created_at", "event", "status", "attempts", "response_code", "error"]
    readonly_fields = fields
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
