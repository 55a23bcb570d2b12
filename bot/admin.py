"""`coachbot admin ...`: set up groups, clinicians and invite codes; read the audit log."""

from __future__ import annotations

import argparse
import secrets
import sys
from collections import defaultdict
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import InputError
from bot.isotime import parse_time
from bot.service import Coachbot
from bot.storage.models import Alert, AuditEntry, Clinician, Group, GroupClinician, GroupSession, Invite

INVITE_DAYS = 14
T = TypeVar("T")
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


def add_admin_commands(admin: argparse.ArgumentParser) -> None:
    sub = admin.add_subparsers(dest="admin_command", required=True)
    group = sub.add_parser("create-group", help="create a group")
    group.add_argument("id")
    group.add_argument("--name", default="")
    group.add_argument("--encouragement", action="store_true", help="opt in to group encouragement")
    clinician = sub.add_parser("create-clinician", help="create a clinician and print their join code")
    clinician.add_argument("id")
    clinician.add_argument("--name", required=True)
    clinician.add_argument("--timezone", default="UTC")
    assign = sub.add_parser("assign", help="assign a clinician to a group")
    assign.add_argument("clinician")
    assign.add_argument("group")
    backup = sub.add_parser("set-backup", help="set a group's backup / on-call clinician")
    backup.add_argument("group")
    backup.add_argument("clinician")
    session = sub.add_parser("add-session", help="add a group session time (ISO-8601)")
    session.add_argument("group")
    session.add_argument("starts_at")
    invite = sub.add_parser("invite", help="make one-time invite codes for a group")
    invite.add_argument("group")
    invite.add_argument("--count", type=int, default=1)
    invite.add_argument("--days", type=int, default=INVITE_DAYS, help="days until the codes expire")
    revoke = sub.add_parser("revoke", help="revoke an invite code")
    revoke.add_argument("code")
    audit = sub.add_parser("audit", help="show the audit log")
    audit.add_argument("--patient")
    audit.add_argument("--alert", type=int)
    audit.add_argument("--limit", type=int, default=100)
    sub.add_parser("triage-report", help="precision of alerts over time, from clinicians' feedback")
    login = sub.add_parser("login-link", help="a one-time sign-in link to the web dashboard for a clinician")
    login.add_argument("clinician")


