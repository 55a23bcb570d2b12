"""Settings from environment variables, validated once at start (fail fast, say how to fix)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot import PROJECT_ROOT
from bot.errors import ConfigError

DEFAULT_DATA_DIR = PROJECT_ROOT / "var"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class Settings:
    """Every setting coachbot reads; see README "Configuration" for the variables."""

    database_url: str
    telegram_bot_token: str | None
    telegram_api_base_url: str
    rasa_url: str | None
    """RASA_URL: one Rasa server, or several comma-separated (the client spreads messages over them)."""
    rasa_timeout_s: float
    """RASA_TIMEOUT_SECONDS: the ceiling no message waits on Rasa beyond (the budget adapts under it)."""
    dialogues_dir: Path
    content_dir: Path
    data_dir: Path
    escalation_minutes: int
    digest_hours_before: float
    log_level: str
    safety_question_minutes: int = 30
    """A possible crisis's safety question unanswered this long becomes a crisis alert."""
    triage_model: bool = True
    """Whether triage loads the learned model (COACHBOT_TRIAGE_MODEL=off: rules and Rasa only)."""
    paid_broadcast: bool = False
    """TELEGRAM_PAID_BROADCAST=on: messages go with Telegram's paid broadcasts (up to 1,000 a
    second, charged in Stars beyond the free 30 a second); off by default."""
    dashboard_url: str = DEFAULT_DASHBOARD_URL
    """DASHBOARD_URL: where clinicians reach the web dashboard; sign-in links start with it."""
    log_content: bool = False
    """LOG_CONTENT=on lets libraries' debug lines through, which can quote what people wrote
    (bot.logs): for an operator chasing a fault, never by default."""
    metrics_listen: tuple[str, int] | None = None
    """METRICS_LISTEN=host:port: where `coachbot run` serves /metrics (bot.metrics_server);
    unset or off: nowhere."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; set it to e.g. {default}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is out of range; use a value from {low} to {high}.")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(
            f"{name}={raw!r} is not a valid URL; expected {' or '.join(schemes)}://host[:port]."
        )
    return raw.rstrip("/")


def _urls(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    """One URL or several, comma-separated (RASA_URL: one per Rasa worker), each checked."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    urls = [_url({name: part}, name, schemes) for part in raw.split(",") if part.strip()]
    if len(set(urls)) != len(urls):
        raise ConfigError(f"{name}={raw!r} lists a URL twice; name each worker once.")
    return ",".join(u for u in urls if u) or None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment; raises ConfigError naming the bad variable."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("COACHBOT_DATA_DIR") or DEFAULT_DATA_DIR)
    database_url = env.get("DATABASE_URL", "").strip() or (
        f"sqlite+aiosqlite:///{data_dir / 'coachbot.sqlite3'}"
    )
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        if database_url.startswith(("postgres://", "postgresql://")):
            _scheme, rest = database_url.split("://", 1)
            database_url = "postgresql+asyncpg://" + rest
        else:
            raise ConfigError(
                f"DATABASE_URL={database_url!r} is not supported; use "
                "sqlite+aiosqlite:///path/to/file.sqlite3 or postgresql+asyncpg://user@host/db."
            )
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and (":" not in token or not token.split(":", 1)[0].isdigit()):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (expected '123456:ABC...'); "
            "copy it exactly as BotFather gave it."
        )
    base = _url(env, "TELEGRAM_API_BASE_URL", ("http", "https")) or DEFAULT_TELEGRAM_API_BASE_URL
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL={level!r}; use DEBUG, INFO, WARNING or ERROR.")
    return Settings(
        database_url=database_url,
        telegram_bot_token=token,
        telegram_api_base_url=base,
        rasa_url=_urls(env, "RASA_URL", ("http", "https")),
        rasa_timeout_s=_float(env, "RASA_TIMEOUT_SECONDS", 0.3, 0.01, 10),
        dialogues_dir=Path(env.get("COACHBOT_DIALOGUES_DIR") or PROJECT_ROOT / "dialogues"),
        content_dir=Path(env.get("COACHBOT_CONTENT_DIR") or PROJECT_ROOT / "content"),
        data_dir=data_dir,
        escalation_minutes=int(_float(env, "ESCALATION_MINUTES", 15, 1, 24 * 60)),
        digest_hours_before=_float(env, "DIGEST_HOURS_BEFORE", 2, 0, 72),
        log_level=level,
        safety_question_minutes=int(_float(env, "SAFETY_QUESTION_MINUTES", 30, 1, 24 * 60)),
        triage_model=_switch(env, "COACHBOT_TRIAGE_MODEL", True),
        log_content=_switch(env, "LOG_CONTENT", False),
        paid_broadcast=_switch(env, "TELEGRAM_PAID_BROADCAST", False),
        dashboard_url=_url(env, "DASHBOARD_URL", ("http", "https")) or DEFAULT_DASHBOARD_URL,
        metrics_listen=_listen(env, "METRICS_LISTEN"),
    )


def _listen(env: Mapping[str, str], name: str) -> tuple[str, int] | None:
    """host:port ([::1]:9108 for IPv6; port 0: any free one), or None when unset or off."""
    raw = (env.get(name) or "").strip()
    if raw.lower() in ("", "off"):
        return None
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"{name}={raw!r} is not host:port; use e.g. 127.0.0.1:9108, or off.")
    return host.strip("[]"), int(port)


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "1", "true", "yes"):
        return True
    if raw in ("off", "0", "false", "no"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a switch; set it to on or off.")
