"""The demo's leads inbox: open, parked and archived leads for the reps.

Deterministic (its own seeded random generator, whatever `--seed` says) and small: a few dozen
leads whatever the number of deals, so `seed_demo --deals 100000` stays fast.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from pipeline.models import Lead, Organization, Person

TOPICS = ["Inbound enquiry", "Expansion", "New site", "Pilot interest"]
SOURCES = ["Website form", "Trade fair", "Referral", "Cold outreach", "Webinar", "LinkedIn"]
LEAD_COUNT = 36


def seed_leads(*, seed: int = 6) -> int:
    """Leads in the inbox, in the future pool and archived, for the demo reps. Returns how
    many leads were added."""
    rng = random.Random(seed)
    reps = list(User.objects.filter(role=User.Role.REP, is_active=True).order_by("id")[:6])
    orgs = list(Organization.objects.order_by("-id")[:LEAD_COUNT])
    if not reps or not orgs:
        return 0
    today = timezone.localdate()
    now = timezone.now().replace(microsecond=0)
    leads = []
    for i, org in enumerate(orgs):
        person = Person.objects.filter(organization=org).order_by("id").first()
        status, parked = Lead.Status.OPEN, None
        if i % 6 == 4:
            parked = today + datetime.timedelta(days=rng.randint(7, 120))
        elif i % 9 == 8:
            status = Lead.Status.ARCHIVED
        leads.append(
            Lead(
                title=f"{org.name}: {rng.choice(TOPICS)}",
                source=rng.choice(SOURCES),
                organization=org,
                person=person,
                owner=reps[i % len(reps)],
                expected_value=Decimal(rng.randrange(2000, 60000, 500)),
                status=status,
                parked_until=parked,
                created_at=now - datetime.timedelta(days=rng.randint(0, 20), hours=i),
                updated_at=now,
            )
        )
    Lead.objects.bulk_create(leads)
    return len(leads)