async def run_admin(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_service

    bot = await build_service(settings, None, SystemClock())
    try:
        return await _run(bot, args)
    finally:
        await bot.close()


async def _run(bot: Coachbot, args: argparse.Namespace) -> int:
    command = args.admin_command
    async with bot.db.transaction() as session:
        work = bot._work(session)
        now = work.now
        if command == "create-group":
            if await session.get(Group, args.id):
                raise InputError(f"group {args.id!r} already exists")
            session.add(Group(id=args.id, name=args.name or args.id, encouragement=args.encouragement,
                              programme="default", created_at=now))
            print(f"Group {args.id} created.")
        elif command == "create-clinician":
            if await session.get(Clinician, args.id):
                raise InputError(f"clinician {args.id!r} already exists")
            session.add(Clinician(id=args.id, name=args.name, timezone=args.timezone, created_at=now))
            code = new_code()
            session.add(Invite(code=code, role="clinician", clinician_id=args.id, created_at=now,
                               expires_at=now + timedelta(days=INVITE_DAYS), revoked=False))
            work.audit("admin", "clinician_created", clinician=args.id)
            print(f"Clinician {args.id} created. They join by sending the bot:  /start {code}")
        elif command == "assign":
            await _need(session, Clinician, args.clinician, "clinician")
            await _need(session, Group, args.group, "group")
            if await session.get(GroupClinician, (args.group, args.clinician)) is None:
                session.add(GroupClinician(group_id=args.group, clinician_id=args.clinician))
            work.audit("admin", "assigned", clinician=args.clinician, group=args.group)
            print(f"{args.clinician} now sees group {args.group}.")
        elif command == "set-backup":
            group = await _need(session, Group, args.group, "group")
            await _need(session, Clinician, args.clinician, "clinician")
            group.backup_clinician_id = args.clinician
            work.audit("admin", "backup_set", clinician=args.clinician, group=args.group)
            print(f"{args.clinician} is now the backup for group {args.group}.")
        elif command == "add-session":
            group = await _need(session, Group, args.group, "group")
            session.add(GroupSession(group_id=args.group, starts_at=parse_time(args.starts_at)))
            await session.flush()
            from bot.programme import schedule_group_sessions

            await schedule_group_sessions(work, group)
            print(f"Session added for {args.group}.")
        elif command == "invite":
            await _need(session, Group, args.group, "group")
            if not 1 <= args.count <= 500:
                raise InputError("--count must be between 1 and 500")
            for _ in range(args.count):
                code = new_code()
                session.add(Invite(code=code, role="patient", group_id=args.group, created_at=now,
                                   expires_at=now + timedelta(days=args.days), revoked=False))
                print(f"{code}   (expires {now + timedelta(days=args.days):%Y-%m-%d}; "
                      f"deep link: https://t.me/<your_bot>?start={code})")
            work.audit("admin", "invites_created", group=args.group, count=args.count)
            from bot.safety.escalation import team_reachable

            if not await team_reachable(work, args.group):
                print(f"Warning: no clinician of group {args.group} (nor a backup) has linked Telegram, so a "
                      "crisis alert about its patients would reach nobody. Assign one (coachbot admin assign) "
                      "and have them send /start with their clinician code.", file=sys.stderr)
        elif command == "revoke":
            invite = await _need(session, Invite, args.code, "invite code")
            invite.revoked = True
            work.audit("admin", "invite_revoked", code=args.code)
            print(f"Invite {args.code} revoked.")
        elif command == "audit":
            query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
            if args.patient:
                query = query.where(AuditEntry.patient_id == args.patient)
            if args.alert:
                query = query.where(AuditEntry.alert_id == args.alert)
            rows = list(await session.scalars(query))[-args.limit:]
            for row in rows:
                who = f" patient={row.patient_id}" if row.patient_id else ""
                alert = f" alert={row.alert_id}" if row.alert_id else ""
                detail = " ".join(f"{k}={v}" for k, v in (row.detail or {}).items())
                print(f"{row.at:%Y-%m-%d %H:%M:%S} {row.actor:<22} {row.action:<18}{who}{alert} {detail}")
            if not rows:
                print("The audit log is empty.")
        elif command == "triage-report":
            print(await triage_report(session))
        elif command == "login-link":
            from bot.signin import LINK_MINUTES, create_login_link

            clinician = await _need(session, Clinician, args.clinician, "clinician")
            link = await create_login_link(work, clinician, work.settings.dashboard_url, "admin")
            print(f"Sign-in link for {clinician.name} (works once, for {LINK_MINUTES} minutes):")
            print(link)
    return 0


async def _need(session: AsyncSession, model: type[T], key: object, what: str) -> T:
    row = await session.get(model, key)
    if row is None:
        raise InputError(f"no {what} {key!r}")
    return row


async def triage_report(session: AsyncSession) -> str:
    """Per week and severity: alerts, marked useful / false alarm, and precision."""
    alerts = list(await session.scalars(select(Alert).order_by(Alert.created_at)))
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for alert in alerts:
        week = alert.created_at.strftime("%G-W%V")
        counts = table[(week, alert.severity)]
        counts[0] += 1
        counts[1] += alert.feedback == "useful"
        counts[2] += alert.feedback == "false_alarm"
    lines = [f"{'week':<10} {'severity':<9} {'alerts':>6} {'useful':>6} {'false':>6} {'precision':>9}"]
    for (week, severity), (total, useful, false) in sorted(table.items()):
        rated = useful + false
        precision = f"{useful / rated:.0%}" if rated else "–"
        lines.append(f"{week:<10} {severity:<9} {total:>6} {useful:>6} {false:>6} {precision:>9}")
    if len(lines) == 1:
        return "No alerts yet."
    return "\n".join(lines)
