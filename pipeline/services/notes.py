"""Notes: free text on a deal, a person or an organization (one model for all three).

Who may write a note (issue 15 item 20, issue 16 item 3):
- on a deal: whoever may change the deal (its owner, their manager, an admin). A note on a
  deal can meet a stage's "A note is attached" requirement, so it is a change to the deal;
  a rep who only sees a colleague's deal reads its notes but cannot add one.
- on a person or an organization: every user. Contacts are the company's shared address
  book, and a note only adds an authored, dated line to it; it changes none of the contact's
  fields, which stay editable only by their owner, the owner's manager and admins.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import RuleViolation
from pipeline.models import Deal, Note, Organization, Person
from pipeline.selectors.visibility import deal_check_edit

NOTE_MAX_LENGTH = 10_000


@transaction.atomic
def note_create(
    *,
    actor: User,
    body: str,
    deal: Deal | None = None,
    person: Person | None = None,
    organization: Organization | None = None,
) -> Note:
    """Add a note to exactly one of a deal, a person or an organization."""
    if sum(x is not None for x in (deal, person, organization)) != 1:
        raise RuleViolation(_("A note belongs to one deal, person or organization."))
    body = (body or "").strip()
    if not body:
        raise RuleViolation(_("Write something in the note."))
    if len(body) > NOTE_MAX_LENGTH:
        raise RuleViolation(
            _(
                "A note is at most %(max)s characters; this one has %(count)s. "
                "Shorten it or split it into two notes."
            )
            % {"max": f"{NOTE_MAX_LENGTH:,}", "count": f"{len(body):,}"}
        )
    if deal is not None:
        deal_check_edit(actor, deal)
    return Note.objects.create(
        body=body, deal=deal, person=person, organization=organization, author=actor
    )
