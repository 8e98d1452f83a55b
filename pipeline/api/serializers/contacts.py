"""Organizations, people and notes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline.api.fields import (
    BlankableEmailField,
    BlankableURLField,
    StrictSerializer,
)
from pipeline.api.serializers.common import (
    org_field,
    user_field,
)
from pipeline.models import (
    Organization,
    Person,
)


# --- Contacts -------------------------------------------------------------------------------
class OrganizationSerializer(serializers.ModelSerializer):
    website = BlankableURLField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "website",
            "industry",
            "address",
            "budget_notes",
            "timeline_notes",
            "notes",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganizationWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    website = BlankableURLField(max_length=200, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    budget_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    timeline_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    owner = user_field(
        required=False,
        allow_null=True,
        help_text=_("On creation, an omitted or null owner is the caller."),
    )
    allow_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Save even when an organization with this name exists (otherwise a 409 names it)."
        ),
    )


class OrganizationPatchSerializer(OrganizationWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)


class PersonSerializer(serializers.ModelSerializer):
    email = BlankableEmailField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "organization",
            "job_title",
            "is_decision_maker",
            "email",
            "phone",
            "notes",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PersonWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    organization = org_field(required=False, allow_null=True)
    job_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_decision_maker = serializers.BooleanField(required=False)
    email = BlankableEmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    owner = user_field(
        required=False,
        allow_null=True,
        help_text=_("On creation, an omitted or null owner is the caller."),
    )
    allow_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Save even when a person has this email (otherwise a 409 names them)."),
    )


class PersonPatchSerializer(PersonWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
