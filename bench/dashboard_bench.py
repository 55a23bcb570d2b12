"""Dashboard benchmark: every page of `coachbot dashboard`, over HTTP, with 1,000 patients.

A database of its own (SQLite file, or a PostgreSQL database on 127.0.0.1:5432 dropped
afterwards) is brought to the schema by `coachbot migrate` and filled: 100 groups of 10
patients, 50 clinicians (each assigned to two groups and the backup of two more), weekly
sessions, six weeks of daily check-ins (mood, follow-up, exercise), WHO-5, PHQ-9 and GAD-7
with their items, messages, alerts (most resolved, some open) and exercise assignments.
The dashboard then runs as its own process, exactly as `coachbot dashboard` does; a
clinician signs in with a link from `coachbot admin login-link`, every page reachable from
`/` is found by following links, and each kind of page is requested many times. Printed:
p50/p95/max per kind of page, as the client sees it (HTTP on localhost included), and each
page kind's first views ("(first view)": pages linked from those found but never requested
before, one request each, alternating between trees), where nothing the dashboard may keep
(the patient page's charts were once cached) has been made yet.

    python bench/dashboard_bench.py [--database sqlite|postgres|both] [--requests 60]
        [--compare /tmp/wt_dash_old] [--patients 1000] [--weeks 6]

With --compare TREE, a second dashboard runs the code of TREE (a `git worktree`) on a
database of its own, filled the same way (each tree migrates its own), and the two are
requested in alternating rounds, so a machine that drifts affects both alike. Figures, not
assertions; the target is every page under 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import admin
from bot import PROJECT_ROOT

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hanna", "Ilias", "Jonas", "Karla",
               "Lukas", "Mira", "Noah", "Olga", "Paul", "Rosa", "Samir", "Tilda", "Uwe", "Vera", "Wanda",
               "Yusuf", "Zoe"]
SURNAME_INITIALS = "ABCDEFGHJKLMNPRSTVWZ"
MESSAGES = ["Knee was stiff this morning but the walk helped.", "Slept badly again, worried about work.",
            "Did the breathing twice today.", "Not sure the exercises are doing anything.",
            "Feeling a bit better this week.", "Too tired for the exercise today.",
            "Can we talk about the pain at the next session?", "Good day, went swimming."]
ALERT_REASONS = [("concern", "signal", "mood 3 or lower on three days running"),
                 ("concern", "questionnaire", "PHQ-9 score 16 (moderately severe)"),
                 ("rupture", "triage", "sounds frustrated with the programme"),
                 ("rupture", "signal", "session feedback well below their usual"),
                 ("concern", "signal", "exercise skipped 4 of the last 5 days (reason: pain)"),
                 ("crisis", "triage", "hopelessness ('no way out')")]
EXERCISES = ["walking", "knee_extension", "box_breathing", "shoulder_rolls", "thought_record", "gratitude_journal"]


# --- the data --------------------------------------------------------------------------------


@dataclass
class Cohort:
    """What to fill: `groups` groups of `group_size` patients, `weeks` of history up to `now`."""

    groups: int = 100
    group_size: int = 10
    weeks: int = 6
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(second=0, microsecond=0))
    seed: int = 19
    group_names: list[str] | None = None
    patient_names: list[str] | None = None
    clinician_names: list[str] | None = None


def clinician_id(index: int) -> str:
    return f"c{index + 1:03d}"


def rows(cohort: Cohort) -> dict[str, list[dict[str, Any]]]:
    """Every row to insert, by table name; the same for the same cohort (seeded)."""
    rng = random.Random(cohort.seed)
    now = cohort.now
    start = (now - timedelta(weeks=cohort.weeks)).replace(hour=0, minute=0)  # check-ins at 08:00-09:00 UTC
    clinicians = max(1, cohort.groups // 2)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in (
        "clinicians", "groups", "group_clinicians", "group_sessions", "patients", "exercise_assignments",
        "conversations", "answers", "scores", "messages", "alerts")}
    for c in range(clinicians):
        name = (cohort.clinician_names[c] if cohort.clinician_names and c < len(cohort.clinician_names)
                else f"Dr {rng.choice(FIRST_NAMES)} {rng.choice(SURNAME_INITIALS)}.")
        out["clinicians"].append(dict(id=clinician_id(c), name=name, chat_key=f"tg{9_000_000 + c}",
                                      timezone="Europe/Berlin", quiet_start=None, quiet_end=None,
                                      pending_note_alert_id=None, created_at=start))
    number = 0
    for g in range(cohort.groups):
        group_id = f"g{g + 1:03d}"
        name = (cohort.group_names[g] if cohort.group_names and g < len(cohort.group_names)
                else f"{rng.choice(['Knee', 'Back', 'Shoulder', 'Hip'])} group {g + 1}")
        out["groups"].append(dict(id=group_id, name=name, backup_clinician_id=clinician_id((g // 2 + 1) % clinicians),
                                  encouragement=False, programme="default", created_at=start))
        out["group_clinicians"].append(dict(group_id=group_id, clinician_id=clinician_id(g // 2 % clinicians)))
        weekday = g % 5
        first = start + timedelta(days=weekday, hours=16)
        for week in range(cohort.weeks + 4):
            out["group_sessions"].append(dict(group_id=group_id, starts_at=first + timedelta(weeks=week)))
        out["exercise_assignments"].append(dict(group_id=group_id, patient_id=None, exercises=EXERCISES[:3],
                                                starts_at=start, created_by=clinician_id(g // 2 % clinicians)))
        for _ in range(cohort.group_size):
            number += 1
            patient(out, rng, cohort, f"p{number:05d}", group_id, start)
    return out


def patient(out: dict[str, list[dict[str, Any]]], rng: random.Random, cohort: Cohort, patient_id: str,
            group_id: str, start: datetime) -> None:
    """One patient's weeks: a daily check-in, questionnaires on their days, messages, alerts."""
    index = int(patient_id[1:]) - 1
    if cohort.patient_names and index < len(cohort.patient_names):
        name = cohort.patient_names[index]
    else:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAME_INITIALS)}."
    status = rng.choices(["active", "paused", "stopped"], [0.9, 0.07, 0.03])[0]
    out["patients"].append(dict(
        id=patient_id, chat_key=f"tg{7_000_000 + index}", name=name, group_id=group_id, timezone="Europe/Berlin",
        checkin_time="09:00", locale=rng.choice(["en", "de"]), status=status, crisis_open=False, paused_until=None,
        blocked=False, enrolled_at=start, last_message_at=cohort.now - timedelta(hours=rng.randint(1, 72)),
        safety_question_at=None))

    def talk(dialogue: str, at: datetime, finished: bool) -> None:
        out["conversations"].append(dict(patient_id=patient_id, dialogue=dialogue, version="bench", state="done",
                                         seq=3, vars={}, status="finished" if finished else "abandoned",
                                         reminded=not finished, started_at=at, updated_at=at + timedelta(minutes=4)))

    def answer(dialogue: str, key: str, value: Any, at: datetime) -> None:
        out["answers"].append(dict(patient_id=patient_id, conversation_id=None, dialogue=dialogue, key=key,
                                   value=value, at=at))

    mood = rng.randint(3, 8)
    days = cohort.weeks * 7
    for day in range(days + 1):  # the last is today's, if its time has come
        at = start + timedelta(days=day, hours=8, minutes=rng.randint(0, 50))
        if at >= cohort.now:
            break
        finished = rng.random() < 0.85
        talk("daily_checkin", at, finished)
        if not finished:
            continue
        mood = min(10, max(0, mood + rng.choice([-2, -1, 0, 0, 1, 2])))
        answer("daily_checkin", "mood", mood, at + timedelta(minutes=1))
        if mood <= 3:
            answer("daily_checkin", "checkin.weighing", rng.choice(["pain", "sleep", "worry"]),
                   at + timedelta(minutes=2))
        else:
            answer("daily_checkin", "checkin.body", rng.choice(["fine", "stiff", "tired"]), at + timedelta(minutes=2))
        if rng.random() < 0.8:
            answer("daily_exercise", "exercise.id", rng.choice(EXERCISES[:3]), at + timedelta(minutes=3))
            outcome = rng.choices(["done", "hard", "skipped"], [0.6, 0.2, 0.2])[0]
            answer("daily_exercise", "exercise.outcome", outcome, at + timedelta(minutes=4))
            if outcome == "skipped":
                answer("daily_exercise", "exercise.skip_reason", rng.choice(["time", "pain", "energy"]),
                       at + timedelta(minutes=5))
        if day % 7 == 6:
            questionnaire("who5", 5, 0, 5, lambda total: total * 4, talk, answer, out, patient_id, rng, at)
        if day % 14 == 13:
            questionnaire("phq9", 9, 0, 3, float, talk, answer, out, patient_id, rng, at)
            questionnaire("gad7", 7, 0, 3, float, talk, answer, out, patient_id, rng, at)
        if rng.random() < 0.25:
            out["messages"].append(dict(patient_id=patient_id, text=rng.choice(MESSAGES), risk="none",
                                        rupture="none", reasons=[], at=at + timedelta(hours=rng.randint(1, 10))))
        if rng.random() < 0.12:
            severity, source, reason = rng.choices(ALERT_REASONS, [4, 2, 2, 2, 3, 0.3])[0]
            raised = at + timedelta(hours=rng.randint(1, 12))
            recent = cohort.now - raised < timedelta(days=4)
            state = rng.choices(["open", "acknowledged", "resolved"], [0.5, 0.2, 0.3] if recent else [0, 0.05, 0.95])[0]
            out["alerts"].append(dict(
                patient_id=patient_id, group_id=group_id, severity=severity, source=source, reason=reason,
                text=rng.choice(MESSAGES) if source == "triage" else None, context={"folded_count": rng.randint(0, 2)},
                status=state, escalation_level=0, feedback=None,
                note="Called, agreed to talk at the session." if state == "resolved" else None,
                idempotency_key=f"bench:{patient_id}:{len(out['alerts'])}", created_at=raised,
                acknowledged_at=raised + timedelta(hours=1) if state != "open" else None,
                acknowledged_by=None, resolved_at=raised + timedelta(hours=20) if state == "resolved" else None))


