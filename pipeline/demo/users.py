"""The demo's people who log in: an admin, a manager and a team of reps."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from accounts.models import Team, User
from pipeline.demo.names import FIRST_NAMES, LAST_NAMES
from pipeline.demo.run import DemoRun

DEMO_PASSWORD = "stagecoach"  # noqa: S105 - printed for the demo; never used in production

# The first reps (username, first name, last name); further reps are named from names.py.
REPS = [
    ("alex", "Alex", "Rivera"),
    ("sam", "Sam", "Okafor"),
    ("priya", "Priya", "Nair"),
    ("jonas", "Jonas", "Virtanen"),
    ("mei", "Mei", "Tan"),
]


def seed_users(run: DemoRun) -> None:
    """Ada the admin, Maria the manager, and `run.rep_count` reps in her team."""
    password = make_password(DEMO_PASSWORD)
    User.objects.create(
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
    User.objects.bulk_create(_rep(i, team=team, password=password) for i in range(run.rep_count))
    run.reps = list(User.objects.filter(role=User.Role.REP).order_by("id"))
    run.logins = [("admin", "admin"), ("maria", "manager")] + [
        (r.username, "rep") for r in run.reps[:5]
    ]


def _rep(i: int, *, team: Team, password: str) -> User:
    if i < len(REPS):
        username, first, last = REPS[i]
    else:
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        username = f"rep{i + 1}"
    return User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@example.com",
        role=User.Role.REP,
        team=team,
        password=password,
    )
