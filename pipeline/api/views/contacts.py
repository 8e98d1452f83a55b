"""Organizations and people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from pipeline.api import filters as api_filters
from pipeline.api import serializers as s
from pipeline.api.views.base import ApiViewSet
from pipeline.models import (
    Organization,
    Person,
)
from pipeline.selectors import visibility
from pipeline.services import contacts


# --- Contacts -------------------------------------------------------------------------------
class _ContactApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
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