def questionnaire(name: str, items: int, low: int, high: int, scale: Any, talk: Any, answer: Any,
                  out: dict[str, list[dict[str, Any]]], patient_id: str, rng: random.Random, at: datetime) -> None:
    when = at + timedelta(minutes=20)
    talk(name, when, True)
    values = {f"{name}.{i + 1}": rng.randint(low, min(high, low + 2)) for i in range(items)}
    for key, value in values.items():
        answer(name, key, value, when)
    total = sum(values.values())
    score = float(scale(total))
    band = "low" if score < 10 else ("moderate" if score < 15 else "high")
    out["scores"].append(dict(patient_id=patient_id, questionnaire=name, score=score, raw=float(total), band=band,
                              answers=values, at=when + timedelta(minutes=3)))


async def fill(database_url: str, cohort: Cohort) -> dict[str, int]:
    """Insert the cohort's rows into a migrated database; only the columns its schema has
    (the tree that migrated it may be older than this one). Returns rows per table."""
    from sqlalchemy import Column, MetaData, Table, insert, inspect

    from bot.storage import models
    from bot.storage.db import Database

    db = Database(database_url)
    data = rows(cohort)
    try:
        async with db.engine.connect() as connection:
            existing = await connection.run_sync(
                lambda sync: {name: {c["name"] for c in inspect(sync).get_columns(name)} for name in data})
        async with db.engine.begin() as connection:
            for name, records in data.items():
                model_table = models.Base.metadata.tables[name]
                table = Table(name, MetaData(), *(Column(c.name, c.type, primary_key=c.primary_key)
                                                  for c in model_table.columns if c.name in existing[name]))
                for offset in range(0, len(records), 5000):
                    await connection.execute(insert(table), records[offset:offset + 5000])
    finally:
        await db.dispose()
    return {name: len(records) for name, records in data.items()}


