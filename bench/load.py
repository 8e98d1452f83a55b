#!/usr/bin/env python
"""Load and consistency test: many reps on one board server at once, then an audit.

    .venv/bin/python bench/load.py [--deals 20000] [--reps 50] [--users 50] [--duration 60]
                                   [--workers 4] [--postgres URL] [--record]
    make load                       # the same, with the defaults

1. Creates a fresh PostgreSQL database (`stagecoach_wt9_load` unless --db-name), migrates,
   seeds `--deals` open deals and `--reps` reps (`seed_demo --open-only`), collects static files.
2. Starts the app under gunicorn (`--workers` processes, DEBUG off, as in production) on
   127.0.0.1.
3. From this process, an asyncio client (httpx) logs every simulated user in through the real
   login form (CSRF), then drives it for `--duration` seconds: `--users` reps, each with two
   browser tabs that share a handful of "hot" deals (the same card moved from both at the same
   moment, with versions that go stale), opening the board, scrolling columns (the
   `hx-trigger="revealed"` URLs), moving, winning, losing and logging activities, and using
   the REST API with a personal token (incremental sync with `updated_since`, moves through
   the move action with the version read, sometimes a stale one: 409); a manager and an
   admin reloading boards, the metrics dashboard, its drill-down and the stale-deal list.
   Each user pauses `--think` seconds on average between actions (uniform over 0.5x-1.5x);
   each open board also polls every `--poll` seconds on its own timer, as the browser does.
   Every loop stops by itself at the deadline or after `--max-actions` actions.
4. Stops the server and audits the database: every deal's stage and status equal its last
   history row; the history grew by exactly the accepted moves, wins and losses; versions grew
   by the same (moves from the board and the API counted together); no deal has a version
   lower than its number of history rows; the board totals
   (StageTotal, per stage, owner and currency) and the column counts the board page shows
   equal a fresh SQL sum; activities grew by exactly the accepted ones.
5. Prints requests/s, median and p99 per endpoint, server errors (must be 0), refused moves by
   status, and the audit; exits 1 if there was a server error or an audit check failed.
   --record writes the figures under "## Load" in docs/performance.md.

To add an endpoint (the API, a dashboard), write an `async def` step taking a `User` and add
it to `REP_STEPS` or `MANAGER_STEPS` with a weight; `User.get`/`User.post` time and count it
under the name you give. If it changes deals, count what it accepted in `Stats.accepted` and
add the expected history rows to `audit()`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "stagecoach"  # noqa: S105 - the demo password seed_demo sets

CARD = re.compile(r'data-deal-id="(\d+)" data-version="(\d+)"')
COLUMN = re.compile(r'<section class="column" id="column-(\d+)"')
BOARD_VERSION = re.compile(r'data-board-version="([^"]+)"')
MORE = re.compile(r'hx-get="([^"]+)"\s+hx-trigger="revealed"')
COUNT = re.compile(
    r'id="column-header-(\d+)".*?<span class="count"[^>]*>([\d,\s\u202f\xa0]+) deals?</span>',
    re.S,
)


# --- the simulated users ---------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # What the server accepted, by kind: the audit expects exactly these changes.
    accepted: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # "move 409", "win 422", …
    errors: list[str] = field(default_factory=list)  # 5xx and transport errors


@dataclass
class Board:
    """What a tab last saw: each card's stage and version (stale as soon as others move)."""

    stages: list[int] = field(default_factory=list)
    cards: dict[int, tuple[int, int]] = field(default_factory=dict)  # deal -> (stage, version)
    more: list[str] = field(default_factory=list)
    version: str = "0"  # the board_version the poll sends (204 while nothing changed)


