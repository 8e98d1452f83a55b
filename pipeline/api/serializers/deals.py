"""Deals: what the API returns, and what a client sends to create, change or move one."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline.api.fields import (
    StrictSerializer,
    VisibleRelatedField,
)
from pipeline.api.serializers.common import (
    currency_field,
    lost_reasons,
    money_field,
    org_field,
    person_field,
    stage_field,
    user_field,
    version_field,
)
from pipeline.models import (
    Deal,
    LostReason,
    Note,
    StageChange,
)
from shared.validation import validate_date_range


# --- Deals ----------------------------------------------------------------------------------
class DealSerializer(serializers.ModelSerializer):
    value = money_field(read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "value",
            "currency",
            "pipeline",
            "stage",
            "status",
            "owner",
            "organization",
            "person",
            "expected_close_date",
            "lost_reason",
            "lost_note",
            "created_at",
            "stage_entered_at",
            "closed_at",
            "updated_at",
            "updated_by",
            "parked_until",
            "next_activity_date",
            "external_id",
            "version",
        ]
        read_only_fields = fields


class DealCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    stage = stage_field()
    owner = user_field(required=False)
    value = money_field(required=False, default=Decimal("0"))
    currency = currency_field(required=False)
    organization = org_field(required=False, allow_null=True)
    person = person_field(required=False, allow_null=True)
    expected_close_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_date_range],
    )
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)

    def validate_external_id(self, value: str | None) -> str | None:
        # Unique per owner, checked by deal_create once the owner is known to be allowed:
        # a clash with a deal the caller may not see must not tell them it exists.
        return (value or "").strip() or None


class DealUpdateSerializer(StrictSerializer):
    version = version_field()
    title = serializers.CharField(max_length=200, required=False)
    value = money_field(required=False)
    currency = currency_field(required=False)
    owner = user_field(required=False)
    organization = org_field(required=False, allow_null=True)
    person = person_field(required=False, allow_null=True)
    expected_close_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_date_range],
    )


class VersionSerializer(StrictSerializer):
    version = version_field()


class DealMoveSerializer(VersionSerializer):
    stage = stage_field()


class DealLoseSerializer(VersionSerializer):
    lost_reason = VisibleRelatedField(selector=lost_reasons, model=LostReason)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class StageChangeSerializer(serializers.ModelSerializer):
    # Empty for the row that records a deal's creation.
    from_status = serializers.ChoiceField(choices=[("", "-"), *Deal.Status.choices], read_only=True)

    class Meta:
        model = StageChange
        fields = [
            "id",
            "deal",
            "pipeline",
            "from_stage",
            "to_stage",
            "from_status",
            "to_status",
            "user",
            "timestamp",
            "source",
            "lost_reason",
            "note",
        ]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "body", "deal", "person", "organization", "author", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(StrictSerializer):
    # The service refuses a longer note with a message giving both lengths.
    body = serializers.CharField(
        help_text=_("The note's text, at most 10,000 characters."), trim_whitespace=True
    )
