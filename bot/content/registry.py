"""Content versions: the newest for new conversations, the old ones for conversations in flight.

Files are watched (cheaply, by mtime and size, at most every `check_every_s`), so authors'
edits reload without a restart. A new version that fails validation is not taken up; the
bot keeps serving the last good one and logs what is wrong. Each version a conversation
starts on is stored in the database, so it can finish on that version after a restart.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.content.bundle import Bundle, build_bundle, collect_files
from bot.storage.models import ContentVersion

log = logging.getLogger(__name__)

STORED_VERSIONS = "coachbot.stored_content_versions"
"""Key in a session's `info`: content versions known to be in the database (or added) there."""
STORED_VERSION = select(ContentVersion.version).where(ContentVersion.version == bindparam("version"))
"""Built once: every transaction that starts a conversation asks it."""


def _problems(bundle: Bundle) -> list[str]:
    try:
        from bot.content.validate import validate_bundle
    except ImportError:  # pragma: no cover - validator ships with the package
        return []
    return [p.format() for p in validate_bundle(bundle)]


class ContentRegistry:
    def __init__(self, roots: list[Path], check_every_s: float = 2.0) -> None:
        self.roots = roots
        self.check_every_s = check_every_s
        self._bundles: dict[str, Bundle] = {}
        self._fingerprint: tuple[tuple[str, float, int], ...] = ()
        self._checked_at = 0.0
        self._current = self._load(first=True)

    def _scan(self) -> tuple[tuple[str, float, int], ...]:
        entries = []
        for root in self.roots:
            files = [root] if root.is_file() else root.rglob("*.y*ml")
            for file in files:
                if "nlu" in file.parts:
                    continue
                stat = file.stat()
                entries.append((str(file), stat.st_mtime, stat.st_size))
        return tuple(sorted(entries))

    def _load(self, first: bool = False) -> Bundle:
        self._fingerprint = self._scan()
        bundle = build_bundle(collect_files(self.roots, relative_to=_common_root(self.roots)))
        problems = _problems(bundle)
        if problems:
            for line in problems[:50]:
                log.error("content problem: %s", line)
            if not first:
                log.error("content version %s not taken up; still serving %s",
                          bundle.version, self._current.version)
                return self._current
        self._bundles[bundle.version] = bundle
        if not first:
            log.info("content reloaded: version %s", bundle.version)
        return bundle

    def current(self) -> Bundle:
        """The newest good version, reloading first if files changed. An edit that cannot even
        be read (a file half-saved, deleted while scanned, not UTF-8) is logged and skipped:
        the last good version keeps serving, so a crisis reply never waits on an author."""
        now = time.monotonic()
        if now - self._checked_at >= self.check_every_s:
            self._checked_at = now
            try:
                if self._scan() != self._fingerprint:
                    self._current = self._load()
            except Exception as exc:
                log.error("content could not be reloaded (%s: %s); still serving %s",
                          exc.__class__.__name__, exc, self._current.version)
        return self._current

    def reload(self) -> Bundle:
        self._current = self._load()
        return self._current

    async def store(self, session: AsyncSession, bundle: Bundle, now: object) -> None:
        """Remember this version in the database (once) so conversations can outlive restarts.
        Asked once per transaction (a batch starts many conversations), by key only: the
        stored sources are large and not needed here."""
        stored: set[str] = session.info.setdefault(STORED_VERSIONS, set())
        if bundle.version in stored:
            return
        with session.no_autoflush:  # only this function adds versions, and it remembers them
            known = await session.scalar(STORED_VERSION, {"version": bundle.version})
        if known is None:
            session.add(ContentVersion(
                version=bundle.version, sources=bundle.sources(), created_at=as_utc(now),  # type: ignore[arg-type]
            ))
        stored.add(bundle.version)

    async def get(self, session: AsyncSession, version: str) -> Bundle:
        """The bundle a conversation started on; from memory, else from the database."""
        bundle = self._bundles.get(version)
        if bundle is None:
            row = await session.get(ContentVersion, version)
            if row is None:
                log.warning("content version %s unknown; using current", version)
                return self.current()
            bundle = build_bundle(dict(row.sources))
            bundle.version = version
            self._bundles[version] = bundle
        return bundle


def _common_root(roots: list[Path]) -> Path:
    """Paths are stored relative to the folder holding the roots: `dialogues/x.yaml`."""
    return Path(os.path.commonpath([r.resolve().parent for r in roots]))
