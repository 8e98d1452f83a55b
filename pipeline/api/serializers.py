"""What the API reads and writes. Response serializers mirror the models; request
serializers list exactly what a client may send, and ids go through visibility selectors."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from pipeline.api.fields import (
    BlankableEmailField,
    BlankableURLField,
    ClockTimeField,
    MoneyInputField,
    StrictSerializer,
    VisibleRelatedField,
)
from pipeline.models import (
    Activity,
    Deal,
    Lead,
    LostReason,
    Note,
    Organization,
    Person,
    Pipeline,
    Stage,
    StageChange,
)
from pipeline.selectors import visibility
from shared.validation import validate_date_range

MAX_VALUE = Decimal("999999999999.99")


def _users(user: User):  # noqa: ANN202 - a queryset
    return User.objects.all()


def _stages(user: User):  # noqa: ANN202
    return Stage.objects.select_related("pipeline")


def _lost_reasons(user: User):  # noqa: ANN202
    return LostReason.objects.all()


def _user_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=_users, model=User, **kw)


def _org_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(
        selector=visibility.organization_list_visible, model=Organization, **kw
    )


def _person_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=visibility.person_list_visible, model=Person, **kw)


def _deal_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=visibility.deal_list_visible, model=Deal, **kw)


def _stage_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=_stages, model=Stage, **kw)


def _money(**kw) -> serializers.DecimalField:
    # Responses: a decimal string. Requests: a decimal string or a JSON number.
    cls = serializers.DecimalField if kw.get("read_only") else MoneyInputField
    return cls(max_digits=14, decimal_places=2, min_value=Decimal("0"), max_value=MAX_VALUE, **kw)


def _currency(**kw) -> serializers.RegexField:
    return serializers.RegexField(
        r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Use a three-letter currency code such as EUR.")},
        **kw,
    )


# --- Configuration (read-only) --------------------------------------------------------------
class ColleagueSerializer(serializers.ModelSerializer):
    """What every user may know about an active colleague: name and work e-mail."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "full_name", "email", "updated_at"]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str:
        return str(obj)


class UserSerializer(serializers.ModelSerializer):
    """Admins: every user, with role, team and status."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "role",
            "team",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str:
        return str(obj)


class PipelineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pipeline
        fields = ["id", "name", "position", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    requirements = serializers.ListField(
        child=serializers.ChoiceField(choices=Stage.Requirement.choices), read_only=True
    )

    class Meta:
        model = Stage
        fields = [
            "id",
            "pipeline",
            "name",
            "position",
            "win_probability",
            "rotting_days",
            "is_active",
            "definition_of_done",
            "requirements",
            "is_moment_of_truth",
            "updated_at",
        ]
        read_only_fields = fields


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "position", "is_active", "updated_at"]
        read_only_fields = fields


# --- Deals ----------------------------------------------------------------------------------
class DealSerializer(serializers.ModelSerializer):
    value = _money(read_only=True)

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
    stage = _stage_field()
    owner = _user_field(required=False)
    value = _money(required=False, default=Decimal("0"))
    currency = _currency(required=False)
    organization = _org_field(required=False, allow_null=True)
    person = _person_field(required=False, allow_null=True)
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


def _version() -> serializers.IntegerField:
    """The deal's version as the client read it: required wherever a client writes a deal, so
    optimistic locking is never switched off by leaving it out."""
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The deal's version as the client last read it (optimistic locking)."),
        error_messages={
            "required": _(
                "Send the deal's version as you last read it; it keeps you from overwriting "
                "someone else's change."
            )
        },
    )


class DealUpdateSerializer(StrictSerializer):
    version = _version()
    title = serializers.CharField(max_length=200, required=False)
    value = _money(required=False)
    currency = _currency(required=False)
    owner = _user_field(required=False)
    organization = _org_field(required=False, allow_null=True)
    person = _person_field(required=False, allow_null=True)
    expected_close_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_date_range],
    )


class VersionSerializer(StrictSerializer):
    version = _version()


class DealMoveSerializer(VersionSerializer):
    stage = _stage_field()


class DealLoseSerializer(VersionSerializer):
    lost_reason = VisibleRelatedField(selector=_lost_reasons, model=LostReason)
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
    owner = _user_field(
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
    organization = _org_field(required=False, allow_null=True)
    job_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_decision_maker = serializers.BooleanField(required=False)
    email = BlankableEmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    owner = _user_field(
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
    deal = _deal_field(required=False, allow_null=True)
    person = _person_field(required=False, allow_null=True)
    organization = _org_field(required=False, allow_null=True)
    owner = _user_field(required=False)
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


# --- Leads ----------------------------------------------------------------------------------
class LeadSerializer(serializers.ModelSerializer):
    expected_value = _money(read_only=True)

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
    person = _person_field(required=False, allow_null=True)
    organization = _org_field(required=False, allow_null=True)
    owner = _user_field(required=False)
    expected_value = _money(required=False, default=Decimal("0"))
    currency = _currency(required=False)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        # The lead form's rule (pipeline.forms.contacts.LeadForm), refused as a 400 here too;
        # `pipeline.services.leads.lead_create` checks it again for every other caller.
        if not (attrs.get("person") or attrs.get("organization")):
            raise serializers.ValidationError(
                {"person": [_("A lead needs a person or an organization to talk to.")]}
            )
        return attrs


class LeadConvertSerializer(StrictSerializer):
    stage = _stage_field()
    title = serializers.CharField(max_length=200, required=False)
    value = _money(required=False)


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