@dataclass
class User:
    username: str
    client: httpx.AsyncClient
    stats: Stats
    rng: random.Random
    pipeline: int
    lost_reasons: list[int]
    board: Board = field(default_factory=Board)
    hot: list[int] = field(default_factory=list)  # deals both tabs of this rep fight over
    csrf: str = ""
    # The rep's integration (a sync script, Zapier): the REST API with a personal token.
    api: httpx.AsyncClient | None = None
    synced: str = ""  # the `updated_since` of the next incremental sync

    async def request(
        self, name: str, method: str, url: str, *, via: httpx.AsyncClient | None = None, **kw
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await (via or self.client).request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.stats.errors.append(f"{name}: {type(exc).__name__} {exc}")
            self.stats.statuses[name]["error"] += 1
            return None
        self.stats.latencies[name].append((time.perf_counter() - start) * 1000)
        self.stats.statuses[name][response.status_code] += 1
        if response.status_code >= 500:
            self.stats.errors.append(f"{name}: {response.status_code} {url}")
        return response

    async def get(self, name: str, url: str, **kw) -> httpx.Response | None:
        return await self.request(name, "GET", url, **kw)

    async def post(self, name: str, url: str, data: dict, htmx: bool = True):
        headers = {"X-CSRFToken": self.csrf}
        if htmx:
            headers["HX-Request"] = "true"
        return await self.request(name, "POST", url, data=data, headers=headers)

    def read_board(self, html: str, *, fresh: bool = True) -> None:
        """Learn cards (stage, version) from a board page or from the columns a refused move
        sends back (the true position)."""
        stages = [int(s) for s in COLUMN.findall(html)]
        if fresh and stages:
            self.board.stages = stages
        # Cards appear in column order; attribute each to the column it sits in.
        positions = [(m.start(), int(m.group(1))) for m in COLUMN.finditer(html)]
        for match in CARD.finditer(html):
            deal = int(match.group(1))
            stage = next((s for pos, s in reversed(positions) if pos < match.start()), None)
            if stage is None:
                stage = self.board.cards.get(deal, (0, 0))[0]
            self.board.cards[deal] = (stage, int(match.group(2)))
        if fresh:
            self.board.more = [u.replace("&amp;", "&") for u in MORE.findall(html)]
            found = BOARD_VERSION.search(html)
            if found:
                self.board.version = found.group(1)
        self.csrf = self.client.cookies.get("csrftoken") or self.csrf


async def login(user: User) -> None:
    page = await user.get("login", "/accounts/login/")
    assert page is not None and page.status_code == 200, "the login page did not load"
    token = user.client.cookies.get("csrftoken")
    done = await user.post(
        "login",
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        htmx=False,
    )
    assert done is not None and done.status_code == 302, f"{user.username} could not log in"
    user.csrf = user.client.cookies.get("csrftoken") or token


# --- steps: one user action each; add new endpoints here -----------------------------------


async def open_board(user: User) -> None:
    response = await user.get("board", f"/pipelines/{user.pipeline}/")
    if response is not None and response.status_code == 200:
        user.board = Board()
        user.read_board(response.text)


async def scroll_column(user: User) -> None:
    if not user.board.more:
        return await open_board(user)
    url = user.rng.choice(user.board.more)
    response = await user.get("column page", url)
    if response is not None and response.status_code == 200:
        found = re.search(r"/stages/(\d+)/", url)
        stage = int(found.group(1)) if found else 0
        for match in CARD.finditer(response.text):
            user.board.cards[int(match.group(1))] = (stage, int(match.group(2)))
        user.board.more = [u for u in user.board.more if u != url] + [
            u.replace("&amp;", "&") for u in MORE.findall(response.text)
        ]


async def poll(user: User) -> None:
    response = await user.get("poll", f"/pipelines/{user.pipeline}/poll/?v={user.board.version}")
    if response is not None and response.status_code == 200:
        # Others changed the board: the poll answer is the fresh board.
        user.read_board(response.text)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def api_sync(user: User) -> None:
    """An incremental sync: the deals of the pipeline changed since the last sync, at most
    three pages of 50, then the cursor moves to the time this sync started."""
    started = _utc_now()
    url = f"/api/deals/?pipeline={user.pipeline}&updated_since={user.synced}&ordering=updated_at"
    for _page in range(3):
        response = await user.request("api deals since", "GET", url, via=user.api)
        if response is None or response.status_code != 200:
            return
        body = response.json()
        for deal in body["results"]:
            if deal["status"] == "open" and deal["id"] in user.board.cards:
                user.board.cards[deal["id"]] = (deal["stage"], deal["version"])
        url = body.get("next") or ""
        if not url:
            break
    user.synced = started


async def api_move(user: User) -> None:
    """Move a deal through the API action with the version the integration holds: usually
    read just before (GET), sometimes the one it synced earlier, which may be stale (409)."""
    picked = _pick_deal(user)
    if picked is None or len(user.board.stages) < 2:
        return await open_board(user)
    deal, stage, version = picked
    if user.rng.random() < 0.8:
        response = await user.request("api deal", "GET", f"/api/deals/{deal}/", via=user.api)
        if response is None or response.status_code != 200:
            if response is not None and response.status_code < 500:
                user.board.cards.pop(deal, None)  # closed by the other tab meanwhile
            return
        body = response.json()
        stage, version = body["stage"], body["version"]
        if body["status"] != "open":
            user.board.cards.pop(deal, None)
            return
    targets = [s for s in user.board.stages if s != stage]
    response = await user.request(
        "api move",
        "POST",
        f"/api/deals/{deal}/move/",
        via=user.api,
        json={"stage": user.rng.choice(targets), "version": version},
    )
    if response is None:
        return
    if response.status_code == 200:
        body = response.json()
        user.board.cards[deal] = (body["stage"], body["version"])
        if body["version"] != version + 1:  # already in that stage: a no-op, nothing written
            user.stats.refused["api move 200 unchanged"] += 1
            return
        user.stats.accepted["api move"] += 1
    elif response.status_code < 500:
        user.stats.refused[f"api move {response.status_code}"] += 1
        user.board.cards.pop(deal, None)  # the board tab learns the truth at its next poll


async def dashboard(user: User) -> None:
    await user.get("metrics dashboard", f"/metrics/?pipeline={user.pipeline}")


async def stale_list(user: User) -> None:
    await user.get("stale deals", f"/metrics/stale/?pipeline={user.pipeline}")


async def drilldown(user: User) -> None:
    await user.get("metrics drilldown", f"/metrics/deals/?pipeline={user.pipeline}&figure=open")


def new_client(base: str) -> httpx.AsyncClient:
    """One browser: its own cookies and at most 4 connections. With DEBUG off the app marks
    cookies Secure, which a browser on plain http would not send back; this one clears the
    flag (the load runs over loopback http, as behind a TLS-terminating proxy)."""
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    client = httpx.AsyncClient(base_url=base, timeout=60, limits=limits)

    async def insecure(response: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            cookie.secure = False

    client.event_hooks["response"] = [insecure]
    return client


def _pick_deal(user: User) -> tuple[int, int, int] | None:
    """A deal to act on: often a hot one (with whatever version this tab last saw)."""
    if user.hot and user.rng.random() < 0.5:
        deal = user.rng.choice(user.hot)
    elif user.board.cards:
        deal = user.rng.choice(list(user.board.cards))
    else:
        return None
    stage, version = user.board.cards.get(deal, (0, 1))
    return deal, stage, version


def _after_write(
    user: User, kind: str, deal: int, response: httpx.Response | None, sent: int = 0
) -> None:
    if response is None:
        return
    if response.status_code == 200:
        trigger = response.headers.get("HX-Trigger-After-Settle") or ""
        moved = json.loads(trigger).get("stagecoach:deal-moved") if trigger else None
        if moved:
            user.board.cards[deal] = (moved["to"], moved["version"])
        if kind == "move" and (not moved or moved["version"] != sent + 1):
            # The deal already stood in that stage (this tab had it in the wrong column): a
            # no-op that writes nothing, answered 200. Not a change the audit should expect.
            user.stats.refused["move 200 unchanged"] += 1
            return
        user.stats.accepted[kind] += 1
        if kind in ("win", "lose"):
            user.board.cards.pop(deal, None)
            if deal in user.hot:
                user.hot.remove(deal)
    elif response.status_code < 500:
        user.stats.refused[f"{kind} {response.status_code}"] += 1
        # Told the true position: the refusal carries the columns as they really are.
        user.board.cards.pop(deal, None)
        user.read_board(response.text, fresh=False)


async def move_deal(user: User) -> None:
    picked = _pick_deal(user)
    if picked is None or len(user.board.stages) < 2:
        return await open_board(user)
    deal, stage, version = picked
    # Backward moves need only the target's requirements, forward ones all on the way:
    # both happen, and refusals (422) are counted by reason.
    targets = [s for s in user.board.stages if s != stage]
    response = await user.post(
        "move", f"/deals/{deal}/move/", {"stage": user.rng.choice(targets), "version": version}
    )
    _after_write(user, "move", deal, response, version)


async def win_deal(user: User) -> None:
    picked = _pick_deal(user)
    if picked is None:
        return await open_board(user)
    deal, _stage, version = picked
    response = await user.post("win", f"/deals/{deal}/win/", {"version": version})
    _after_write(user, "win", deal, response)


async def lose_deal(user: User) -> None:
    picked = _pick_deal(user)
    if picked is None:
        return await open_board(user)
    deal, _stage, version = picked
    data = {"version": version, "reason": user.rng.choice(user.lost_reasons), "note": "load"}
    response = await user.post("lose", f"/deals/{deal}/lose/", data)
    _after_write(user, "lose", deal, response)


async def log_activity(user: User) -> None:
    picked = _pick_deal(user)
    if picked is None:
        return await open_board(user)
    deal = picked[0]
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # in the past: logged as done
    data = {"type": user.rng.choice(["call", "email", "meeting"]), "subject": "Load test"}
    data["due_date"] = yesterday
    response = await user.post("activity", f"/deals/{deal}/activities/", data, htmx=False)
    if response is not None and response.status_code == 302:
        user.stats.accepted["activity"] += 1
    elif response is not None and response.status_code < 500:
        user.stats.refused[f"activity {response.status_code}"] += 1


Step = Callable[[User], Awaitable[None]]
# (step, weight): what a rep does, one action at a time, with a think time between actions.
# The board's poll is not a step: every open tab polls on its own timer (`poll_loop`).
REP_STEPS: list[tuple[Step, int]] = [
    (open_board, 10),
    (scroll_column, 8),
    (move_deal, 34),
    (win_deal, 3),
    (lose_deal, 3),
    (log_activity, 12),
    (api_sync, 8),
    (api_move, 8),
]
# What the manager and the admin do, in turn: the metrics dashboard (twice a round), the
# stale-deal list, the board, a drill-down, a further column of the board.
MANAGER_STEPS: list[tuple[Step, int]] = [
    (dashboard, 1),
    (stale_list, 1),
    (open_board, 1),
    (drilldown, 1),
    (dashboard, 1),
    (scroll_column, 1),
]


async def run_user(user: User, steps, deadline: float, max_actions: int, think: float) -> None:
    actions = [s for s, _ in steps]
    weights = [w for _, w in steps]
    # The manager and the admin go round their pages in turn (two users: a random draw could
    # leave a page out of a short run); reps pick by weight.
    turn = user.rng.randrange(len(actions))
    for _ in range(max_actions):  # bounded in count ...
        if time.monotonic() >= deadline:  # ... and in time
            return
        if steps is MANAGER_STEPS:
            turn += 1
            await actions[turn % len(actions)](user)
        else:
            await user.rng.choices(actions, weights)[0](user)
        if think:
            # Uniform between half and one and a half times the mean think time.
            pause = user.rng.uniform(0.5 * think, 1.5 * think)
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))


