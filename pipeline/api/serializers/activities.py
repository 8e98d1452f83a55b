"""Activities: calls, meetings, tasks and the rest."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline.api.fields import (
    ClockTimeField,
    StrictSerializer,
)
from pipeline.api.serializers.common import (
    deal_field,
    org_field,
    person_field,
    user_field,
)
from pipeline.models import (
    Activity,
)
from shared.validation import validate_date_range


# --- Activities -----------------------------------------------------------------------------
class ActivitySerializer(serializers.ModelSerializer):
    done = serializers.SerializerMethodField()
    due_time = ClockTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "type",
            "subject",
            "due_date",
            "due_time",
            "duration_minutes",
            "done",
            "done_at",
            "deal",
            "person",
            "organization",
            "owner",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_done(self, obj: Activity) -> bool:
        return obj.done_at is not None


class ActivityCreateSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=Activity.Type.choices)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(
        validators=[validate_date_range],
    )
    due_time = ClockTimeField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=24 * 60, required=False, allow_null=True
    )
    deal = deal_field(required=False, allow_null=True)
    person = person_field(required=False, allow_null=True)
    organization = org_field(required=False, allow_null=True)
    owner = user_field(required=False)
    note = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    done = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_("Omit to mark activities dated in the past as done."),
    )

    def validate(self, attrs: dict) -> dict:
        if not any(attrs.get(k) for k in ("deal", "person", "organization")):
            raise serializers.ValidationError(
                {"deal": [_("An activity must belong to a deal, a person or an organization.")]}
            )
        return attrs


class ActivityUpdateSerializer(StrictSerializer):
    done = serializers.BooleanField(required=False)
    due_date = serializers.DateField(
        required=False,
        validators=[validate_date_range],
    )
    due_time = ClockTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        if "due_time" in attrs and "due_date" not in attrs:
            raise serializers.ValidationError(
                {"due_date": [_("Send the due date together with the due time.")]}
            )
        return attrs
