"""The error bodies the API answers with, for the schema."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline.api.serializers.deals import DealSerializer


class ExistingRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DuplicateErrorSerializer(serializers.Serializer):
    """The body of a 409 from the contacts' duplicate guard."""

    detail = serializers.CharField(help_text=_("What exists already, and what to do."))
    code = serializers.ChoiceField(choices=[("duplicate", "duplicate")])
    existing = ExistingRecordSerializer(
        many=True, help_text=_("The records that already have this name or email.")
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text=_("Messages per field.")
    )
    missing = serializers.ListField(child=serializers.CharField(), required=False)
    deal = DealSerializer(required=False, help_text=_("The deal as it is now (409, 422)."))


class RuleErrorSerializer(serializers.Serializer):
    """The body of a 422: a business rule refused the change."""

    detail = serializers.CharField(help_text=_("What the rule is and what to do."))
    code = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("What the deal still lacks for the stage (entry requirements)."),
    )
    deal = DealSerializer(
        required=False,
        help_text=_(
            "The stored deal as it is now, when the refused change was to an existing deal; "
            "absent when the deal would have been new."
        ),
    )