async def poll_loop(user: User, deadline: float, every: float) -> None:
    """An open board tab's timer (`hx-trigger="every Ns"`), bounded in count and time."""
    await asyncio.sleep(user.rng.uniform(0, every))  # tabs were opened at different moments
    for _ in range(int(3600 / every) + 1):
        if time.monotonic() >= deadline:
            return
        await poll(user)
        await asyncio.sleep(min(every, max(0.0, deadline - time.monotonic())))


def _cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process (Linux /proc), machine sharing aside."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return out


def _server_pids(server_pid: int, db_name: str) -> dict[str, list[int]]:
    """gunicorn's master and workers, and the PostgreSQL backends serving the load database."""
    try:
        with open(f"/proc/{server_pid}/task/{server_pid}/children") as fh:
            workers = [int(p) for p in fh.read().split()]
    except OSError:
        workers = []
    backends = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cmdline.startswith("postgres:") and f" {db_name} " in cmdline:
            backends.append(int(entry.name))
    return {"gunicorn": [server_pid, *workers], "postgres": backends}


def cpu_snapshot(server_pid: int, db_name: str) -> dict[str, dict[int, float]]:
    pids = _server_pids(server_pid, db_name)
    snap = {name: _cpu_by_pid(found) for name, found in pids.items()}
    snap["client"] = {os.getpid(): time.process_time()}
    return snap


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each side used between two snapshots (processes started in between count
    from zero)."""
    return {
        name: sum(v - before.get(name, {}).get(pid, 0.0) for pid, v in after[name].items())
        for name in after
    }


async def drive(args, base: str, plan: dict) -> tuple[Stats, float]:
    stats = Stats()
    users: list[tuple[User, list]] = []
    clients = []
    for index, username in enumerate(plan["reps"][: args.users]):
        # Two tabs per rep: both log in, both fight over the same hot deals.
        shared_hot: list[int] = []
        for tab in range(2):
            client = new_client(base)
            clients.append(client)
            user = User(
                username=username,
                client=client,
                stats=stats,
                rng=random.Random(args.seed * 1000 + index * 2 + tab),
                pipeline=plan["pipeline"],
                lost_reasons=plan["lost_reasons"],
            )
            user.hot = shared_hot
            api = httpx.AsyncClient(
                base_url=base,
                timeout=60,
                limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
                headers={"Authorization": f"Token {plan['tokens'][username]}"},
            )
            clients.append(api)
            user.api = api
            users.append((user, REP_STEPS))
    for username in ("maria", "admin"):
        client = new_client(base)
        clients.append(client)
        users.append(
            (
                User(
                    username=username,
                    client=client,
                    stats=stats,
                    rng=random.Random(args.seed + len(users)),
                    pipeline=plan["pipeline"],
                    lost_reasons=plan["lost_reasons"],
                ),
                MANAGER_STEPS,
            )
        )
    try:
        sem = asyncio.Semaphore(8)

        async def start(user: User) -> None:
            async with sem:
                await login(user)
                await open_board(user)

        await asyncio.gather(*(start(u) for u, _ in users))
        # Hot deals: the first cards of each rep's first column, seen by both tabs.
        for user, steps in users:
            if steps is REP_STEPS and not user.hot:
                user.hot.extend(list(user.board.cards)[:3])
        for user, _steps in users:
            user.synced = _utc_now()
        cpu_before = cpu_snapshot(plan["server_pid"], args.db_name)
        began = time.monotonic()
        deadline = began + args.duration
        await asyncio.gather(
            *(run_user(u, s, deadline, args.max_actions, args.think) for u, s in users),
            *(poll_loop(u, deadline, args.poll) for u, _s in users),
        )
        elapsed = time.monotonic() - began
        plan["cpu"] = cpu_used(cpu_before, cpu_snapshot(plan["server_pid"], args.db_name))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return stats, elapsed


async def alone(base: str, plan: dict, rounds: int = 20) -> Stats:
    """One user at a time alone on the server after the load: the cost of a request without
    queueing, to tell the app's own time from a saturated machine's. Read-only. The admin
    sees every deal (every column has further pages); a rep sees their own."""
    stats = Stats()
    rep = plan["reps"][0]
    for username in ("admin", rep):
        who = "admin" if username == "admin" else "rep"
        client = new_client(base)
        api = httpx.AsyncClient(
            base_url=base, timeout=60, headers={"Authorization": f"Token {plan['tokens'][rep]}"}
        )
        user = User(
            username=username,
            client=client,
            stats=stats,
            rng=random.Random(1),
            pipeline=plan["pipeline"],
            lost_reasons=plan["lost_reasons"],
            api=api,
            synced="2000-01-01T00:00:00Z",
        )
        board_url = f"/pipelines/{user.pipeline}/"
        poll_url = f"/pipelines/{user.pipeline}/poll/?v="
        try:
            await login(user)
            for _ in range(rounds):
                response = await user.get(f"board ({who})", board_url)
                if response is not None and response.status_code == 200:
                    user.board = Board()
                    user.read_board(response.text)
                if user.board.more:
                    await user.get(f"column page ({who})", user.rng.choice(user.board.more))
                # A stale version: the poll answers the whole board; the current one: 204.
                await user.get(f"poll, changed ({who})", poll_url + "0")
                await user.get(f"poll, unchanged ({who})", poll_url + user.board.version)
                if who == "admin":
                    await user.get(
                        "metrics dashboard (admin)", f"/metrics/?pipeline={user.pipeline}"
                    )
                    await user.get(
                        "stale deals (admin)", f"/metrics/stale/?pipeline={user.pipeline}"
                    )
                else:
                    url = f"/api/deals/?pipeline={user.pipeline}&updated_since={user.synced}"
                    await user.request("api deals, a page (rep)", "GET", url, via=api)
        finally:
            await client.aclose()
            await api.aclose()
    return stats


# --- server and database ---------------------------------------------------------------------


def _free_port(start: int, end: int) -> int:
    for port in range(start, end):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"no free port in {start}-{end}")


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=True)


def prepare(args, workdir: Path) -> dict:
    maintenance = args.postgres
    name = args.db_name
    _psql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(maintenance, f'CREATE DATABASE "{name}"')
    url = maintenance.rsplit("/", 1)[0] + "/" + name
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": url,
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }
    env.pop("REDIS_URL", None)  # tasks eager: the load test measures the web tier
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--open-only", "--deals", str(args.deals)]
        + ["--reps", str(args.reps), "--seed", str(args.seed)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seeded = time.perf_counter() - started
    # A live database has planner statistics (autovacuum gathers them); a freshly seeded one
    # has none until autovacuum gets round to it, and PostgreSQL then plans the board's card
    # query for a table it believes nearly empty. Measure the app, not that.
    _psql(url, "ANALYZE")
    # Each simulated rep's personal API token, made by the service the token page uses.
    script = (
        "import json; from accounts.models import User; "
        "from accounts.services import api_token_create; "
        "print(json.dumps({u.username: api_token_create(user=u, name='load test')[1] "
        "for u in User.objects.filter(role='rep', is_active=True)}))"
    )
    made = subprocess.run(
        [*manage, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
    )
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    with psycopg.connect(url) as conn:
        reps = [
            r[0]
            for r in conn.execute(
                "SELECT username FROM accounts_user WHERE role = 'rep' AND is_active ORDER BY id"
            )
        ]
        pipeline = conn.execute(
            "SELECT id FROM pipeline_pipeline WHERE name = 'B2B Sales'"
        ).fetchone()[0]
        lost = [r[0] for r in conn.execute("SELECT id FROM pipeline_lostreason ORDER BY id")]
        before = counts(conn)
    return {
        "url": url,
        "env": env,
        "reps": reps,
        "pipeline": pipeline,
        "lost_reasons": lost,
        "before": before,
        "seeded_s": seeded,
        "tokens": tokens,
    }


def counts(conn) -> dict[str, int]:  # noqa: ANN001 - a psycopg connection
    row = conn.execute(
        """
        SELECT (SELECT count(*) FROM pipeline_deal),
               (SELECT count(*) FROM pipeline_deal WHERE status = 'open'),
               (SELECT count(*) FROM pipeline_stagechange),
               (SELECT coalesce(sum(version), 0) FROM pipeline_deal),
               (SELECT count(*) FROM pipeline_activity)
        """
    ).fetchone()
    return dict(zip(["deals", "open", "history", "versions", "activities"], row, strict=True))


def start_server(args, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port(args.port, args.port + 10)
    # The server's log (thousands of expected 409/422 warnings, and any traceback) goes to a
    # file; its path is printed with the report.
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
        + ["--timeout", "120", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit("gunicorn did not start")


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- the audit -------------------------------------------------------------------------------


def board_counts(base: str, pipeline: int) -> dict[int, int]:
    """The column counts the admin's board page shows (every open deal)."""
    with httpx.Client(base_url=base, timeout=60) as client:

        def insecure(response: httpx.Response) -> None:
            for cookie in client.cookies.jar:
                cookie.secure = False

        client.event_hooks["response"] = [insecure]
        page = client.get("/accounts/login/")
        client.post(
            "/accounts/login/",
            data={
                "username": "admin",
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies.get("csrftoken") or "",
            },
        )
        page = client.get(f"/pipelines/{pipeline}/")
        page.raise_for_status()
    shown = {}
    for stage, text in COUNT.findall(page.text):
        shown[int(stage)] = int(re.sub(r"\D", "", text))
    return shown


