"""Deterministic, realistic demo data: a team, two pipelines and about a year of history.

It writes through bulk inserts (not the services) so that `--deals 100000` stays fast, and
builds the same history rows the services would write: one StageChange for a deal's entry,
one per stage move and one per win, loss or reopen. `stage_totals_rebuild` then sets the board
totals from the deals. The tests check that the result is what the services would produce.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Team, User
from pipeline.demo.currencies import seed_currencies
from pipeline.demo.goals import seed_goals
from pipeline.demo.leads import seed_leads
from pipeline.models import (
    Activity,
    Deal,
    LostReason,
    Organization,
    Person,
    Pipeline,
    Stage,
    StageChange,
)
from pipeline.services import stage_totals_rebuild

DEMO_PASSWORD = "stagecoach"  # noqa: S105 - printed for the demo; never used in production

B2B_STAGES = [
    # name, win probability, rotting days, requirements, definition of done
    ("Prospecting", 10, 14, [], "A target account with a reason to talk to us."),
    (
        "First contact with decision maker",
        20,
        10,
        ["person"],
        "We spoke with the person who decides, and they agreed to explore.",
    ),
    (
        "Needs analysis",
        40,
        14,
        ["done_call"],
        "Their problem, budget and timeline are written down.",
    ),
    (
        "Proposal",
        60,
        10,
        ["done_meeting", "decision_maker", "value"],
        "A priced proposal is in the decision maker's hands.",
    ),
    ("Negotiation", 80, 7, ["expected_close_date"], "Terms agreed in principle."),
    ("Contract", 90, 7, [], "The contract is out for signature."),
]
PARTNER_STAGES = [
    ("Introduced", 10, 21, [], ""),
    ("Qualified", 30, 21, [], ""),
    ("Pilot", 60, 30, [], ""),
    ("Agreement", 85, 14, [], ""),
]
LOST_REASONS = [
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision / went silent",
    "Bad timing",
    "Not a fit",
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Chen",
    "Dana",
    "Eero",
    "Farah",
    "Gábor",
    "Hana",
    "Ivan",
    "Julia",
    "Kai",
    "Linh",
    "Mika",
    "Nora",
    "Omar",
    "Petra",
    "Quang",
    "Rosa",
    "Siti",
    "Tom",
    "Uma",
    "Viktor",
    "Wei",
    "Xenia",
    "Yusuf",
    "Zsófia",
    "Aino",
    "Bao",
    "Carmen",
    "Dmitri",
    "Elif",
    "Finn",
]
LAST_NAMES = [
    "Andersson",
    "Bakar",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "García",
    "Horváth",
    "Ibrahim",
    "Jensen",
    "Kovács",
    "Lee",
    "Müller",
    "Nguyen",
    "Okafor",
    "Pham",
    "Quinn",
    "Rossi",
    "Santos",
    "Tan",
    "Ueda",
    "Virtanen",
    "Wang",
    "Yılmaz",
    "Zhang",
    "Korhonen",
]
ORG_PREFIX = [
    "Acme",
    "Northwind",
    "Blue Harbor",
    "Granite",
    "Lumen",
    "Kestrel",
    "Orchid",
    "Summit",
    "Tidewater",
    "Vertex",
    "Juniper",
    "Copperleaf",
    "Mosaic",
    "Pioneer",
    "Silverline",
    "Evergreen",
    "Redwood",
    "Aurora",
    "Falcon",
    "Meridian",
    "Nimbus",
    "Polaris",
    "Sapphire",
]
ORG_SUFFIX = [
    "Logistics",
    "Foods",
    "Analytics",
    "Health",
    "Robotics",
    "Energy",
    "Retail",
    "Media",
    "Capital",
    "Systems",
    "Labs",
    "Manufacturing",
    "Travel",
    "Education",
    "Pharma",
    "Telecom",
]
INDUSTRIES = [
    "Logistics",
    "Food & beverage",
    "Software",
    "Healthcare",
    "Manufacturing",
    "Energy",
    "Retail",
    "Media",
    "Finance",
    "Education",
    "Travel",
    "Telecom",
]
TITLES = [
    "Head of Operations",
    "CFO",
    "IT Manager",
    "Procurement Lead",
    "COO",
    "CTO",
    "Office Manager",
    "Sales Director",
    "CEO",
    "Finance Analyst",
]
DEAL_WORDS = [
    "licences",
    "rollout",
    "pilot",
    "renewal",
    "expansion",
    "integration",
    "support plan",
    "training",
    "upgrade",
    "migration",
]
REPS = [
    ("alex", "Alex", "Rivera"),
    ("sam", "Sam", "Okafor"),
    ("priya", "Priya", "Nair"),
    ("jonas", "Jonas", "Virtanen"),
    ("mei", "Mei", "Tan"),
]
ACTIVITY_SUBJECTS = {
    Activity.Type.CALL: ["Discovery call", "Follow-up call", "Check-in call", "Pricing call"],
    Activity.Type.MEETING: ["Needs analysis meeting", "On-site visit", "Stakeholder meeting"],
    Activity.Type.EMAIL: ["Send proposal", "Send case study", "Send contract draft"],
    Activity.Type.DEMO: ["Product demo", "Technical deep dive"],
    Activity.Type.TASK: ["Prepare quote", "Update forecast notes", "Check references"],
}


class Command(BaseCommand):
    help = "Fill an empty database with deterministic demo data (users, pipelines, deals)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=600, help="How many deals (default 600).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument("--reps", type=int, default=len(REPS), help="How many reps.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has deals (used by `make run`).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the database first (every row, users included), then seed. Demo and "
            "development databases only: refused unless DEBUG=1.",
        )
        parser.add_argument(
            "--open-only",
            action="store_true",
            help="Only open deals in the main pipeline (for benchmarks).",
        )

    def handle(self, *args: object, **opts: object) -> None:
        deals = int(opts["deals"])  # type: ignore[arg-type]
        if deals < 0:
            raise CommandError("--deals must be 0 or more.")
        if opts["reset"]:
            if opts["if_empty"]:
                raise CommandError("Choose --reset or --if-empty, not both.")
            if not settings.DEBUG:
                raise CommandError(
                    "--reset erases every row of the database; it runs only with DEBUG=1, "
                    "on a demo or development database."
                )
            # Django's flush: every table emptied in one transaction, sequences reset.
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Emptied the database.")
        if opts["if_empty"] and (Deal.objects.exists() or User.objects.exists()):
            self.stdout.write("Database already has data; not seeding.")
            return
        if Deal.objects.exists():
            raise CommandError(
                "The database already has deals; seed_demo fills an empty database only "
                "(--reset empties it first)."
            )
        started = time.monotonic()
        seeder = _Seeder(
            seed=int(opts["seed"]),  # type: ignore[arg-type]
            reps=int(opts["reps"]),  # type: ignore[arg-type]
            open_only=bool(opts["open_only"]),
        )
        with transaction.atomic():
            seeder.users()
            seeder.pipelines()
            seeder.contacts(max(20, deals // 4))
            seeder.deals(deals)
            seed_currencies()  # issue 10
            stage_totals_rebuild()
            seed_leads()
            seed_goals(deals=deals)  # issues 6 and 7: weekly, revenue and stage goals
        _reset_sequences()
        _analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {deals} deals, {seeder.change_count} stage changes and "
                f"{seeder.activity_count} activities in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in seeder.logins:
            self.stdout.write(f"  {username:<10} {role}")


def _analyze() -> None:
    """Give the planner statistics of the bulk-loaded tables at once. Without them (a server
    with autovacuum off, or before its first round) PostgreSQL guesses one row per filter and
    picks nested loops that took a 100,000-deal dashboard from 1.5 s to minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _reset_sequences() -> None:
    # Rows were inserted with explicit ids; PostgreSQL's sequences must move past them.
    from django.apps import apps

    models = [m for app in ("accounts", "pipeline") for m in apps.get_app_config(app).get_models()]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _Seeder:
    def __init__(self, *, seed: int, reps: int, open_only: bool) -> None:
        self.rng = random.Random(seed)
        self.rep_count = reps
        self.open_only = open_only
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.change_count = 0
        self.activity_count = 0
        self.wins_today = 0
        self.logins: list[tuple[str, str]] = []

    def _day_start(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))

    def _close_time(
        self, outcome: str, *, drawn: datetime.datetime, after: datetime.datetime
    ) -> datetime.datetime:
        """When a closed deal closed. The first few wins close today and about one closed deal
        in eight in the last ten days, so "won this month" and the recent weeks are not empty
        on a first look; the rest as their history drew it (at least ten days ago)."""
        rng = self.rng
        local_now = timezone.localtime(self.now)
        today_minutes = local_now.hour * 60 + local_now.minute
        if outcome == Deal.Status.WON and self.wins_today < 3:
            self.wins_today += 1
            when = self.now - datetime.timedelta(minutes=rng.randint(0, today_minutes))
        elif rng.random() < 0.12:
            when = self.now - datetime.timedelta(days=rng.random() * 10)
        else:
            return drawn
        return max(after, when)

    # --- people who log in ------------------------------------------------------------------
    def users(self) -> None:
        from django.contrib.auth.hashers import make_password

        password = make_password(DEMO_PASSWORD)
        admin = User.objects.create(
            username="admin",
            first_name="Ada",
            last_name="Admin",
            email="admin@example.com",
            role=User.Role.ADMIN,
            is_staff=True,
            is_superuser=True,
            password=password,
        )
        manager = User.objects.create(
            username="maria",
            first_name="Maria",
            last_name="Lind",
            email="maria@example.com",
            role=User.Role.MANAGER,
            password=password,
        )
        team = Team.objects.create(name="Field Sales", manager=manager)
        reps = []
        for i in range(self.rep_count):
            if i < len(REPS):
                username, first, last = REPS[i]
            else:
                first = FIRST_NAMES[i % len(FIRST_NAMES)]
                last = LAST_NAMES[(i * 7) % len(LAST_NAMES)]
                username = f"rep{i + 1}"
            reps.append(
                User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@example.com",
                    role=User.Role.REP,
                    team=team,
                    password=password,
                )
            )
        User.objects.bulk_create(reps)
        self.reps = list(User.objects.filter(role=User.Role.REP).order_by("id"))
        self.admin, self.manager = admin, manager
        self.logins = [("admin", "admin"), ("maria", "manager")] + [
            (r.username, "rep") for r in self.reps[:5]
        ]

    # --- configuration ----------------------------------------------------------------------
    def pipelines(self) -> None:
        self.b2b = Pipeline.objects.create(name="B2B Sales", position=0)
        self.partners = Pipeline.objects.create(name="Partnerships", position=1)
        for pipeline, spec in ((self.b2b, B2B_STAGES), (self.partners, PARTNER_STAGES)):
            Stage.objects.bulk_create(
                Stage(
                    pipeline=pipeline,
                    name=name,
                    position=i,
                    win_probability=prob,
                    rotting_days=rot,
                    requirements=req,
                    definition_of_done=done,
                    is_moment_of_truth=(name == "Proposal"),
                )
                for i, (name, prob, rot, req, done) in enumerate(spec)
            )
        self.stages = {
            p.pk: list(Stage.objects.filter(pipeline=p).order_by("position"))
            for p in (self.b2b, self.partners)
        }
        LostReason.objects.bulk_create(
            LostReason(name=name, position=i) for i, name in enumerate(LOST_REASONS)
        )
        self.lost_reasons = list(LostReason.objects.order_by("position"))
        User.objects.update(default_pipeline=self.b2b)

    # --- address book -----------------------------------------------------------------------
    def contacts(self, org_count: int) -> None:
        rng = self.rng
        orgs = []
        seen: set[str] = set()
        for i in range(org_count):
            name = f"{rng.choice(ORG_PREFIX)} {rng.choice(ORG_SUFFIX)}"
            if name in seen:
                name = f"{name} {i}"
            seen.add(name)
            slug = name.lower().replace(" ", "").replace("&", "")
            orgs.append(
                Organization(
                    id=i + 1,
                    name=name,
                    website=f"https://{slug}.example.com",
                    industry=rng.choice(INDUSTRIES),
                    address=f"{rng.randint(1, 200)} Market Street",
                    owner=rng.choice(self.reps),
                )
            )
        Organization.objects.bulk_create(orgs, batch_size=2000)
        people = []
        pid = 0
        self.org_people: dict[int, list[Person]] = {}
        for org in orgs:
            for j in range(rng.randint(1, 3)):
                pid += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                person = Person(
                    id=pid,
                    name=f"{first} {last}",
                    organization_id=org.id,
                    job_title=rng.choice(TITLES),
                    is_decision_maker=(j == 0 and rng.random() < 0.7),
                    # ASCII local part (horváth → horvath): what the forms and the API's
                    # `format: email` accept, so demo data passes the contract too.
                    email=f"{slugify(first)}.{slugify(last)}.{pid}@{org.website[8:]}".lower(),
                    phone=f"+358 40 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    owner_id=org.owner_id,
                )
                people.append(person)
                self.org_people.setdefault(org.id, []).append(person)
        Person.objects.bulk_create(people, batch_size=2000)
        self.orgs = orgs

    # --- deals and their history ------------------------------------------------------------
    def deals(self, count: int) -> None:
        rng = self.rng
        currency = settings.DEFAULT_CURRENCY
        deals: list[Deal] = []
        changes: list[StageChange] = []
        activities: list[Activity] = []
        change_id = 0
        activity_id = 0
        flush_every = 5000

        def flush() -> None:
            Deal.objects.bulk_create(deals, batch_size=1000)
            StageChange.objects.bulk_create(changes, batch_size=2000)
            Activity.objects.bulk_create(activities, batch_size=2000)
            self.change_count += len(changes)
            self.activity_count += len(activities)
            deals.clear()
            changes.clear()
            activities.clear()

        for n in range(1, count + 1):
            pipeline = self.b2b if self.open_only or rng.random() < 0.8 else self.partners
            stages = self.stages[pipeline.pk]
            org = rng.choice(self.orgs)
            people = self.org_people[org.id]
            person = people[0] if rng.random() < 0.6 else rng.choice(people)
            owner = rng.choice(self.reps)
            age_days = rng.random() ** 1.3 * 365
            created = self.now - datetime.timedelta(days=age_days, minutes=rng.randint(0, 600))
            value = Decimal(rng.choice([1, 2, 3, 5, 8, 12, 20, 35, 60])) * Decimal(
                rng.randint(500, 2500)
            )
            # How far the deal got: each stage passed with a falling chance.
            reached = 0
            while reached < len(stages) - 1 and rng.random() < 0.62:
                reached += 1
            if self.open_only or age_days < 25:
                outcome = Deal.Status.OPEN
            else:
                roll = rng.random()
                win_chance = 0.08 + 0.16 * reached
                outcome = (
                    Deal.Status.WON
                    if roll < win_chance
                    else Deal.Status.LOST
                    if roll < win_chance + 0.45
                    else Deal.Status.OPEN
                )
            # Time line: entry, then one move per reached stage, then the close.
            span = max(age_days - (1 if outcome == Deal.Status.OPEN else 0), 0.5)
            steps = reached + (0 if outcome == Deal.Status.OPEN else 1)
            cuts = sorted(
                rng.random() * span * (0.6 if outcome != "open" else 0.9) for _ in range(steps)
            )
            if outcome == Deal.Status.OPEN and cuts:
                # Open deals mostly moved recently: a pipeline that is worked, with some rot.
                last = max(age_days - min(rng.expovariate(1 / 7), age_days), cuts[-1])
                cuts = [c * last / cuts[-1] if cuts[-1] else c for c in cuts]
            # Never after now: `created` falls at a random hour, so created + age can be later
            # today, and a history row dated in the future would outrank the next real move.
            times = [min(created + datetime.timedelta(days=c), self.now) for c in cuts]
            if outcome != Deal.Status.OPEN:
                times[-1] = self._close_time(
                    outcome, drawn=times[-1], after=times[-2] if len(times) > 1 else created
                )
            deal = Deal(
                id=n,
                title=f"{org.name} – {rng.choice(DEAL_WORDS)}",
                value=value,
                currency=currency,
                pipeline=pipeline,
                stage=stages[reached],
                owner=owner,
                organization_id=org.id,
                person_id=person.id,
                status=outcome,
                expected_close_date=(
                    (created + datetime.timedelta(days=rng.randint(30, 120))).date()
                    if rng.random() < 0.85
                    else None
                ),
                created_at=created,
                updated_at=times[-1] if times else created,
                updated_by=owner,
                stage_entered_at=times[reached - 1] if reached else created,
                closed_at=times[-1] if outcome != Deal.Status.OPEN else None,
                lost_reason=rng.choice(self.lost_reasons) if outcome == Deal.Status.LOST else None,
                version=1 + steps,
            )
            change_id += 1
            changes.append(
                StageChange(
                    id=change_id,
                    deal_id=n,
                    pipeline=pipeline,
                    from_stage=None,
                    to_stage=stages[0],
                    from_status="",
                    to_status=Deal.Status.OPEN,
                    user=owner,
                    timestamp=created,
                    source=StageChange.Source.IMPORT if n % 11 == 0 else StageChange.Source.FORM,
                )
            )
            for i in range(1, reached + 1):
                change_id += 1
                changes.append(
                    StageChange(
                        id=change_id,
                        deal_id=n,
                        pipeline=pipeline,
                        from_stage=stages[i - 1],
                        to_stage=stages[i],
                        from_status=Deal.Status.OPEN,
                        to_status=Deal.Status.OPEN,
                        user=owner,
                        timestamp=times[i - 1],
                        stay_started_at=times[i - 2] if i > 1 else created,
                        source=StageChange.Source.BOARD,
                    )
                )
            if outcome != Deal.Status.OPEN:
                change_id += 1
                changes.append(
                    StageChange(
                        id=change_id,
                        deal_id=n,
                        pipeline=pipeline,
                        from_stage=stages[reached],
                        to_stage=stages[reached],
                        from_status=Deal.Status.OPEN,
                        to_status=outcome,
                        user=owner,
                        timestamp=times[-1],
                        stay_started_at=times[reached - 1] if reached else created,
                        source=StageChange.Source.BOARD,
                        lost_reason=deal.lost_reason,
                    )
                )
            # Activities: what happened, and for most open deals a next step.
            done_types = [Activity.Type.CALL]
            if reached >= 2:
                done_types.append(Activity.Type.MEETING)
            if reached >= 3:
                done_types.append(rng.choice([Activity.Type.DEMO, Activity.Type.EMAIL]))
            for t in done_types:
                activity_id += 1
                when = created + datetime.timedelta(days=rng.random() * max(span * 0.8, 0.1))
                if outcome != Deal.Status.OPEN:
                    when = min(when, times[-1])  # nothing done after the deal closed
                local = timezone.localtime(when)
                if deal.last_done_activity_at is None or when > deal.last_done_activity_at:
                    deal.last_done_activity_at = when
                activities.append(
                    Activity(
                        id=activity_id,
                        type=t,
                        subject=rng.choice(ACTIVITY_SUBJECTS[t]),
                        # Planned for when it was done (to the half hour before), so nothing
                        # due later today is already done.
                        due_date=local.date(),
                        due_time=datetime.time(local.hour, 30 if local.minute >= 30 else 0),
                        duration_minutes=30,
                        done_at=when,
                        deal_id=n,
                        person_id=person.id,
                        organization_id=org.id,
                        owner=owner,
                        created_at=when,
                        updated_at=when,
                    )
                )
            if outcome == Deal.Status.OPEN and rng.random() < 0.8:
                activity_id += 1
                t = rng.choice(list(ACTIVITY_SUBJECTS))
                due = self.today + datetime.timedelta(
                    days=rng.choice([-5, -2, -1, 0, 0, 1, 2, 3, 5, 7, 9, 14, 21])
                )
                # Planned a few days before it is due (not before the deal existed), never
                # "now": the timeline read "created today … due 29 Nov".
                planned = self._day_start(due) - datetime.timedelta(days=rng.randint(1, 10))
                if planned > self.now:  # due soon: planned in the last few days
                    planned = self.now - datetime.timedelta(hours=rng.randint(2, 72))
                planned = min(max(planned, created), self.now)
                activities.append(
                    Activity(
                        id=activity_id,
                        type=t,
                        subject=rng.choice(ACTIVITY_SUBJECTS[t]),
                        due_date=due,
                        due_time=(
                            datetime.time(rng.randint(8, 16), rng.choice([0, 30]))
                            if t != Activity.Type.TASK
                            else None
                        ),
                        duration_minutes=30 if t != Activity.Type.TASK else None,
                        deal_id=n,
                        person_id=person.id,
                        organization_id=org.id,
                        owner=owner,
                        created_at=planned,
                        updated_at=planned,
                    )
                )
                deal.next_activity_id = activity_id
                deal.next_activity_date = due
            deals.append(deal)
            if len(deals) >= flush_every:
                flush()
        flush()