# --- the dashboard as a process --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(database_url: str, base: str, tree: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACHBOT_", "DATABASE_URL", "DASHBOARD_"))}
    env.update(DATABASE_URL=database_url, DASHBOARD_URL=base, COACHBOT_DATA_DIR=str(data_dir),
               COACHBOT_TRIAGE_MODEL="off", LOG_LEVEL="WARNING", PYTHONPATH=str(tree))
    return env


def coachbot(tree: Path, env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bot.cli", *arguments], env=env, cwd=tree, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"coachbot {' '.join(arguments)} failed in {tree}:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Dashboard:
    """A running dashboard and a client signed in to it."""

    label: str
    base: str
    client: httpx.Client
    timings: dict[str, list[float]] = field(default_factory=dict)


@contextmanager
def served(tree: Path, database_url: str, clinician: str, label: str = "") -> Iterator[Dashboard]:
    """`coachbot dashboard` of `tree` on a free port, and a client signed in as `clinician`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="coachbot_dash_") as scratch:
        env = environment(database_url, base, tree, Path(scratch))
        log_path = Path(scratch) / "dashboard.log"
        with log_path.open("w") as log:
            process = subprocess.Popen([sys.executable, "-m", "bot.cli", "dashboard", "--listen", f"127.0.0.1:{port}"],
                                       env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if httpx.get(base + "/signin", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the dashboard did not start:\n" + log_path.read_text())
                    time.sleep(0.2)
                link = coachbot(tree, env, "admin", "login-link", clinician).strip().splitlines()[-1]
                with httpx.Client(base_url=base, timeout=30) as client:
                    path = urlparse(link).path
                    if client.get(path).status_code != 200 or client.post(path).status_code != 303:
                        raise RuntimeError(f"signing in with {link} failed")
                    yield Dashboard(label or str(tree), base, client)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# --- pages and timing ------------------------------------------------------------------------

LINK = re.compile(r'href="([^"#]+)')
NOT_PAGES = ("/logout", "/signin", "/login/")


def kind_of(path: str) -> str:
    """`/patients/p00012?page=2` -> `/patients/{id}?page=N`: one line per kind of page."""
    parsed = urlparse(path)
    parts = parsed.path.strip("/").split("/")
    shape = "/" + "/".join(part if i % 2 == 0 else "{id}" for i, part in enumerate(parts) if part)
    if parsed.query:
        shape += "?" + "&".join(sorted(f"{pair.split('=')[0]}=N" for pair in parsed.query.split("&")))
    return shape


def crawl(client: httpx.Client, per_kind: int = 8, limit: int = 400) -> dict[str, list[str]]:
    """Pages reachable from `/` by following links (GET only): up to `per_kind` of each kind."""
    found: dict[str, list[str]] = {}
    queue, seen = ["/"], {"/"}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        found.setdefault(kind_of(path), []).append(path)
        for href in LINK.findall(response.text):
            target = urlparse(urljoin(str(response.url), href.replace("&amp;", "&")))
            if target.netloc and target.netloc != urlparse(str(client.base_url)).netloc:
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            if local in seen or local.startswith(NOT_PAGES):
                continue
            seen.add(local)
            if len(found.get(kind_of(local), [])) + sum(kind_of(q) == kind_of(local) for q in queue) < per_kind:
                queue.append(local)
    return found


def time_pages(dashboard: Dashboard, pages: dict[str, list[str]], requests: int) -> None:
    for kind, paths in pages.items():
        into = dashboard.timings.setdefault(kind, [])
        for n in range(requests):
            started = time.perf_counter()
            response = dashboard.client.get(paths[n % len(paths)])
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{dashboard.label}: {paths[n % len(paths)]} answered {response.status_code}")
            into.append(elapsed)


def first_views(client: httpx.Client, pages: dict[str, list[str]]) -> list[str]:
    """Pages linked from the pages found that the crawl never requested (on no tree yet)."""
    seen = {path for paths in pages.values() for path in paths}
    fresh: list[str] = []
    for path in [p for paths in pages.values() for p in paths]:
        for href in LINK.findall(client.get(path).text):
            local = urlparse(href.replace("&amp;", "&"))
            target = local.path + (f"?{local.query}" if local.query else "")
            if (not local.netloc and target.startswith("/patients/") and target not in seen
                    and not target.startswith(NOT_PAGES)):
                seen.add(target)
                fresh.append(target)
    return fresh


def time_first(dashboard: Dashboard, path: str) -> None:
    started = time.perf_counter()
    response = dashboard.client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{dashboard.label}: {path} answered {response.status_code}")
    dashboard.timings.setdefault(f"{kind_of(path)} (first view)", []).append(elapsed)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(dashboards: list[Dashboard], database: str) -> None:
    kinds = sorted({kind for d in dashboards for kind in d.timings})
    width = max(len(k) for k in kinds)
    print(f"\n{database}: milliseconds per request (p50 / p95 / max), as the client sees them")
    for kind in kinds:
        cells = []
        for d in dashboards:
            t = d.timings.get(kind) or [float("nan")]
            cells.append(f"{d.label}: {percentile(t, 0.5) * 1000:6.1f} / {percentile(t, 0.95) * 1000:6.1f} / "
                         f"{max(t) * 1000:6.1f}  (n={len(t)}, mean {statistics.fmean(t) * 1000:.1f})")
        print(f"  {kind:<{width}}  " + "   ".join(cells))


# --- databases -------------------------------------------------------------------------------


@contextmanager
def database(kind: str, admin_url: str, scratch: Path, label: str) -> Iterator[str]:
    """A fresh, empty database of `kind`; PostgreSQL's is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{scratch / f'dashboard_{label}.sqlite3'}"
        return
    name = f"coachbot_dash_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        asyncio.run(admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def prepared(tree: Path, url: str, cohort: Cohort, admin_url: str) -> None:
    """Migrated by `tree`'s own code, filled, and (PostgreSQL) analysed, as a live database is."""
    started = time.monotonic()
    coachbot(tree, environment(url, "http://127.0.0.1", tree, Path(tempfile.gettempdir())), "migrate")
    counts = asyncio.run(fill(url, cohort))
    if url.startswith("postgresql"):
        asyncio.run(admin(url.replace("postgresql+asyncpg://", "postgresql://"), "VACUUM ANALYZE"))
    print(f"  {tree}: migrated and filled in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{n:,} {name}" for name, n in counts.items()), flush=True)


