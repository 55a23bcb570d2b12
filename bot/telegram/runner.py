"""`coachbot run`: check the token and the API, build the service, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot import eventloop
from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import CoachbotError, ConfigError
from bot.telegram.channel import ChannelOptions, TelegramChannel, WebhookConfig, build_application
from bot.telegram.limits import PAID_BROADCAST_MESSAGES_PER_SECOND
from bot.telegram.webhook import check_secret, parse_listen

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"


def run(settings: Settings, webhook: bool = False, listen: str = "0.0.0.0:8443",
        url: str | None = None, secret: str | None = None) -> int:
    """Serve on Telegram until stopped; returns the exit status. Problems are explained in one
    message on stderr, never a traceback."""
    token = settings.telegram_bot_token
    if not token:
        print("coachbot: TELEGRAM_BOT_TOKEN is not set; see `./coachbot run --help` and the README "
              "(BotFather gives you a token).", file=sys.stderr)
        return EXIT_USAGE
    hook: WebhookConfig | None = None
    try:
        if webhook:
            hook = _webhook_config(listen, url, secret or os.environ.get(WEBHOOK_SECRET_ENV))
    except ConfigError as exc:
        print(f"coachbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    try:
        return eventloop.run(serve(settings, token, hook))
    except KeyboardInterrupt:
        return 130


def _webhook_config(listen: str, url: str | None, secret: str | None) -> WebhookConfig:
    if not url:
        raise ConfigError("webhook mode needs --url, the public HTTPS address Telegram will call "
                          "(e.g. https://bot.example.org/telegram).")
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ConfigError(f"--url {url!r} is not a URL; expected https://host/path.")
    if parsed.scheme == "http":
        log.warning("webhook URL is plain http: Telegram itself only calls https URLs")
    host, port = parse_listen(listen)
    return WebhookConfig(url=url, secret=check_secret(secret), host=host, port=port)


async def serve(settings: Settings, token: str, webhook: WebhookConfig | None,
                options: ChannelOptions | None = None) -> int:
    from bot.app import build_service, settle

    options = options or ChannelOptions()
    if settings.paid_broadcast:
        options = replace(options, sender=replace(options.sender, paid_broadcast=True,
                                                   messages_per_second=PAID_BROADCAST_MESSAGES_PER_SECOND))
    application = build_application(token, settings.telegram_api_base_url, options.http)
    api = settings.telegram_api_base_url
    try:
        await application.initialize()
    except InvalidToken:
        print("coachbot: Telegram rejected the bot token (401 Unauthorized). Check "
              "TELEGRAM_BOT_TOKEN: copy it again from @BotFather (/mybots -> API Token); it may "
              "have been revoked.", file=sys.stderr)
        return EXIT_FAILED
    except NetworkError as exc:
        print(f"coachbot: cannot reach the Telegram Bot API at {_redact(api, token)} "
              f"({_redact(str(exc), token)}). Check the network, or TELEGRAM_API_BASE_URL.",
              file=sys.stderr)
        return EXIT_FAILED
    except TelegramError as exc:
        print(f"coachbot: the Telegram Bot API refused to start: {_redact(str(exc), token)}", file=sys.stderr)
        return EXIT_FAILED
    try:
        service = await build_service(settings, None, SystemClock())
    except CoachbotError as exc:
        await application.shutdown()
        print(f"coachbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    channel = TelegramChannel(service, application, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    status = EXIT_OK
    try:
        try:
            await channel.start(webhook)
        except TelegramError as exc:
            print(f"coachbot: could not start on Telegram: {_redact(str(exc), token)}", file=sys.stderr)
            return EXIT_FAILED
        except CoachbotError as exc:  # e.g. METRICS_LISTEN's port is taken
            print(f"coachbot: {exc}", file=sys.stderr)
            return EXIT_FAILED
        settle(service)
        user = application.bot.username
        mode = f"webhook on {webhook.host}:{webhook.port}" if webhook else "long polling"
        log.info("coachbot is running as @%s (%s); stop with Ctrl-C or SIGTERM", user, mode)
        assert channel.failed is not None
        stopped = asyncio.ensure_future(stop.wait())
        waiting: list[asyncio.Future[Any]] = [stopped, channel.failed]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if channel.failed.done():
            error = channel.failed.result()
            print(f"coachbot: stopped: {_redact(str(error), token) or error.__class__.__name__}",
                  file=sys.stderr)
            status = EXIT_FAILED
        log.info("shutting down: finishing updates and messages in progress")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await channel.stop()
        await service.close()
        try:
            await application.shutdown()
        except Exception:
            log.debug("PTB shutdown failed", exc_info=True)
    return status


def _redact(text: str, token: str) -> str:
    return text.replace(token, "<token>")
