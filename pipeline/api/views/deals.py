"""Deals: list, read, create, change, move, win, lose, reopen, notes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from pipeline import services
from pipeline.api import filters as api_filters
from pipeline.api import serializers as s
from pipeline.api.views.base import SOURCE, ApiViewSet
from pipeline.models import (
    Deal,
)
from pipeline.selectors import visibility
from pipeline.selectors.deals import deal_notes


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
    ApiViewSet,
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
