"""API views: parse with a serializer, call one service or selector, serialize.

Every queryset comes from `pipeline.selectors.visibility` (404 for what the caller may not
see); every write goes through `pipeline.services` (403/409/422 from the service errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from pipeline import services
from pipeline.api import filters as api_filters
from pipeline.api import serializers as s
from pipeline.models import (
    Activity,
    Deal,
    Lead,
    LostReason,
    Organization,
    Person,
    Pipeline,
    Stage,
    StageChange,
)
from pipeline.selectors import visibility
from pipeline.selectors.deals import deal_notes, stage_change_list_visible
from pipeline.services import contacts
from shared.validation import is_id

SOURCE = "api"


class _ApiViewSet(viewsets.GenericViewSet):
    """Ids in URLs are parsed strictly: anything that is not a plausible id is a JSON 404."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user; the model is all it needs.
            return self.queryset
        return self.visible(self.request.user)

    def visible(self, user: User) -> QuerySet:
        raise NotImplementedError

    def get_object(self) -> Any:
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not is_id(raw):
            raise NotFound(_("This object does not exist or you may not see it."))
        try:
            obj = self.get_queryset().get(pk=int(raw))
        except self.get_queryset().model.DoesNotExist as exc:
            raise NotFound(_("This object does not exist or you may not see it.")) from exc
        self.check_object_permissions(self.request, obj)
        return obj

    def _respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        serializer_class = self.response_serializer
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, code)

    def _parse(self, serializer_class: type, **kwargs: Any) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class _ReadOnlyApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ApiViewSet):
    http_method_names = ["get", "head", "options"]


# --- Configuration --------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        description="Active colleagues: name and e-mail. Admins get every user, deactivated "
        "ones included, with their role, team and status, and may filter by them."
    )
)
class UserApi(_ReadOnlyApi):
    """Active colleagues' names and e-mails; admins see every user with role, team and status
    (read-only; admins manage users on the users page)."""

    serializer_class = s.ColleagueSerializer
    ordering_fields = ["id", "username", "first_name", "last_name", "updated_at"]
    ordering = ["id"]

    def _admin(self) -> bool:
        user = getattr(getattr(self, "request", None), "user", None)
        return bool(user is not None and getattr(user, "is_admin", False))

    @property
    def filterset_class(self) -> type:  # type: ignore[override]  # per request, not per class
        # A rep filtering by role or status would learn them: only admins may.
        return api_filters.UserFilter if self._admin() else api_filters.ColleagueFilter

    def get_serializer_class(self) -> type:
        return s.UserSerializer if self._admin() else s.ColleagueSerializer

    def get_queryset(self) -> QuerySet:
        users = User.objects.all()
        return users if self._admin() else users.filter(is_active=True)


class PipelineApi(_ReadOnlyApi):
    serializer_class = s.PipelineSerializer
    filterset_class = api_filters.PipelineFilter
    ordering_fields = ["id", "position", "name", "updated_at"]
    ordering = ["position", "id"]

    def get_queryset(self) -> QuerySet:
        return Pipeline.objects.all()


class StageApi(_ReadOnlyApi):
    serializer_class = s.StageSerializer
    filterset_class = api_filters.StageFilter
    ordering_fields = ["id", "position", "updated_at"]
    ordering = ["pipeline", "position", "id"]

    def get_queryset(self) -> QuerySet:
        return Stage.objects.all()


class LostReasonApi(_ReadOnlyApi):
    serializer_class = s.LostReasonSerializer
    filterset_class = api_filters.LostReasonFilter
    ordering_fields = ["id", "position", "name", "updated_at"]
    ordering = ["position", "name", "id"]

    def get_queryset(self) -> QuerySet:
        return LostReason.objects.all()


class StageChangeApi(_ReadOnlyApi):
    """The append-only history of stage moves and won/lost/reopen (read-only)."""

    queryset = StageChange.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.StageChangeSerializer
    filterset_class = api_filters.StageChangeFilter
    ordering_fields = ["id", "timestamp"]
    ordering = ["timestamp", "id"]

    def visible(self, user: User) -> QuerySet:
        return stage_change_list_visible(user)


