"""Errors the services raise; views and the API turn each into a 4xx with its message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the rules refuse. `message` is translated and meant for the user; `deal`, when
    set, is the deal as it truly is now (a `pipeline.models.Deal`), which the board redraws."""

    status_code = 400

    def __init__(self, message: str, *, deal: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.deal = deal


class NotVisible(ServiceError):
    """The object does not exist for this user (rendered as 404)."""

    status_code = 404


class NotAllowed(ServiceError):
    """The user may see the object but not change it (403)."""

    status_code = 403


class VersionConflict(ServiceError):
    """Someone else changed the deal since the client read it (409). `deal` is the truth."""

    status_code = 409


class RuleViolation(ServiceError):
    """The change breaks a business rule: wrong pipeline, missing requirements, … (422)."""

    status_code = 422

    def __init__(self, message: str, *, deal: Any = None, missing: list[str] | None = None) -> None:
        super().__init__(message, deal=deal)
        self.missing = missing or []


class DuplicateFound(ServiceError):
    """A person with this email or an organization with this name exists already (409).

    `existing` holds the matching records so the form can offer them instead; the caller
    may retry with `allow_duplicate=True` when the user really wants a second record.
    """

    status_code = 409

    def __init__(self, message: str, *, existing: list) -> None:  # noqa: ANN401
        super().__init__(message)
        self.existing = existing
