"""What every configuration change checks first: an admin, a clean name, the pipeline locked."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Pipeline
from shared.errors import NotAllowed, RuleViolation


def check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_("Only an admin can change pipelines, stages and lost reasons."))


def clean_name(raw: object, *, what: str, max_length: int = 100) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise RuleViolation(_("The %(what)s needs a name.") % {"what": what})
    if len(name) > max_length:
        raise RuleViolation(
            _("The name is too long: at most %(n)d characters.") % {"n": max_length}
        )
    return name


def lock_pipeline(pipeline_id: int) -> Pipeline:
    """Serialises configuration changes of one pipeline (positions, moment of truth)."""
    return Pipeline.objects.select_for_update().get(pk=pipeline_id)
