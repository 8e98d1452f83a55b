"""Activities."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from pipeline import services
from pipeline.api import filters as api_filters
from pipeline.api import serializers as s
from pipeline.api.views.base import ApiViewSet
from pipeline.models import (
    Activity,
)
from pipeline.selectors import visibility


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
    ApiViewSet,
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