def audit(url: str, plan: dict, stats: Stats, shown: dict[int, int]) -> list[tuple[str, str, bool]]:
    before = plan["before"]
    ok = stats.accepted
    checks: list[tuple[str, str, bool]] = []
    with psycopg.connect(url) as conn:
        after = counts(conn)
        mismatched = conn.execute(
            """
            SELECT count(*) FROM pipeline_deal d
            LEFT JOIN LATERAL (
                SELECT c.to_stage_id, c.to_status FROM pipeline_stagechange c
                WHERE c.deal_id = d.id ORDER BY c.timestamp DESC, c.id DESC LIMIT 1
            ) last ON true
            WHERE last.to_stage_id IS NULL OR last.to_stage_id <> d.stage_id
               OR last.to_status <> d.status
            """
        ).fetchone()[0]
        checks.append(
            ("deal stage/status = last history row", f"{mismatched} deals differ", mismatched == 0)
        )
        expected_history = ok["move"] + ok["api move"] + ok["win"] + ok["lose"]
        grew = after["history"] - before["history"]
        checks.append(
            (
                "history rows = accepted moves (UI + API) + wins + losses",
                f"+{grew} rows, {ok['move']} + {ok['api move']} + {ok['win']} + {ok['lose']}"
                f" = {expected_history}",
                grew == expected_history,
            )
        )
        versions = after["versions"] - before["versions"]
        checks.append(
            (
                "versions grew by the accepted changes",
                f"+{versions}, expected {expected_history}",
                versions == expected_history,
            )
        )
        low = conn.execute(
            """
            SELECT count(*) FROM pipeline_deal d
            WHERE d.version < (SELECT count(*) FROM pipeline_stagechange c WHERE c.deal_id = d.id)
            """
        ).fetchone()[0]
        checks.append(("no version < its history rows", f"{low} deals", low == 0))
        off = conn.execute(
            """
            WITH fresh AS (
                SELECT stage_id, owner_id, currency, count(*) AS n, sum(value) AS v
                FROM pipeline_deal WHERE status = 'open' AND parked_until IS NULL
                GROUP BY stage_id, owner_id, currency
            ), kept AS (
                SELECT stage_id, owner_id, currency, open_count AS n, open_value AS v
                FROM pipeline_stagetotal WHERE open_count <> 0 OR open_value <> 0
            )
            SELECT count(*) FROM fresh FULL JOIN kept USING (stage_id, owner_id, currency)
            WHERE fresh.n IS DISTINCT FROM kept.n OR fresh.v IS DISTINCT FROM kept.v
            """
        ).fetchone()[0]
        checks.append(
            ("StageTotal (stage, owner, currency) = SQL sum", f"{off} rows differ", off == 0)
        )
        fresh = dict(
            conn.execute(
                """
                SELECT s.id, count(d.id) FROM pipeline_stage s
                LEFT JOIN pipeline_deal d ON d.stage_id = s.id AND d.status = 'open'
                     AND d.parked_until IS NULL
                WHERE s.pipeline_id = %s AND s.is_active GROUP BY s.id
                """,
                [plan["pipeline"]],
            ).fetchall()
        )
        checks.append(
            (
                "board column counts = SQL count",
                " ".join(f"{shown.get(s, '?')}/{n}" for s, n in sorted(fresh.items())),
                bool(shown) and shown == fresh,
            )
        )
        closed = before["open"] - after["open"]
        checks.append(
            (
                "deals closed = accepted wins + losses",
                f"{closed} = {ok['win']} + {ok['lose']}",
                closed == ok["win"] + ok["lose"] and after["deals"] == before["deals"],
            )
        )
        added = after["activities"] - before["activities"]
        checks.append(
            (
                "activities = accepted ones",
                f"+{added}, accepted {ok['activity']}",
                added == ok["activity"],
            )
        )
    return checks


