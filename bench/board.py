#!/usr/bin/env python
"""Board benchmark: server time of the board page and of a move, at 100 and 100,000 deals.

    .venv/bin/python bench/board.py [--sizes 100 100000] [--runs 30] [--keep DIR]
                                    [--cards f-strings|jinja2|both]

For each size it seeds a fresh SQLite database with `seed_demo --open-only` (or uses
DATABASE_URL's PostgreSQL server with --postgres, one database per size), then times requests
through Django's test client in-process, so the figures are server time without the network:
the board page as an admin (totals from the maintained summary) and as a rep (filtered: totals
by a grouped query), the next page of a column, and a move (one htmx POST through deal_move).
It prints medians and the ratio of the largest size against the smallest, measured in the same
run. Targets (issue 4): board(100k) / board(100) <= 1.5; a move's median under 20 ms on SQLite.

`--cards both` (issue 17) draws the cards with the f-strings and with the Jinja2 template in
the same process, alternating sample by sample (which goes first alternates too, so neither
gets the warmer caches), and adds the time to draw the admin board's cards alone; it prints
each figure for both and the ratio Jinja2 / f-strings. It first checks that both give the same
cards.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _measure(runs: int, cards: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from pipeline.models import Deal, Pipeline

    pipeline = Pipeline.objects.get(name="B2B Sales")
    stages = list(pipeline.stages.order_by("position"))
    admin = User.objects.get(username="admin")
    rep = User.objects.get(username="alex")
    board_url = reverse("pipeline:board", args=[pipeline.pk])

    engines = ["f-strings", "jinja2"] if cards == "both" else [cards]
    use = _card_engines(engines)

    def timed(fn) -> dict[str, list[float]]:
        """`runs` samples of `fn` per card engine, the engines taking turns."""
        samples: dict[str, list[float]] = {engine: [] for engine in engines}
        for engine in engines:
            use(engine)
            fn()  # warm-up (template and query caches)
        for i in range(runs):
            turn = engines if i % 2 == 0 else engines[::-1]
            for engine in turn:
                use(engine)
                start = time.perf_counter()
                fn()
                samples[engine].append((time.perf_counter() - start) * 1000)
        return samples

    results: dict[str, float] = {}

    def record(name: str, samples: dict[str, list[float]]) -> None:
        for engine, values in samples.items():
            suffix = "" if engine == "f-strings" else f"_{engine}"
            results[f"{name}{suffix}_ms"] = statistics.median(values)

    for who, user in (("admin", admin), ("rep", rep)):
        client = Client()
        client.force_login(user)

        def board(client=client) -> None:
            response = client.get(board_url)
            assert response.status_code == 200, response.status_code

        record(f"board_{who}", timed(board))
        results[f"board_{who}_bytes"] = len(client.get(board_url).content)
        results[f"board_{who}_cards"] = client.get(board_url).content.count(b"<article ")

    results.update(_cards_alone(admin, pipeline, engines, use, timed, record))

    client = Client()
    client.force_login(admin)
    page = client.get(board_url).content.decode()
    import re

    # A column's "Load more" link (templates/pipeline/board.html, partial `cards`).
    more = re.search(r'<a class="more"[^>]*?\shx-get="([^"]+)"', page)
    if more:
        url = more.group(1).replace("&amp;", "&")

        def column_page() -> None:
            assert client.get(url).status_code == 200

        record("column_page", timed(column_page))

    # Deals in the first two stages, each moved to the other one (the demo pipeline's second
    # stage asks only for a contact person, which every demo deal has), so re-runs on a kept
    # database always find deals to move.
    movable = list(
        Deal.objects.filter(pipeline=pipeline, stage__in=stages[:2], status="open")
        .order_by("-id")
        .values_list("pk", "version", "stage_id")[: (runs + 1) * len(engines)]
    )
    samples: dict[str, list[float]] = {engine: [] for engine in engines}
    for i, (pk, version, stage_id) in enumerate(movable):
        engine = engines[i % len(engines)]
        use(engine)
        target = stages[1] if stage_id == stages[0].pk else stages[0]
        url = reverse("pipeline:deal_move", args=[pk])
        start = time.perf_counter()
        response = client.post(
            url, {"stage": target.pk, "version": version}, HTTP_HX_REQUEST="true"
        )
        if i >= len(engines):  # the first move of each engine warms up
            samples[engine].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
    record("move", samples)
    results["open_deals"] = Deal.objects.filter(status="open").count()
    return results


JINJA2_MISSING = (
    "--cards jinja2 or both needs Jinja2, which the project does not depend on: "
    "pip install Jinja2==3.1.6 (see bench/board_cards_jinja2.py)"
)


def _card_engines(engines: list[str]):  # noqa: ANN202 - returns the switch
    """A switch between what draws the board's cards: the app's f-strings, or the Jinja2
    template of bench/board_cards_jinja2.py. It replaces the three functions the board views
    call (pipeline.views.board imports them by name)."""
    from pipeline.views import board as board_views
    from pipeline.views import cards as fstrings

    drawers = {"f-strings": (fstrings.card_ui, fstrings.cards_html, fstrings.card_html)}
    if "jinja2" in engines:
        sys.path.insert(0, str(ROOT / "bench"))
        import board_cards_jinja2 as jinja

        drawers["jinja2"] = (jinja.card_ui, jinja.cards_html, jinja.card_html)

    def use(engine: str) -> None:
        board_views.card_ui, board_views.cards_html, board_views.card_html = drawers[engine]

    return use


def _cards_alone(admin, pipeline, engines, use, timed, record) -> dict[str, float]:
    """The admin board's cards drawn alone (what `--cards` changes), after checking that every
    engine draws the same markup."""
    from django.http import QueryDict
    from django.test import RequestFactory

    from pipeline.selectors.board import BoardFilters, board_columns
    from pipeline.views import board as board_views
    from shared.currencies import currency_enabled_with_rates

    request = RequestFactory().get("/")
    request.user = admin
    _, rates = currency_enabled_with_rates()
    filters = BoardFilters.from_query(QueryDict(), admin)
    columns = board_columns(pipeline=pipeline, user=admin, filters=filters, rates=rates)
    use(engines[-1])  # the Jinja2 engine's `card_ui` gives what the f-strings need too
    ui = board_views.card_ui(request, [c.stage for c in columns])
    drawn = {}
    for engine in engines:
        use(engine)
        drawn[engine] = [board_views.cards_html(col.cards, ui) for col in columns]
    first = drawn[engines[0]]
    for engine, html in drawn.items():
        assert html == first, f"{engine} draws other cards than {engines[0]}"

    def draw() -> None:
        for col in columns:
            board_views.cards_html(col.cards, ui)

    results: dict[str, float] = {"cards_drawn": sum(len(col.cards) for col in columns)}
    record("cards_alone", timed(draw))
    return results


def _prepare(size: int, workdir: Path, postgres: str | None, reuse: bool) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40}
    env["ALLOWED_HOSTS"] = "testserver"
    env["SECURE_SSL_REDIRECT"] = "0"
    env["STATIC_ROOT"] = str(workdir / "static")
    env.pop("REDIS_URL", None)
    if postgres:
        name = f"stagecoach_bench_{size}"
        subprocess.run(["psql", postgres, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + name
    else:
        db = workdir / f"board-{size}.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{db}"
        if reuse and db.exists():
            print(f"  reusing {db}")
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
            subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
            return env
        db.unlink(missing_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--deals", str(size), "--open-only", "--seed", "11"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  seeded {size:>7} open deals in {time.perf_counter() - start:5.1f} s")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", help="keep the SQLite files in this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse databases seeded by a past run"
    )
    parser.add_argument("--postgres", help="a PostgreSQL URL to the maintenance db (postgres)")
    parser.add_argument(
        "--cards",
        choices=["f-strings", "jinja2", "both"],
        default="f-strings",
        help="what draws the cards; both: each figure for both, and their ratio (issue 17)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cards != "f-strings" and importlib.util.find_spec("jinja2") is None:
        sys.exit(JINJA2_MISSING)
    if args.measure:
        print(json.dumps(_measure(args.runs, args.cards)))
        return

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="stagecoach-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"Board benchmark on {engine}, {args.runs} runs each, medians in ms, cards: {args.cards}")
    rows = {}
    for size in args.sizes:
        env = _prepare(size, workdir, args.postgres, args.reuse)
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                "--runs",
                str(args.runs),
                "--cards",
                args.cards,
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"measuring {size} deals failed:\n{out.stderr[-3000:]}")
        rows[size] = json.loads(out.stdout.strip().splitlines()[-1])

    if args.cards == "both":
        _print_engines(rows)
    suffix = "" if args.cards in ("f-strings", "both") else f"_{args.cards}"
    keys = [f"{k}{suffix}_ms" for k in ("board_admin", "board_rep", "column_page", "move")]
    print()
    print(f"{'open deals':>12} " + " ".join(f"{k:>16}" for k in keys))
    for r in rows.values():
        print(
            f"{r['open_deals']:>12} " + " ".join(f"{r.get(k, float('nan')):>16.2f}" for k in keys)
        )
    small, large = rows[min(rows)], rows[max(rows)]
    print()
    for k in keys:
        if k in small and k in large:
            print(f"ratio {k:<16} {max(rows)}/{min(rows)}: {large[k] / small[k]:.2f}")


def _print_engines(rows: dict[int, dict[str, float]]) -> None:
    """Each figure drawn by both card engines in the same run, and the ratio Jinja2 / f-strings."""
    print()
    head = f"{'open deals':>12} {'figure':<12} {'cards':>6} {'f-strings':>10} {'jinja2':>10}"
    print(f"{head} {'ratio':>6}")
    for r in rows.values():
        shown = {
            "board_admin": r["board_admin_cards"],
            "board_rep": r["board_rep_cards"],
            "cards_alone": r["cards_drawn"],
        }
        for name in ("board_admin", "board_rep", "column_page", "move", "cards_alone"):
            fstrings, jinja = r.get(f"{name}_ms"), r.get(f"{name}_jinja2_ms")
            if fstrings is None or jinja is None:
                continue
            print(
                f"{r['open_deals']:>12} {name:<12} {shown.get(name, ''):>6} "
                f"{fstrings:>10.2f} {jinja:>10.2f} {jinja / fstrings:>6.2f}"
            )
    for r in rows.values():
        print(
            f"board page (admin) at {r['open_deals']} open deals: {r['board_admin_bytes']:,} bytes"
        )


if __name__ == "__main__":
    main()
