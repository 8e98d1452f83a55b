"""What the demo steps share while they run."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from pipeline.models import LostReason, Organization, Person, Pipeline, Stage


@dataclass
class DemoRun:
    """The options, one seeded random generator, the clock, and what earlier steps made.

    Every step draws from the same generator, in step order, so the data depends only on the
    seed, the options and the day it is seeded: moving a step or a draw changes the data.
    """

    seed: int
    deal_count: int
    rep_count: int
    open_only: bool
    rng: random.Random = field(init=False)
    now: datetime.datetime = field(init=False)
    today: datetime.date = field(init=False)
    # Filled by the steps, in order: users, pipelines, contacts, deals.
    reps: list[User] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    b2b: Pipeline = field(init=False)
    partners: Pipeline = field(init=False)
    stages: dict[int, list[Stage]] = field(default_factory=dict)
    lost_reasons: list[LostReason] = field(default_factory=list)
    orgs: list[Organization] = field(default_factory=list)
    org_people: dict[int, list[Person]] = field(default_factory=dict)
    # The deals step numbers its history rows and activities from these, so at the end they
    # are how many it wrote.
    change_count: int = 0
    activity_count: int = 0
    wins_today: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