def run(kind: str, trees: list[tuple[str, Path]], cohort: Cohort, requests: int, rounds: int, admin_url: str,
        clinician: str) -> None:
    """Each tree on a database of its own, requested in alternating rounds; then the figures."""
    with tempfile.TemporaryDirectory(prefix="coachbot_dash_bench_") as tmp, ExitStack() as stack:
        dashboards = []
        for label, tree in trees:
            url = stack.enter_context(database(kind, admin_url, Path(tmp), label))
            prepared(tree, url, cohort, admin_url)
            dashboards.append(stack.enter_context(served(tree, url, clinician, label)))
        pages = crawl(dashboards[0].client)
        print(f"  {kind}: pages found from / as {clinician}: "
              + ", ".join(f"{k} ({len(v)})" for k, v in sorted(pages.items())), flush=True)
        for d in dashboards:  # warm-up: imports, connection pools, caches
            time_pages(d, pages, 3)
            d.timings.clear()
        for n, path in enumerate(first_views(dashboards[0].client, pages)):
            for d in dashboards if n % 2 == 0 else list(reversed(dashboards)):
                time_first(d, path)
        per_round = max(1, requests // rounds)
        for n in range(rounds):
            for d in dashboards if n % 2 == 0 else list(reversed(dashboards)):
                time_pages(d, pages, per_round)
        report(dashboards, kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=6, help="weeks of history before now")
    parser.add_argument("--requests", type=int, default=60, help="requests per kind of page (and per tree)")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds the requests are split into")
    parser.add_argument("--clinician", default=clinician_id(0), help="who signs in (c001 sees four groups)")
    parser.add_argument("--compare", type=Path, default=None, metavar="TREE",
                        help="also the code of TREE (e.g. a git worktree of the old code), alternating")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    cohort = Cohort(groups=max(1, args.patients // args.group_size), group_size=args.group_size, weeks=args.weeks)
    trees = [("new", PROJECT_ROOT)] + ([("old", args.compare.resolve())] if args.compare else [])
    if args.compare:
        trees.reverse()
    print(f"dashboard bench: {cohort.groups * cohort.group_size:,} patients in {cohort.groups} groups, "
          f"{cohort.weeks} weeks, {args.requests} requests per page kind, {os.cpu_count()} CPUs", flush=True)
    for kind in (["sqlite", "postgres"] if args.database == "both" else [args.database]):
        run(kind, trees, cohort, args.requests, args.rounds, args.admin_url, args.clinician)


if __name__ == "__main__":
    main()
