"""The `/metrics` listener (METRICS_LISTEN): Prometheus's text format, on an address of its own.

Not on the webhook's port: that one faces Telegram (and the internet, through the proxy),
while the figures here are for the operator's network only. Each scrape reads the queues
from the database (bot.metrics.refresh); nothing else is served.
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client.exposition import choose_encoder
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot import metrics
from bot.clock import Clock
from bot.errors import ConfigError
from bot.storage.db import Database

log = logging.getLogger(__name__)


class MetricsHandler(RequestHandler):
    def initialize(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self) -> None:
        """The format the scraper asks for (Prometheus's text format unless it asks for
        OpenMetrics), as prometheus_client negotiates it."""
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        await metrics.refresh(self.db, self.clock)
        self.set_header("Content-Type", content_type)
        self.finish(encode(metrics.REGISTRY))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.warning("metrics handler error: %s", value)


def _quiet(handler: RequestHandler) -> None:
    """Tornado logs every request; a scrape every 15 s is not news. Errors still are."""
    if handler.get_status() >= 500:
        log.warning("metrics: %s %s answered %d", handler.request.method, handler.request.path,
                    handler.get_status())


class MetricsServer:
    """Serves GET /metrics on host:port (port 0: any free port, then `port` says which)."""

    def __init__(self, db: Database, clock: Clock, host: str, port: int) -> None:
        self.db = db
        self.clock = clock
        self.host = host
        self.port = port
        self._server: HTTPServer | None = None

    async def start(self) -> None:
        app = Application([("/metrics", MetricsHandler, {"db": self.db, "clock": self.clock})],
                          log_function=_quiet)
        try:
            sockets = bind_sockets(self.port, self.host)
        except OSError as exc:
            raise ConfigError(f"METRICS_LISTEN={self.host}:{self.port}: cannot listen there ({exc.strerror or exc}); "
                              "choose another port, or set METRICS_LISTEN=off.") from None
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("metrics on http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