# --- the report ------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _cpu_lines(cpu: dict[str, float] | None, requests: int, elapsed: float) -> list[str]:
    if not cpu or not requests:
        return []
    server = cpu["gunicorn"] + cpu["postgres"]
    per = server / requests
    return [
        f"CPU used in those {elapsed:.0f} s (Linux /proc; what the processes got, whatever "
        f"else ran): gunicorn {cpu['gunicorn']:.0f} s, PostgreSQL {cpu['postgres']:.0f} s, "
        f"the client {cpu['client']:.0f} s — {per * 1000:.0f} ms of server CPU per request "
        f"on average, so two idle cores given to the server alone would serve about "
        f"{2 / per:.0f} requests/s of this mix.",
        "",
    ]


def report(args, plan: dict, stats: Stats, elapsed: float, checks, solo: Stats) -> tuple[str, bool]:
    # Logins happen before the clock starts (and cost a password hash each): not in the rate.
    total = sum(len(v) for k, v in stats.latencies.items() if k != "login")
    lines = [
        f"{args.deals:,} open deals, {len(plan['reps'])} reps; {args.users} reps × 2 tabs + "
        f"manager + admin for {elapsed:.0f} s against gunicorn ({args.workers} workers) on "
        f"PostgreSQL; seeded in {plan['seeded_s']:.0f} s.",
        "",
        f"Clients: each tab acts every {0.5 * args.think:g}–{1.5 * args.think:g} s (uniform, "
        f"mean {args.think:g} s) and each open board polls every {args.poll:g} s, as the "
        "browser does; the reps' actions include their integration's REST API calls (a "
        "personal token each); the manager and the admin also reload the metrics dashboard, "
        "its drill-down and the stale-deal list.",
        "",
        f"Load average (1 min) of the 2-core machine: {plan['load'][0]:.1f} before the run, "
        f"{plan['load'][1]:.1f} at its end (client, server and PostgreSQL included; other "
        "jobs on the machine too).",
        "",
        f"{total:,} requests in {elapsed:.0f} s (logins before that not counted): "
        f"{total / elapsed:.1f} requests/s; server errors (5xx or no answer): "
        f"{len(stats.errors)}",
        "",
        *_cpu_lines(plan.get("cpu"), total, elapsed),
        "| endpoint | requests | median ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---|",
    ]
    for name in sorted(stats.latencies, key=lambda n: -len(stats.latencies[n])):
        values = stats.latencies[name]
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(stats.statuses[name].items(), key=str))
        lines.append(
            f"| {name} | {len(values):,} | {statistics.median(values):.0f} | "
            f"{_pct(values, 99):.0f} | {codes} |"
        )
    lines += ["", "One user alone after the load (no queueing):", ""]
    lines += ["| endpoint | requests | median ms | p99 ms |", "|---|---:|---:|---:|"]
    for name in solo.latencies:
        if name == "login":
            continue
        values = solo.latencies.get(name)
        if not values:
            continue
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.0f} | {_pct(values, 99):.0f} |"
        )
    lines += ["", "| accepted | count |", "|---|---:|"]
    lines += [f"| {k} | {v:,} |" for k, v in sorted(stats.accepted.items())]
    lines += ["", "| refused (status) | count |", "|---|---:|"]
    lines += [f"| {k} | {v:,} |" for k, v in sorted(stats.refused.items())]
    lines += ["", "| audit | result | ok |", "|---|---|---|"]
    lines += [f"| {name} | {detail} | {'yes' if good else 'NO'} |" for name, detail, good in checks]
    passed = not stats.errors and all(good for _, _, good in checks)
    for error in stats.errors[:20]:
        lines.append(f"server error: {error}")
    return "\n".join(lines), passed


