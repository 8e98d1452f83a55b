"""What every API viewset shares: visible rows only, parsing, answering with a serializer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import User
from shared.validation import is_id

SOURCE = "api"  # the history's source for changes made through the API


class ApiViewSet(viewsets.GenericViewSet):
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


class ReadOnlyApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    http_method_names = ["get", "head", "options"]
