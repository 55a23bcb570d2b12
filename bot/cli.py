"""`coachbot` command line: run, chat, simulate, validate, diagram, triage, admin, migrate, dashboard."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import logs
from bot.config import load_settings
from bot.errors import CoachbotError, ConfigError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

NO_TOKEN_HELP = """\
No Telegram bot token is set, so coachbot can't connect to Telegram yet.

To get one (two minutes):
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username; BotFather replies with a token like 123456:ABC-DEF...
  3. Run:  TELEGRAM_BOT_TOKEN='<the token>' ./coachbot run

Meanwhile you can try the bot in this terminal, with no token:  ./coachbot chat
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coachbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="serve patients and clinicians on Telegram")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    run.add_argument("--listen", default="0.0.0.0:8443", help="webhook listen address host:port")
    run.add_argument("--url", help="public webhook URL (https://...)")
    run.add_argument("--secret", help="webhook secret token (default: $TELEGRAM_WEBHOOK_SECRET)")

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no Telegram needed)")
    chat.add_argument("--as", dest="person", default="patient:terminal",
                      help="patient:ID (default) or clinician:ID")
    chat.add_argument("--verbose", action="store_true",
                      help="show the log in the terminal (otherwise it goes to coachbot.log in COACHBOT_DATA_DIR)")

    simulate = sub.add_parser("simulate", help="run a JSON-lines scenario on a simulated clock")
    simulate.add_argument("file", nargs="?", help="scenario file (default: stdin)")
    simulate.add_argument("--database", help="database URL to use instead of a fresh one")

    validate = sub.add_parser("validate", help="check dialogue scripts and content files")
    validate.add_argument("paths", nargs="*", type=Path)

    diagram = sub.add_parser("diagram", help="draw a dialogue's states and transitions")
    diagram.add_argument("dialogue")
    diagram.add_argument("--out", type=Path, default=Path("diagrams"), help="output folder")

    dashboard = sub.add_parser("dashboard", help="serve the clinicians' web dashboard")
    dashboard.add_argument("--listen", default="127.0.0.1:8080", help="listen address host:port")

    sub.add_parser("triage", help="triage lines of text from stdin into JSON lines")
    sub.add_parser("migrate", help="bring the database schema up to date")

    admin = sub.add_parser("admin", help="groups, clinicians, invite codes, audit, reports")
    from bot.admin import add_admin_commands

    add_admin_commands(admin)
    return parser


QUIET_COMMANDS = ("simulate", "triage", "validate", "diagram", "migrate", "admin")
"""A person reads what these print, so INFO log lines (alembic's among them) stay off the
terminal; LOG_LEVEL=DEBUG shows everything."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"coachbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    log_file = None
    if args.command == "chat" and not args.verbose:  # the terminal is the conversation
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = settings.data_dir / "coachbot.log"
    logs.configure(settings.log_level, log_file, settings.log_content)
    if args.command in QUIET_COMMANDS and settings.log_level == "INFO":
        logging.getLogger().setLevel(logging.WARNING)
    try:
        return _dispatch(args, settings)
    except CoachbotError as exc:
        print(f"coachbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: object) -> int:
    from bot.config import Settings

    assert isinstance(settings, Settings)
    if args.command == "validate":
        from bot.content.validate import validate_paths

        paths = args.paths or [settings.dialogues_dir, settings.content_dir]
        missing = [p for p in paths if not p.exists()]
        if missing:
            print(f"coachbot: no such file or folder: {missing[0]}", file=sys.stderr)
            return EXIT_USAGE
        bundle, problems = validate_paths(list(paths))
        for problem in problems:
            print(problem.format())
        count = len(bundle.files)
        if problems:
            print(f"{len(problems)} problem(s) in {count} file(s).", file=sys.stderr)
            return EXIT_PROBLEMS
        print(f"OK: {count} file(s), {len(bundle.dialogues)} dialogue(s), no problems.")
        return EXIT_OK
    if args.command == "diagram":
        from bot.content.bundle import build_bundle, collect_files
        from bot.content.diagram import mermaid, render_png

        bundle = build_bundle(collect_files([settings.dialogues_dir, settings.content_dir]))
        if args.dialogue not in bundle.dialogues:
            known = ", ".join(sorted(bundle.dialogues)) or "none"
            print(f"coachbot: no dialogue {args.dialogue!r}; known: {known}", file=sys.stderr)
            return EXIT_USAGE
        args.out.mkdir(parents=True, exist_ok=True)
        text = mermaid(bundle, args.dialogue)
        mmd = args.out / f"{args.dialogue}.mmd"
        mmd.write_text(text, encoding="utf-8")
        png = render_png(bundle, args.dialogue, args.out / f"{args.dialogue}.png")
        print(text)
        print(f"Wrote {mmd} and {png}", file=sys.stderr)
        return EXIT_OK
    if args.command == "triage":
        from bot.safety.model import model_dir
        from bot.safety.triage import run_triage_cli

        return run_triage_cli(sys.stdin, sys.stdout, settings.rasa_url, settings.rasa_timeout_s,
                              model_directory=model_dir(settings.content_dir) if settings.triage_model else None)
    if args.command == "simulate":
        from bot.simulate import simulate

        handle: TextIO
        if args.file:
            try:
                handle = open(args.file, encoding="utf-8")
            except OSError as exc:
                print(f"coachbot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
                return EXIT_USAGE
        else:
            handle = sys.stdin
        with handle:
            return asyncio.run(simulate(handle, settings, database_url=args.database))
    if args.command == "migrate":
        from bot.storage.db import Database

        async def _migrate() -> None:
            db = Database(settings.database_url)
            await db.migrate()
            await db.dispose()

        asyncio.run(_migrate())
        print("Database is up to date.")
        return EXIT_OK
    if args.command == "chat":
        from bot.chat import chat

        return asyncio.run(chat(settings, args.person))
    if args.command == "run":
        if not settings.telegram_bot_token:
            print(NO_TOKEN_HELP, file=sys.stderr)
            return EXIT_USAGE
        from bot.telegram.runner import run

        return run(settings, webhook=args.webhook, listen=args.listen, url=args.url,
                   secret=args.secret)
    if args.command == "dashboard":
        from bot.web.app import parse_listen, serve

        try:
            parse_listen(args.listen)
        except ValueError as exc:
            print(f"coachbot: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return serve(settings, args.listen)
    if args.command == "admin":
        from bot.admin import run_admin

        return asyncio.run(run_admin(args, settings))
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