# --- Deals ----------------------------------------------------------------------------------
@extend_schema_view(
    create=extend_schema(request=s.DealCreateSerializer, responses={201: s.DealSerializer}),
    partial_update=extend_schema(
        request=s.DealUpdateSerializer,
        responses={200: s.DealSerializer},
        description="Edit fields (not stage or status). Send the `version` you read.",
    ),
)
class DealApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ApiViewSet,
):
    queryset = Deal.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.DealSerializer
    response_serializer = s.DealSerializer
    filterset_class = api_filters.DealFilter
    ordering_fields = [
        "id",
        "created_at",
        "updated_at",
        "value",
        "expected_close_date",
        "closed_at",
        "title",
    ]
    ordering = ["-created_at", "-id"]

    def visible(self, user: User) -> QuerySet:
        return visibility.deal_list_visible(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._parse(s.DealCreateSerializer)
        deal = services.deal_create(
            actor=request.user, pipeline_stage=data.pop("stage"), source=SOURCE, **data
        )
        return self._respond(deal, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        data = self._parse(s.DealUpdateSerializer)
        version = data.pop("version")
        deal = services.deal_update(
            deal=deal, expected_version=version, actor=request.user, changes=data
        )
        return self._respond(deal)

    @extend_schema(request=s.DealMoveSerializer, responses={200: s.DealSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move an open deal to another stage of its pipeline."""
        deal = self.get_object()
        data = self._parse(s.DealMoveSerializer)
        deal = services.deal_move(
            deal=deal,
            to_stage=data["stage"],
            expected_version=data["version"],
            actor=request.user,
            source=SOURCE,
        )
        return self._respond(deal)

    @extend_schema(request=s.VersionSerializer, responses={200: s.DealSerializer})
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: str | None = None) -> Response:
        """Mark an open deal as won."""
        deal = self.get_object()
        data = self._parse(s.VersionSerializer)
        deal = services.deal_win(
            deal=deal, expected_version=data["version"], actor=request.user, source=SOURCE
        )
        return self._respond(deal)

    @extend_schema(request=s.DealLoseSerializer, responses={200: s.DealSerializer})
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: str | None = None) -> Response:
        """Mark an open deal as lost, with a reason."""
        deal = self.get_object()
        data = self._parse(s.DealLoseSerializer)
        deal = services.deal_lose(
            deal=deal,
            expected_version=data["version"],
            actor=request.user,
            reason=data["lost_reason"],
            note=data.get("note", ""),
            source=SOURCE,
        )
        return self._respond(deal)

    @extend_schema(methods=["GET"], request=None, responses={200: s.NoteSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=s.NoteCreateSerializer, responses={201: s.NoteSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """The deal's notes, newest first; POST adds one (if you may change the deal)."""
        deal = self.get_object()
        if request.method == "POST":
            data = self._parse(s.NoteCreateSerializer)
            note = services.note_create(actor=request.user, body=data["body"], deal=deal)
            return Response(s.NoteSerializer(note).data, status.HTTP_201_CREATED)
        page = self.paginate_queryset(deal_notes(deal=deal))
        return self.get_paginated_response(s.NoteSerializer(page, many=True).data)

    @extend_schema(request=s.VersionSerializer, responses={200: s.DealSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen a won or lost deal in the stage it closed in."""
        deal = self.get_object()
        data = self._parse(s.VersionSerializer)
        deal = services.deal_reopen(
            deal=deal, expected_version=data["version"], actor=request.user, source=SOURCE
        )
        return self._respond(deal)


# --- Contacts -------------------------------------------------------------------------------
class _ContactApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ApiViewSet,
):
    write_serializer: type
    patch_serializer: type
    ordering_fields = ["id", "name", "created_at", "updated_at"]
    ordering = ["name", "id"]

    def _create(self, actor: User, data: dict) -> Any:
        raise NotImplementedError

    def _update(self, obj: Any, actor: User, data: dict) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._parse(self.write_serializer)
        return self._respond(self._create(request.user, data), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        data = self._parse(self.patch_serializer)
        return self._respond(self._update(obj, request.user, data))


_DUPLICATE_ORGANIZATION = OpenApiResponse(
    s.DuplicateErrorSerializer,
    description="An organization with this name exists already (ignoring case and spacing): "
    "`existing` names it. Use that record, or send `allow_duplicate: true` to save anyway.",
)
_DUPLICATE_PERSON = OpenApiResponse(
    s.DuplicateErrorSerializer,
    description="A person with this email exists already: `existing` names them. Use that "
    "record, or send `allow_duplicate: true` to save anyway.",
)


def _contact_schema(
    read: type, write: type, patch: type, duplicate: OpenApiResponse
) -> Callable[[type], type]:
    """What a contact endpoint's create and partial update take and answer (409: a likely
    duplicate)."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read, 409: duplicate}),
        partial_update=extend_schema(request=patch, responses={200: read, 409: duplicate}),
    )


@_contact_schema(
    s.OrganizationSerializer,
    s.OrganizationWriteSerializer,
    s.OrganizationPatchSerializer,
    _DUPLICATE_ORGANIZATION,
)
class OrganizationApi(_ContactApi):
    queryset = Organization.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.OrganizationSerializer
    response_serializer = s.OrganizationSerializer
    write_serializer = s.OrganizationWriteSerializer
    patch_serializer = s.OrganizationPatchSerializer
    filterset_class = api_filters.OrganizationFilter

    def visible(self, user: User) -> QuerySet:
        return visibility.organization_list_visible(user)

    def _create(self, actor: User, data: dict) -> Any:
        return contacts.organization_create(actor=actor, **data)

    def _update(self, obj: Any, actor: User, data: dict) -> Any:
        allow = data.pop("allow_duplicate", False)
        return contacts.organization_update(
            organization=obj, actor=actor, changes=data, allow_duplicate=allow
        )


@_contact_schema(
    s.PersonSerializer, s.PersonWriteSerializer, s.PersonPatchSerializer, _DUPLICATE_PERSON
)
class PersonApi(_ContactApi):
    queryset = Person.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.PersonSerializer
    response_serializer = s.PersonSerializer
    write_serializer = s.PersonWriteSerializer
    patch_serializer = s.PersonPatchSerializer
    filterset_class = api_filters.PersonFilter

    def visible(self, user: User) -> QuerySet:
        return visibility.person_list_visible(user)

    def _create(self, actor: User, data: dict) -> Any:
        return contacts.person_create(actor=actor, **data)

    def _update(self, obj: Any, actor: User, data: dict) -> Any:
        allow = data.pop("allow_duplicate", False)
        return contacts.person_update(person=obj, actor=actor, changes=data, allow_duplicate=allow)


# --- Activities -----------------------------------------------------------------------------
@extend_schema_view(
    create=extend_schema(request=s.ActivityCreateSerializer, responses={201: s.ActivitySerializer}),
    partial_update=extend_schema(
        request=s.ActivityUpdateSerializer,
        responses={200: s.ActivitySerializer},
        description="Mark done / not done, or reschedule.",
    ),
)
class ActivityApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ApiViewSet,
):
    queryset = Activity.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.ActivitySerializer
    response_serializer = s.ActivitySerializer
    filterset_class = api_filters.ActivityFilter
    ordering_fields = ["id", "due_date", "created_at", "updated_at"]
    ordering = ["due_date", "due_time", "id"]

    def visible(self, user: User) -> QuerySet:
        return visibility.activity_list_visible(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._parse(s.ActivityCreateSerializer)
        activity = services.activity_create(actor=request.user, **data)
        return self._respond(activity, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity = self.get_object()
        data = self._parse(s.ActivityUpdateSerializer)
        activity = services.activity_update(activity=activity, actor=request.user, changes=data)
        return self._respond(activity)


# --- Leads ----------------------------------------------------------------------------------
_LEAD_WITHOUT_CONTACT = OpenApiResponse(
    s.ErrorSerializer,
    description="Invalid fields, or neither `person` nor `organization` was sent: a lead is "
    "always about someone (the lead form refuses the same).",
)


@extend_schema_view(
    create=extend_schema(
        request=s.LeadCreateSerializer,
        responses={201: s.LeadSerializer, 400: _LEAD_WITHOUT_CONTACT},
        description="Add a lead to an inbox, with the rules of the lead form: a lead is "
        "always about a person or an organization.",
    ),
)
class LeadApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    _ApiViewSet,
):
    queryset = Lead.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.LeadSerializer
    response_serializer = s.LeadSerializer
    filterset_class = api_filters.LeadFilter
    ordering_fields = ["id", "created_at", "updated_at", "expected_value"]
    ordering = ["-created_at", "-id"]

    def visible(self, user: User) -> QuerySet:
        return visibility.lead_list_visible(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._parse(s.LeadCreateSerializer)
        lead = services.lead_create(actor=request.user, **data)
        return self._respond(lead, status.HTTP_201_CREATED)

    @extend_schema(request=s.LeadConvertSerializer, responses={201: s.DealSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str | None = None) -> Response:
        """Qualify the lead into a deal in the given stage."""
        lead = self.get_object()
        data = self._parse(s.LeadConvertSerializer)
        deal: Deal = services.lead_convert(
            lead=lead,
            stage=data["stage"],
            actor=request.user,
            title=data.get("title"),
            value=data.get("value"),
            source=SOURCE,
        )
        return Response(
            s.DealSerializer(deal, context=self.get_serializer_context()).data,
            status.HTTP_201_CREATED,
        )