def record(text: str, args) -> None:
    doc = ROOT / "docs" / "performance.md"
    current = doc.read_text() if doc.exists() else "# Performance\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        "## Load\n\n"
        f"`make load` (bench/load.py), measured {stamp} on this project's 2-core development "
        "machine shared with other work; client and server on the same machine.\n\n"
        f"{text}\n"
    )
    # Replace an earlier "## Load" section, keep every other section as it is.
    pattern = re.compile(r"^## Load\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _m: section + "\n", current, count=1)
    else:
        current = current.rstrip("\n") + "\n\n" + section
    doc.write_text(current.rstrip("\n") + "\n")
    print(f"recorded in {doc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=50, help="reps seeded")
    parser.add_argument("--users", type=int, default=50, help="reps simulated (2 tabs each)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--max-actions", type=int, default=5000, help="per simulated tab")
    parser.add_argument(
        "--think",
        type=float,
        default=10,
        help="mean pause between a tab's actions, s (uniform over 0.5x-1.5x)",
    )
    parser.add_argument(
        "--poll", type=float, default=8, help="board poll period, s (STAGECOACH_BOARD_POLL_SECONDS)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL maintenance database URL (a fresh database is created beside it)",
    )
    parser.add_argument("--db-name", default="stagecoach_wt9_load")
    parser.add_argument("--record", action="store_true", help="write docs/performance.md")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="stagecoach-load-"))
    print(f"preparing {args.deals:,} deals and {args.reps} reps in {args.db_name} …", flush=True)
    plan = prepare(args, workdir)
    log = workdir / "server.log"
    server, base = start_server(args, plan["env"], log)
    try:
        print(f"driving {base} for {args.duration:.0f} s …", flush=True)
        plan["server_pid"] = server.pid
        load_before = os.getloadavg()[0]
        stats, elapsed = asyncio.run(drive(args, base, plan))
        plan["load"] = (load_before, os.getloadavg()[0])
        shown = board_counts(base, plan["pipeline"])
        solo = asyncio.run(alone(base, plan))
    finally:
        stop_server(server)
    checks = audit(plan["url"], plan, stats, shown)
    text, passed = report(args, plan, stats, elapsed, checks, solo)
    print()
    print(text)
    print(f"\nserver log: {log}")
    if args.record:
        record(text, args)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
