"""The webhook endpoint: check the secret, store the update, only then answer 200.

PTB's own webhook server answers 200 before processing; this one answers after the update is
committed to the inbox, so an update Telegram thinks delivered is never lost. A wrong or
missing secret gets 403 and nothing is stored; a database failure gets 503 and Telegram
delivers the update again.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.errors import ConfigError, StorageError
from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""What Telegram accepts as secret_token."""
MAX_BODY_BYTES = 1_000_000
"""An update is a few kilobytes; anything this large is not from Telegram."""


def check_secret(secret: str | None) -> str:
    if not secret:
        raise ConfigError("webhook mode needs a secret token: pass --secret or set "
                          "TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z, a-z, 0-9, _ and -).")
    if not SECRET_PATTERN.match(secret):
        raise ConfigError("the webhook secret may only contain A-Z, a-z, 0-9, _ and - "
                          "(1-256 characters), as Telegram requires.")
    return secret


def parse_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--listen {listen!r}: expected host:port, e.g. 0.0.0.0:8443")
    return host.strip("[]") or "0.0.0.0", int(port)


class WebhookHandler(RequestHandler):
    def initialize(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret.encode()

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request from %s with a wrong or missing secret refused",
                        self.request.remote_ip)
            self._reply(403, "forbidden")
            return
        payload, refused = _parse(self.request.body)
        if payload is None:
            # Never storable: acknowledged, or Telegram would deliver it again for ever.
            await self.inbox.refuse(refused)
            self._reply(200, "refused")
            return
        try:
            await self.inbox.store_arrival(payload)
        except StorageError as exc:
            log.warning("webhook: could not store update (%s); Telegram will retry", exc)
            self._reply(503, "try again")
            return
        self._reply(200, "ok")

    def _reply(self, status: int, text: str) -> None:
        self.set_status(status)
        self.finish(text)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:  # no tracebacks for bad input
        log.warning("webhook handler error: %s", value)


MAX_UPDATE_ID = 2**63 - 1
"""update_id is a 64-bit integer in the inbox (Telegram's are far smaller)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON a database can store")


def _parse(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """The update, or None and why it can never be stored (the reason names no content)."""
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        return None, "JSON nested too deeply"
    except (ValueError, UnicodeDecodeError) as exc:
        return None, "NaN or Infinity in the JSON" if "not JSON a database" in str(exc) else "not JSON"
    if not isinstance(payload, dict):
        return None, "not a JSON object"
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id <= MAX_UPDATE_ID:
        return None, "no valid update_id"
    return payload, ""


class WebhookServer:
    def __init__(self, inbox: Inbox, secret: str, host: str, port: int, path: str = "/") -> None:
        self.inbox = inbox
        self.secret = check_secret(secret)
        self.host = host
        self.port = port
        self.path = path or "/"
        self._server: HTTPServer | None = None

    async def start(self) -> None:
        app = Application([(re.escape(self.path), WebhookHandler,
                            {"inbox": self.inbox, "secret": self.secret})])
        self._server = HTTPServer(app, max_body_size=MAX_BODY_BYTES, xheaders=True)
        sockets = bind_sockets(self.port, self.host)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("webhook listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
