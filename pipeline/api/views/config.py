"""The configuration a client reads: users, pipelines, stages, lost reasons, history."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from accounts.models import User
from pipeline.api import filters as api_filters
from pipeline.api import serializers as s
from pipeline.api.views.base import ReadOnlyApi
from pipeline.models import (
    LostReason,
    Pipeline,
    Stage,
    StageChange,
)
from pipeline.selectors.deals import stage_change_list_visible


# --- Configuration --------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        description="Active colleagues: name and e-mail. Admins get every user, deactivated "
        "ones included, with their role, team and status, and may filter by them."
    )
)
class UserApi(ReadOnlyApi):
    """Active colleagues' names and e-mails; admins see every user with role, team and status
    (read-only; admins manage users on the users page)."""

    serializer_class = s.ColleagueSerializer
    ordering_fields = ["id", "username", "first_name", "last_name", "updated_at"]
    ordering = ["id"]

    def _admin(self) -> bool:
        user = getattr(getattr(self, "request", None), "user", None)
        return bool(user is not None and getattr(user, "is_admin", False))

    @property
    def filterset_class(self) -> type:  # per request, not per class
        # A rep filtering by role or status would learn them: only admins may.
        return api_filters.UserFilter if self._admin() else api_filters.ColleagueFilter

    def get_serializer_class(self) -> type:
        return s.UserSerializer if self._admin() else s.ColleagueSerializer

    def get_queryset(self) -> QuerySet:
        users = User.objects.all()
        return users if self._admin() else users.filter(is_active=True)


class PipelineApi(ReadOnlyApi):
    serializer_class = s.PipelineSerializer
    filterset_class = api_filters.PipelineFilter
    ordering_fields = ["id", "position", "name", "updated_at"]
    ordering = ["position", "id"]

    def get_queryset(self) -> QuerySet:
        return Pipeline.objects.all()


class StageApi(ReadOnlyApi):
    serializer_class = s.StageSerializer
    filterset_class = api_filters.StageFilter
    ordering_fields = ["id", "position", "updated_at"]
    ordering = ["pipeline", "position", "id"]

    def get_queryset(self) -> QuerySet:
        return Stage.objects.all()


class LostReasonApi(ReadOnlyApi):
    serializer_class = s.LostReasonSerializer
    filterset_class = api_filters.LostReasonFilter
    ordering_fields = ["id", "position", "name", "updated_at"]
    ordering = ["position", "name", "id"]

    def get_queryset(self) -> QuerySet:
        return LostReason.objects.all()


class StageChangeApi(ReadOnlyApi):
    """The append-only history of stage moves and won/lost/reopen (read-only)."""

    queryset = StageChange.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = s.StageChangeSerializer
    filterset_class = api_filters.StageChangeFilter
    ordering_fields = ["id", "timestamp"]
    ordering = ["timestamp", "id"]

    def visible(self, user: User) -> QuerySet:
        return stage_change_list_visible(user)
