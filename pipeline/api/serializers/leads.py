"""Leads in the inbox, and their conversion to deals."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline.api.fields import (
    StrictSerializer,
)
from pipeline.api.serializers.common import (
    currency_field,
    money_field,
    org_field,
    person_field,
    stage_field,
    user_field,
)
from pipeline.models import (
    Lead,
)


# --- Leads ----------------------------------------------------------------------------------
class LeadSerializer(serializers.ModelSerializer):
    expected_value = money_field(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "source",
            "person",
            "organization",
            "owner",
            "expected_value",
            "currency",
            "status",
            "parked_until",
            "converted_deal",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LeadCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    person = person_field(required=False, allow_null=True)
    organization = org_field(required=False, allow_null=True)
    owner = user_field(required=False)
    expected_value = money_field(required=False, default=Decimal("0"))
    currency = currency_field(required=False)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        # The lead form's rule (pipeline.forms.leads.LeadForm), refused as a 400 here too;
        # `pipeline.services.leads.lead_create` checks it again for every other caller.
        if not (attrs.get("person") or attrs.get("organization")):
            raise serializers.ValidationError(
                {"person": [_("A lead needs a person or an organization to talk to.")]}
            )
        return attrs


class LeadConvertSerializer(StrictSerializer):
    stage = stage_field()
    title = serializers.CharField(max_length=200, required=False)
    value = money_field(required=False)
