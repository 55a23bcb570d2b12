"""SQLite WAL checkpoints in a thread of their own, so that no commit pays for one.

Why: SQLite copies the write-ahead log back into the database file once the log holds 1,000
pages, inside whichever commit crossed the line. Under steady input that was every hundred
inputs or so, and each such commit took 6-8 ms instead of 1.5 ms: the one-at-a-time p99 of the
engine benchmark. sqlite3 releases the GIL while it works, so a checkpoint in another thread
runs beside the event loop instead of inside it.

Safe by SQLite's design: a PASSIVE checkpoint never waits for, nor blocks, readers or
writers; it copies what every reader is done with. What it cannot do is start the log over:
only the writing connection does that, at a commit that finds the log wholly copied, which
under steady input (one transaction after another) is rare. So the connection's own automatic
checkpoint stays on, at `FALLBACK_PAGES`, and starts the log over when it fills; by then this
thread has copied nearly all of it, so that commit pays for little more than two fsyncs. It is
also the fallback should this thread fall behind or stop. After a long burst the log file
keeps its size (up to that much) until the bot stops: cutting it back (`journal_size_limit`)
took 33 ms inside a commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

INTERVAL_S = 0.1
"""Often enough that the log stays under the fallback at a few thousand inputs a second."""
FALLBACK_PAGES = 32768
"""The connections' own automatic checkpoint: 128 MiB of log with 4 KiB pages, about ten
seconds of steady input at the engine benchmark's highest load (measured: one 6 ms commit
per 4,000 inputs with this, against one per 430 at 4,000 pages and one per 110 at SQLite's
default of 1,000 without this thread)."""


class Checkpoints:
    """Checkpoints the SQLite file at `path` every `interval_s` until `stop()`."""

    def __init__(self, path: str, interval_s: float = INTERVAL_S) -> None:
        self.path = path
        self.interval_s = interval_s
        self.done = 0
        """Checkpoints run (for tests and logs)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread, unless it runs already (a disposed engine may connect again)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=0)
        except sqlite3.Error as exc:
            log.warning("no background checkpoints for %s (%s); SQLite checkpoints on commit", self.path, exc)
            return
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error as exc:  # the file is gone or broken: commits checkpoint themselves
                    log.warning("background checkpoint of %s failed (%s); stopping them", self.path, exc)
                    return
        finally:
            connection.close()
