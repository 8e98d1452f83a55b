"""The demo's address book: organizations and the people who work there."""

from __future__ import annotations

from django.utils.text import slugify

from pipeline.demo.names import FIRST_NAMES, LAST_NAMES
from pipeline.demo.run import DemoRun
from pipeline.models import Organization, Person

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


def seed_contacts(run: DemoRun) -> None:
    """One organization per four deals (at least 20), each with one to three people."""
    run.orgs = _organizations(run, max(20, run.deal_count // 4))
    Organization.objects.bulk_create(run.orgs, batch_size=2000)
    people = _people(run, run.orgs)
    Person.objects.bulk_create(people, batch_size=2000)


def _organizations(run: DemoRun, count: int) -> list[Organization]:
    rng = run.rng
    orgs = []
    seen: set[str] = set()
    for i in range(count):
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
                owner=rng.choice(run.reps),
            )
        )
    return orgs


def _people(run: DemoRun, orgs: list[Organization]) -> list[Person]:
    """The people of each organization, the first often its decision maker; also fills
    `run.org_people`, which the deals step picks each deal's contact from."""
    rng = run.rng
    people = []
    pid = 0
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
            run.org_people.setdefault(org.id, []).append(person)
    return people
