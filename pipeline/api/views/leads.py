"""Leads in the inbox, and their conversion to deals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
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
    Lead,
)
from pipeline.selectors import visibility

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
    ApiViewSet,
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
